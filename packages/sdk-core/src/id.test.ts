import { afterEach, describe, expect, it, vi } from 'vitest';
import { createId } from './id.js';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('createId', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('returns distinct v4 uuids', () => {
    const ids = new Set(Array.from({ length: 1000 }, createId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(V4);
  });

  it('builds v4 uuids from getRandomValues where randomUUID is missing (plain-http pages)', () => {
    const getRandomValues = (bytes: Uint8Array) => bytes.fill(0xff);
    vi.stubGlobal('crypto', { getRandomValues });
    expect(createId()).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
    vi.stubGlobal('crypto', { getRandomValues: (bytes: Uint8Array) => bytes.fill(0) });
    expect(createId()).toBe('00000000-0000-4000-8000-000000000000');
  });
});
