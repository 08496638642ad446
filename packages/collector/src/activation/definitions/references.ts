/** What a definition reads: traits, computed traits, other audiences, event names and subscription channels. */
import type { AudienceCondition, ComputedTraitDefinition, SubscriptionChannel } from '@exhaust/schema';

export interface References {
  traits: Set<string>;
  computed: Set<string>;
  audiences: Set<string>;
  events: Set<string>;
  /** Channels read by `{ subscription }` nodes. */
  subscriptions: Set<SubscriptionChannel>;
}

function empty(): References {
  return { traits: new Set(), computed: new Set(), audiences: new Set(), events: new Set(), subscriptions: new Set() };
}

/** The top-level trait key a (possibly dotted) trait path reads: identify writes top-level keys. */
export function traitRoot(path: string): string {
  const dot = path.indexOf('.');
  return dot === -1 ? path : path.slice(0, dot);
}

function walk(node: AudienceCondition, refs: References): void {
  if ('all' in node || 'any' in node) {
    for (const child of 'all' in node ? node.all : node.any) walk(child, refs);
  } else if ('not' in node) walk(node.not, refs);
  else if ('trait' in node) {
    refs.traits.add(node.trait);
    refs.traits.add(traitRoot(node.trait));
  } else if ('computed' in node) refs.computed.add(node.computed);
  else if ('audience' in node) refs.audiences.add(node.audience);
  else if ('subscription' in node) refs.subscriptions.add(node.subscription.channel);
  else refs.events.add(node.event);
}

/** Direct references of an audience condition (not following other audiences). */
export function conditionReferences(condition: AudienceCondition): References {
  const refs = empty();
  walk(condition, refs);
  return refs;
}

/** Direct references of a computed trait. */
export function computedTraitReferences(definition: ComputedTraitDefinition): References {
  const refs = empty();
  if (definition.event !== undefined) refs.events.add(definition.event);
  for (const rule of definition.rules ?? []) {
    if ('event' in rule.when) refs.events.add(rule.when.event);
    else {
      refs.traits.add(rule.when.trait);
      refs.traits.add(traitRoot(rule.when.trait));
    }
  }
  return refs;
}
