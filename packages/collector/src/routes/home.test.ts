import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from '../test/harness.js';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(() => collector.stop());

describe('GET /', () => {
  it('answers a small accessible HTML page whose health link works', async () => {
    const res = await fetch(`${collector.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toMatch(/<html lang="en">/);
    expect(page).toMatch(/<title>Exhaust collector<\/title>/);
    expect(page).toMatch(/<h1>Exhaust collector<\/h1>/);
    expect(page).toContain('README');
    expect(page).toContain('href="http://localhost:8788"');
    const links = [...page.matchAll(/href="(\/[^"]*)"/g)].map((m) => m[1]);
    expect(links).toEqual(['/console/', '/healthz']);
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
    // The console answers its page once built, and says how to build it before.
    expect([200, 503]).toContain((await fetch(`${collector.url}/console/`)).status);
  });

  it('shows no key and leaves other unknown paths a JSON 404', async () => {
    const page = await (await fetch(`${collector.url}/`)).text();
    expect(page).not.toContain(collector.writeKey);
    expect(page).not.toContain(collector.adminKey);
    const res = await fetch(`${collector.url}/consoles`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('route_not_found');
  });
});
