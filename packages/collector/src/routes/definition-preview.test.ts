/**
 * The preview endpoints over real HTTP against a real collector: a definition
 * evaluated without saving it (size, estimate, sample), the same 400 as a save
 * for a bad one, and nothing written. `estimateSize` is a table test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from '../test/harness.js';
import { admin, create, send, trackAt, waitLive } from './activation-http.support.js';
import { estimateSize, PREVIEW_SAMPLE_MEMBERS } from './definition-preview.js';

describe('estimateSize', () => {
  it.each([
    { matched: 0, sampled: 0, total: 0, expected: 0 },
    { matched: 3, sampled: 10, total: 10, expected: 3 },
    { matched: 250, sampled: 1_000, total: 10_000, expected: 2_500 },
    { matched: 1, sampled: 3, total: 10, expected: 3 },
    { matched: 2, sampled: 3, total: 10, expected: 7 },
  ])('$matched of $sampled sampled, $total in all: $expected', ({ matched, sampled, total, expected }) => {
    expect(estimateSize(matched, sampled, total)).toBe(expected);
  });
});

describe('POST /v1/audiences/preview and /v1/computed-traits/preview', () => {
  let collector: TestCollector;
  beforeAll(async () => {
    collector = await startTestCollector();
    await create(collector, '/v1/computed-traits', { key: 'orders', kind: 'count', event: 'Order Completed' });
    await waitLive(collector);
    // 25 buyers (more than the sample lists), 5 browsers.
    const events = [];
    for (let i = 0; i < 25; i++)
      events.push(trackAt(`buyer-${i}`, 'Order Completed', Date.now(), { properties: { total: i } }));
    for (let i = 0; i < 5; i++) events.push(trackAt(`browser-${i}`, 'Page Viewed'));
    await send(collector, ...events);
  });
  afterAll(async () => {
    await collector.stop();
  });

  it('answers the size of an unsaved audience with a sample of members, and saves nothing', async () => {
    const definition = {
      key: 'big_spenders',
      name: 'Big spenders',
      condition: { event: 'Order Completed', where: [{ property: 'total', op: 'gte', value: 20 }] },
    };
    const preview = await admin(collector, 'POST', '/v1/audiences/preview', definition);
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({
      totalProfiles: 30,
      sampled: 30,
      matched: 5,
      estimatedSize: 5,
      exact: true,
      sample: expect.any(Array),
    });
    const ids = new Set<string>();
    for (let i = 20; i < 25; i++) {
      ids.add((await admin(collector, 'GET', `/v1/profiles/anonymousId:buyer-${i}`)).body.id);
    }
    expect(new Set(preview.body.sample.map((m: { profileId: string }) => m.profileId))).toEqual(ids);
    expect((await admin(collector, 'GET', '/v1/audiences/big_spenders')).status).toBe(404);
    expect((await admin(collector, 'GET', '/v1/audiences')).body.data).toEqual([]);

    const everyone = await admin(collector, 'POST', '/v1/audiences/preview', {
      key: 'buyers',
      name: 'Buyers',
      condition: { computed: 'orders', op: 'gte', value: 1 },
    });
    expect(everyone.body).toMatchObject({ matched: 25, estimatedSize: 25 });
    expect(everyone.body.sample).toHaveLength(PREVIEW_SAMPLE_MEMBERS);
  });

  it('refuses a bad definition as a save would: 400 invalid_definition naming the node', async () => {
    const answer = await admin(collector, 'POST', '/v1/audiences/preview', {
      key: 'bad',
      name: 'Bad',
      condition: {
        all: [
          { trait: 'plan', op: 'eq', value: 'pro' },
          { trait: 'plan', op: 'equals', value: 'x' },
        ],
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_definition');
    expect(answer.body.error.issues).toContainEqual(
      expect.objectContaining({ path: ['condition', 'all', 1, 'op'], code: 'unknown_op' }),
    );
    const unknown = await admin(collector, 'POST', '/v1/audiences/preview', {
      key: 'bad',
      name: 'Bad',
      condition: { computed: 'nope', op: 'gte', value: 1 },
    });
    expect(unknown.body.error.issues).toContainEqual(expect.objectContaining({ code: 'unknown_reference' }));
  });

  it('previews a computed trait with each sampled value, replacing a saved one of the same key', async () => {
    const answer = await admin(collector, 'POST', '/v1/computed-traits/preview', {
      key: 'orders',
      kind: 'sum',
      event: 'Order Completed',
      property: 'total',
    });
    expect(answer.status).toBe(200);
    // buyer-0 spent 0: no value to show; the 24 others have one.
    expect(answer.body).toMatchObject({ totalProfiles: 30, sampled: 30, matched: 24, estimatedSize: 24, exact: true });
    expect(answer.body.sample[0]).toEqual({ profileId: expect.stringMatching(/^p_/), value: expect.any(Number) });
    // The saved definition is untouched.
    expect((await admin(collector, 'GET', '/v1/computed-traits/orders')).body.kind).toBe('count');
  });

  it('needs the admin key', async () => {
    const response = await fetch(`${collector.url}/v1/audiences/preview`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(401);
  });
});
