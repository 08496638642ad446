import type { Message } from '@exhaust/schema';
import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from './storage.js';
import { fastBackoff, scriptedTransport } from './test-helpers.js';
import { createTracker, type TrackerOptions } from './tracker.js';

const library = { name: 'test-sdk', version: '1.2.3' };

function setup(options: Partial<TrackerOptions> = {}) {
  const scripted = scriptedTransport('ok');
  const storage = createMemoryStorage();
  const tracker = createTracker({
    transport: scripted.transport,
    storage,
    library,
    backoff: fastBackoff,
    flushIntervalMs: 60_000,
    flushAt: 1000,
    ...options,
  });
  const sent = () => scripted.calls.flatMap((call) => call.body.batch);
  return { ...scripted, tracker, storage, sent };
}
const track = (event: string): Message => ({ type: 'track', event, anonymousId: 'a-1' });

describe('createTracker', () => {
  it('captures, completes and delivers messages in order', async () => {
    const { tracker, sent } = setup({ context: () => ({ locale: 'en-GB' }), consent: {} });
    const ids = ['A', 'B', 'C'].map((event) => tracker.capture(track(event)));
    await tracker.flush();
    expect(sent().map((message) => message.messageId)).toEqual(ids);
    expect(sent()[0]).toMatchObject({
      event: 'A',
      context: { locale: 'en-GB', library, consent: { categoryPreferences: { analytics: true } } },
    });
    await tracker.shutdown();
  });

  it('stamps no consent without a consent gate, and keeps a consent the caller passed', async () => {
    const stated = { categoryPreferences: { necessary: true, analytics: true, marketing: false } };
    const ungated = setup();
    ungated.tracker.capture(track('Plain'));
    ungated.tracker.capture({ ...track('Relayed'), context: { consent: stated } });
    await ungated.tracker.flush();
    expect(ungated.sent().map((message) => message.context?.consent)).toEqual([undefined, stated]);

    const gated = setup({ consent: {} });
    gated.tracker.capture({ ...track('Relayed'), context: { consent: stated } }, { category: 'marketing' });
    gated.tracker.capture(track('Stamped'));
    await gated.tracker.flush();
    expect(gated.sent().map((message) => message.context?.consent)).toEqual([
      stated,
      { categoryPreferences: { necessary: true, analytics: true, marketing: true, personalization: true } },
    ]);
    await Promise.all([ungated.tracker.shutdown(), gated.tracker.shutdown()]);
  });

  it('holds events while consent is pending (nothing stored, nothing sent), then releases granted ones', async () => {
    const { tracker, storage, calls, sent } = setup({ consent: { required: true } });
    const analytics = tracker.capture(track('Viewed'));
    tracker.capture(track('Ad Clicked'), { category: 'marketing' });
    await tracker.flush();
    expect(calls).toHaveLength(0);
    expect(await storage.list()).toEqual([]);
    expect(tracker.getConsent()).toBeNull();
    await tracker.setConsent({ analytics: true, marketing: false });
    await tracker.flush();
    expect(sent().map((message) => message.messageId)).toEqual([analytics]);
    expect(sent()[0]!.context?.consent?.categoryPreferences).toMatchObject({ analytics: true, marketing: false });
    await tracker.shutdown();
  });

  it('stamps an event held while pending as captured under pending, released by the decision and when', async () => {
    let clock = Date.parse('2030-01-01T10:00:00.000Z');
    const { tracker, sent } = setup({ consent: { required: true }, now: () => clock });
    tracker.capture(track('Before'));
    clock += 30_000;
    await tracker.setConsent({ analytics: true });
    clock += 1000;
    tracker.capture(track('After'));
    await tracker.flush();
    const granted = { necessary: true, analytics: true, marketing: false, personalization: false };
    expect(sent().map((message) => [message.timestamp, message.context?.consent])).toEqual([
      [
        '2030-01-01T10:00:00.000Z',
        { categoryPreferences: granted, capturedUnder: 'pending', releasedAt: '2030-01-01T10:00:30.000Z' },
      ],
      ['2030-01-01T10:00:31.000Z', { categoryPreferences: granted }],
    ]);
    await tracker.shutdown();
  });

  it('tells onConsentChange plugins of every decision, with the preferences now in force', async () => {
    const { tracker } = setup({ consent: { required: true } });
    const seen: unknown[] = [];
    tracker.use({ name: 'banner', onConsentChange: (preferences) => seen.push(preferences) });
    await tracker.setConsent({ analytics: true });
    await tracker.setConsent({ analytics: false });
    expect(seen).toEqual([
      { necessary: true, analytics: true, marketing: false, personalization: false },
      { necessary: true, analytics: false, marketing: false, personalization: false },
    ]);
    await tracker.shutdown();
  });

  it('drops events of denied categories at capture and purges them from storage on revocation', async () => {
    const { tracker, storage, calls } = setup({ transport: { send: () => Promise.reject(new Error('offline')) } });
    const drops: string[] = [];
    tracker.use({
      name: 'drops',
      afterSend: (messages, outcome) => {
        if (outcome.status === 'dropped') drops.push(`${messages.length}:${outcome.reason}`);
      },
    });
    tracker.capture(track('Ad Clicked'), { category: 'marketing' });
    tracker.capture(track('Viewed'));
    await tracker.flush();
    expect(await storage.list()).toHaveLength(2);
    await tracker.setConsent({ marketing: false });
    expect((await storage.list()).map((event) => event.category)).toEqual(['analytics']);
    expect(tracker.capture(track('Ad Again'), { category: 'marketing' })).toBeNull();
    expect(drops).toEqual(['1:consent', '1:consent']);
    expect(calls).toHaveLength(0);
    await tracker.clear();
  });

  it('runs plugins at capture, before anything is stored', async () => {
    const { tracker, storage } = setup({
      transport: { send: () => Promise.reject(new Error('offline')) },
      plugins: [
        {
          name: 'strip-email',
          beforeSend: (message) => {
            if (message.type === 'track') delete message.properties?.email;
            return message;
          },
        },
      ],
    });
    tracker.use({
      name: 'drop-debug',
      beforeSend: (message) => (message.type === 'track' && message.event === 'Debug' ? null : message),
    });
    tracker.capture({ ...track('Signed Up'), properties: { email: 'a@b.c', plan: 'pro' } });
    expect(tracker.capture(track('Debug'))).toBeNull();
    await tracker.flush();
    const stored = await storage.list();
    expect(stored.map((event) => (event.message as { properties?: unknown }).properties)).toEqual([{ plan: 'pro' }]);
    await tracker.clear();
  });

  it('keeps capture order for events captured in the same millisecond, whatever order storage lists them in', async () => {
    const storage = createMemoryStorage();
    const reversed = { ...storage, list: async () => (await storage.list()).reverse() };
    const { tracker, sent } = setup({ storage: reversed, now: () => 1_000_000 });
    const ids = ['A', 'B', 'C', 'D'].map((event) => tracker.capture(track(event)));
    await tracker.flush();
    expect(sent().map((message) => message.messageId)).toEqual(ids);
    await tracker.shutdown();
  });

  it('never throws from capture, even when the runtime context fails', () => {
    const errors: unknown[] = [];
    const { tracker } = setup({
      context: () => {
        throw new Error('no page');
      },
    });
    tracker.use({ name: 'errors', onError: (error) => errors.push(error) });
    expect(tracker.capture(track('X'))).toBeNull();
    expect(errors).toHaveLength(1);
  });

  it('reports sent messages to after-send plugins, which can be removed', async () => {
    const seen: string[] = [];
    const { tracker } = setup({
      plugins: [{ name: 'after', afterSend: (m, o) => seen.push(`${m.length}:${o.status}`) }],
    });
    const remove = tracker.use({ name: 'listener', afterSend: (messages) => seen.push(`event:${messages.length}`) });
    tracker.capture(track('A'));
    tracker.capture(track('B'));
    await tracker.flush();
    expect(seen).toEqual(['2:sent', 'event:2']);
    remove();
    tracker.capture(track('C'));
    await tracker.flush();
    expect(seen).toEqual(['2:sent', 'event:2', '1:sent']);
    await tracker.shutdown();
  });
});
