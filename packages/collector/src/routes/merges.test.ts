/** `POST /v1/merges` over real HTTP: repeating a forced merge is answered, not re-done. */
import { afterEach, expect, it } from 'vitest';
import { msg, startTestCollector, type TestCollector } from './identity-e2e.support.js';

let collector: TestCollector | null = null;
afterEach(async () => {
  await collector?.close();
  collector = null;
});

it('answers a repeated forced merge with alreadyMerged and records nothing more', async () => {
  const c = await startTestCollector();
  collector = c;
  await c.send(msg({ type: 'identify', userId: 'u-a' }), msg({ type: 'identify', userId: 'u-b' }));
  const a = await c.profile('userId:u-a');
  const b = await c.profile('userId:u-b');

  const first = await c.admin('POST', '/v1/merges', { from: 'userId:u-b', into: 'userId:u-a' });
  expect(first).toEqual({ status: 200, body: { survivor: a.id, merged: b.id, alreadyMerged: false } });
  const history = (await c.admin('GET', '/v1/profiles/userId:u-a/merges')).body.data;
  expect(history).toHaveLength(1);

  for (const body of [
    { from: 'userId:u-b', into: 'userId:u-a' },
    // The other direction, and the merged-away profile id, name the same one profile too.
    { from: 'userId:u-a', into: 'userId:u-b' },
    { from: b.id, into: a.id },
  ]) {
    const again = await c.admin('POST', '/v1/merges', body);
    expect(again).toEqual({ status: 200, body: { survivor: a.id, merged: null, alreadyMerged: true } });
  }
  expect((await c.admin('GET', '/v1/profiles/userId:u-a/merges')).body.data).toEqual(history);
});
