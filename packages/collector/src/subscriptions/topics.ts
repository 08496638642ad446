/**
 * Topics declared in the config file (`subscriptions.topics`), per channel,
 * each opt-in (only subscribers receive it) or opt-out (everyone not
 * unsubscribed does). A topic first used without a declaration is opt-out,
 * as the issue decided; declare opt-in topics explicitly.
 */
import { SUBSCRIPTION_CHANNELS, type SubscriptionChannel } from '@exhaust/schema';
import { z } from 'zod';
import { MAX_TOPIC_KEY_LENGTH } from './model.js';
import type { TopicMode } from './precedence.js';

export const topicKeySchema = z.string().trim().min(1).max(MAX_TOPIC_KEY_LENGTH);

const topicListSchema = z
  .array(z.strictObject({ key: topicKeySchema, mode: z.enum(['opt-in', 'opt-out']) }))
  .superRefine((topics, ctx) => {
    const seen = new Set<string>();
    topics.forEach((topic, i) => {
      if (seen.has(topic.key)) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: 'duplicate topic key' });
      seen.add(topic.key);
    });
  });

export const subscriptionsConfigSchema = z.strictObject({
  topics: z.partialRecord(z.enum(SUBSCRIPTION_CHANNELS), topicListSchema).default({}),
});

export type SubscriptionsConfig = z.output<typeof subscriptionsConfigSchema>;

export const DEFAULT_SUBSCRIPTIONS_CONFIG: SubscriptionsConfig = { topics: {} };

/** Mode of a topic on a channel; undeclared topics are opt-out. */
export function topicModeOf(config: SubscriptionsConfig, channel: SubscriptionChannel, key: string): TopicMode {
  return config.topics[channel]?.find((topic) => topic.key === key)?.mode ?? 'opt-out';
}
