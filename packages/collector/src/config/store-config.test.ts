import { describe, expect, it } from 'vitest';
import { parseConfigFile } from './config-schema.js';

describe('config: store', () => {
  it('defaults the PostgreSQL pool size and statement timeout', () => {
    expect(parseConfigFile({}).store).toEqual({ poolSize: 10, statementTimeoutMs: 30_000 });
    expect(parseConfigFile({ store: { poolSize: 4 } }).store).toEqual({ poolSize: 4, statementTimeoutMs: 30_000 });
  });

  it('refuses a pool too small for a writer and a reader, and unknown fields, naming the field', () => {
    expect(() => parseConfigFile({ store: { poolSize: 1 } })).toThrow(/store\.poolSize/);
    expect(() => parseConfigFile({ store: { statementTimeoutMs: 0 } })).toThrow(/store\.statementTimeoutMs/);
    expect(() => parseConfigFile({ store: { pool: 3 } })).toThrow(/store/);
  });
});
