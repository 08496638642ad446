import { describe, expect, it } from 'vitest';
import { formatFatalError, formatStartBanner } from './cli-output.js';
import { ConfigError } from './config/config-schema.js';

const WRITE = 'wk_0123456789abcdefghijWXYZ';
const ADMIN = 'ak_0123456789abcdefghij9f3c';
const FILE = '/srv/exhaust/data/keys.json';

describe('formatStartBanner', () => {
  it('shows generated keys in full with a ready-to-paste export line', () => {
    const text = formatStartBanner({
      url: 'http://127.0.0.1:8787',
      writeKey: WRITE,
      adminKey: ADMIN,
      keysFile: FILE,
      generatedKeys: { writeKey: WRITE, adminKey: ADMIN },
    });
    expect(text).toContain(`write key  ${WRITE}`);
    expect(text).toContain(`admin key  ${ADMIN}`);
    expect(text).toContain(`export WRITE_KEY=${WRITE} ADMIN_KEY=${ADMIN}\n`);
    expect(text).toContain('shown this once');
    expect(text).toContain('console    http://127.0.0.1:8787/console/');
  });

  it('masks keys read back from keys.json and exports commands that read the file instead', () => {
    const text = formatStartBanner({
      url: 'http://127.0.0.1:8787',
      writeKey: WRITE,
      adminKey: ADMIN,
      keysFile: FILE,
      generatedKeys: null,
      savedKeys: { writeKey: WRITE, adminKey: ADMIN },
    });
    expect(text).not.toContain(WRITE);
    expect(text).not.toContain(ADMIN);
    expect(text).toContain('write key  wk_…WXYZ');
    expect(text).toContain('admin key  ak_…9f3c');
    expect(text).toContain(
      `export WRITE_KEY=$(node -p "require('${FILE}').writeKey") ADMIN_KEY=$(node -p "require('${FILE}').adminKey")`,
    );
  });

  it('never prints configured keys, and offers no export line for them', () => {
    const text = formatStartBanner({
      url: 'http://127.0.0.1:8787',
      writeKey: 'my-configured-write-key',
      adminKey: ADMIN,
      keysFile: FILE,
      generatedKeys: { adminKey: ADMIN },
      savedKeys: { writeKey: WRITE, adminKey: ADMIN },
    });
    expect(text).not.toContain('my-configured-write-key');
    expect(text).toContain('write key  …-key');
    expect(text).toContain(`export ADMIN_KEY=${ADMIN}\n`);

    const configured = formatStartBanner({
      url: 'http://127.0.0.1:8787',
      writeKey: 'my-configured-write-key',
      adminKey: 'my-configured-admin-key',
      keysFile: null,
      generatedKeys: null,
    });
    expect(configured).not.toContain('export');
    expect(configured).not.toContain('my-configured');
  });
});

describe('formatFatalError', () => {
  const error = new ConfigError('invalid config file x.json:\n  sources.0.writeKey: keys need at least 16 characters');
  const now = new Date('2026-11-25T10:00:00.000Z');

  it('prints readable lines on a terminal', () => {
    expect(formatFatalError(error, true, now)).toBe(
      'exhaust-collector: invalid config file x.json:\n  sources.0.writeKey: keys need at least 16 characters\n',
    );
  });

  it('prints one JSON log line otherwise', () => {
    const text = formatFatalError(error, false, now);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(text)).toEqual({ level: 'error', time: now.toISOString(), msg: error.message });
  });
});
