import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '@exhaust/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, type ConfigFileInput } from './config-schema.js';
import { resolveConfig } from './resolve-config.js';
import {
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from './server-config.js';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'exhaust-config-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const KEY_A = 'write-key-aaaaaaaaaaaa';
const KEY_B = 'write-key-bbbbbbbbbbbb';
const ADMIN = 'admin-key-cccccccccccc';

describe('resolveConfig', () => {
  it('generates keys once, keeps them in keys.json (0600) and reuses them', () => {
    const first = resolveConfig({ dataDir });
    const file = join(dataDir, 'keys.json');
    expect(first.keysFile).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(first.config.sources).toEqual([{ name: 'default', writeKey: saved.writeKey, allowedOrigins: ['*'] }]);
    expect(first.config.adminKeys).toEqual([saved.adminKey]);
    expect(saved.writeKey).not.toBe(saved.adminKey);
    expect(resolveConfig({ dataDir }).config.sources[0]?.writeKey).toBe(saved.writeKey);
    // Another data folder gets other keys: nothing is hard-coded.
    const other = mkdtempSync(join(tmpdir(), 'exhaust-config-'));
    expect(resolveConfig({ dataDir: other }).config.sources[0]?.writeKey).not.toBe(saved.writeKey);
    rmSync(other, { recursive: true, force: true });
  });

  it('reports the keys it generated on the first start only, and only those it uses', () => {
    const first = resolveConfig({ dataDir });
    const saved = JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8'));
    expect(first.generatedKeys).toEqual({ writeKey: saved.writeKey, adminKey: saved.adminKey });
    expect(resolveConfig({ dataDir }).generatedKeys).toBeNull();

    const other = mkdtempSync(join(tmpdir(), 'exhaust-config-'));
    const withWriteKey = resolveConfig({ dataDir: other, env: { EXHAUST_WRITE_KEYS: KEY_A } });
    expect(withWriteKey.generatedKeys).toEqual({ adminKey: withWriteKey.config.adminKeys[0] });
    rmSync(other, { recursive: true, force: true });
  });

  it('takes keys from the environment and generates nothing then', () => {
    const { config, keysFile } = resolveConfig({
      dataDir,
      env: { EXHAUST_WRITE_KEYS: ` ${KEY_A}, ${KEY_B} `, EXHAUST_ADMIN_KEY: ADMIN },
    });
    expect(keysFile).toBeNull();
    expect(config.sources.map((s) => [s.name, s.writeKey])).toEqual([
      ['default', KEY_A],
      ['env-2', KEY_B],
    ]);
    expect(config.adminKeys).toEqual([ADMIN]);
  });

  it('reads a config file, fills defaults and merges limits over DEFAULT_LIMITS', () => {
    const file = join(dataDir, 'exhaust.json');
    writeFileSync(
      file,
      JSON.stringify({
        sources: [{ name: 'web', writeKey: KEY_A, allowedOrigins: ['https://shop.example.com/some/path'] }],
        adminKeys: [ADMIN],
        limits: { maxBatchEvents: 100 },
        ip: 'drop',
        identity: { blockedValues: { deviceId: ['kiosk-7'] } },
      }),
    );
    const { config } = resolveConfig({ config: file, dataDir });
    expect(config.sources[0]?.allowedOrigins).toEqual(['https://shop.example.com']);
    expect(config.limits).toEqual({ ...DEFAULT_LIMITS, maxBatchEvents: 100 });
    expect(config.ip).toBe('drop');
    expect(config.identity.blockedValues.deviceId).toContain('kiosk-7');
  });

  it.each([
    [{ sources: [{ name: 'web', writeKey: 'short' }] }, 'sources.0.writeKey'],
    [{ sources: [{ name: 'web', writeKey: KEY_A, allowedOrigins: ['not a url'] }] }, 'sources.0.allowedOrigins.0'],
    [{ limits: { maxBodyBytes: -1 } }, 'limits.maxBodyBytes'],
    [{ limits: { maxBodyByte: 10 } }, 'limits'],
    [{ ip: 'hash' }, 'ip'],
    [{ identity: 'strict' }, 'identity'],
    [{ adminKeys: [KEY_A], sources: [{ name: 'web', writeKey: KEY_A }] }, 'adminKeys.0'],
    [
      {
        sources: [
          { name: 'web', writeKey: KEY_A },
          { name: 'web', writeKey: KEY_B },
        ],
      },
      'sources.1.name',
    ],
    [{ sorces: [] }, '(root)'],
    [{ server: { headersTimeoutMs: 0 } }, 'server.headersTimeoutMs'],
    [{ server: { requestTimeoutMs: 1.5 } }, 'server.requestTimeoutMs'],
    [{ server: { keepAliveTimeoutMs: '5s' } }, 'server.keepAliveTimeoutMs'],
    [{ server: { maxConnections: -1 } }, 'server.maxConnections'],
    [{ server: { headersTimeoutMs: 20_000, requestTimeoutMs: 10_000 } }, 'server.headersTimeoutMs: must not exceed'],
    [{ server: { headersTimeout: 10 } }, 'server'],
  ])('refuses %j naming %s', (input, field) => {
    // Deliberately wrong shapes: what a hand-written JSON file may hold.
    const config = input as ConfigFileInput;
    expect(() => resolveConfig({ config, dataDir })).toThrow(ConfigError);
    expect(() => resolveConfig({ config, dataDir })).toThrow(field);
  });

  it('defaults the server timeouts to seconds, and takes configured ones', () => {
    expect(resolveConfig({ dataDir }).config.server).toEqual({
      headersTimeoutMs: DEFAULT_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    });
    const server = { headersTimeoutMs: 2_000, requestTimeoutMs: 4_000, keepAliveTimeoutMs: 1_000, maxConnections: 50 };
    expect(resolveConfig({ config: { server }, dataDir }).config.server).toEqual(server);
  });

  it('names the file when it is missing or not JSON', () => {
    expect(() => resolveConfig({ config: join(dataDir, 'nope.json'), dataDir })).toThrow(/cannot read config file/);
    const bad = join(dataDir, 'bad.json');
    writeFileSync(bad, '{ nope');
    expect(() => resolveConfig({ config: bad, dataDir })).toThrow(/not valid JSON/);
  });
});
