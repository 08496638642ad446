import type { JsonObject, Message } from '@exhaust/schema';
import { describe, expect, it } from 'vitest';
import { createPipeline, type Plugin } from './plugins.js';

const track = (properties: JsonObject = {}): Message => ({
  type: 'track',
  event: 'Bought',
  anonymousId: 'a',
  properties,
});

describe('createPipeline', () => {
  it('runs before-send hooks in order: enrich, rewrite, drop', () => {
    const errors: unknown[] = [];
    const enrich: Plugin = {
      name: 'enrich',
      beforeSend: (m) => ({ ...m, properties: { ...(m.properties as JsonObject), plan: 'pro' } }),
    };
    const strip: Plugin = {
      name: 'strip-email',
      beforeSend(m) {
        delete (m.properties as JsonObject).email;
        return undefined;
      },
    };
    const dropTests: Plugin = { name: 'drop', beforeSend: (m, meta) => (meta.category === 'test' ? null : m) };
    const pipeline = createPipeline([enrich, strip], (error) => errors.push(error));
    pipeline.use(dropTests);
    expect(pipeline.beforeSend(track({ email: 'a@b.c', total: 3 }), { category: 'analytics' })?.properties).toEqual({
      total: 3,
      plan: 'pro',
    });
    expect(pipeline.beforeSend(track(), { category: 'test' })).toBeNull();
    expect(errors).toEqual([]);
  });

  it('fails closed: a throwing hook drops the message and reports the error', () => {
    const errors: unknown[] = [];
    const broken: Plugin = {
      name: 'broken',
      beforeSend() {
        throw new Error('boom');
      },
    };
    const pipeline = createPipeline([broken], (error) => errors.push(error));
    expect(pipeline.beforeSend(track(), { category: 'analytics' })).toBeNull();
    expect(errors).toHaveLength(1);
  });

  it('tells after-send hooks the outcome, isolating failures', () => {
    const seen: string[] = [];
    const pipeline = createPipeline(
      [
        {
          name: 'throws',
          afterSend() {
            throw new Error('x');
          },
        },
        { name: 'records', afterSend: (messages, outcome) => seen.push(`${messages.length}:${outcome.status}`) },
      ],
      () => {},
    );
    pipeline.afterSend([track(), track()], { status: 'sent' });
    pipeline.afterSend([track()], { status: 'dropped', reason: 'rejected' });
    expect(seen).toEqual(['2:sent', '1:dropped']);
  });
});
