import { describe, expect, it } from 'vitest';
import { DEFAULT_BUNDLE_URL, STUB_METHODS, snippet } from './snippet.js';

/** Runs the snippet against a fake window/document; returns the stub and the script element it added. */
function run(code: string, existing?: unknown) {
  const appended: Record<string, unknown>[] = [];
  const element = { dataset: {} as Record<string, string> } as Record<string, unknown>;
  const window = { exhaust: existing } as { exhaust?: unknown };
  const document = { createElement: () => element, head: { appendChild: (child: never) => appended.push(child) } };
  new Function('window', 'document', code)(window, document);
  return { stub: window.exhaust as unknown[][] & Record<string, (...args: unknown[]) => void>, appended };
}

describe('snippet', () => {
  it('defines a stub that queues calls in order and loads the bundle asynchronously', () => {
    const { stub, appended } = run(snippet({ writeKey: 'wk_1', host: 'https://c.example.com' }));
    stub.track!('A', { n: 1 });
    stub.identify!('u-1');
    stub.track!('B');
    expect([...stub]).toEqual([
      ['track', 'A', { n: 1 }],
      ['identify', 'u-1'],
      ['track', 'B'],
    ]);
    expect(appended).toEqual([
      { async: 1, src: DEFAULT_BUNDLE_URL, dataset: { writeKey: 'wk_1', host: 'https://c.example.com' } },
    ]);
    for (const method of STUB_METHODS) expect(typeof stub[method]).toBe('function');
  });

  it('does nothing when the real client is already there', () => {
    const client = { track() {} };
    const { stub, appended } = run(snippet({ writeKey: 'k', host: 'h' }), client);
    expect(stub).toBe(client);
    expect(appended).toEqual([]);
  });

  it('escapes its inputs so they cannot close the script element', () => {
    const code = snippet({ writeKey: '</script><script>alert(1)</script>', host: 'h', src: '/x.js' });
    expect(code).not.toContain('</script>');
    const { appended } = run(code);
    expect(appended[0]).toMatchObject({ src: '/x.js', dataset: { writeKey: '</script><script>alert(1)</script>' } });
  });
});
