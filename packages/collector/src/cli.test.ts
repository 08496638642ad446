/**
 * The built CLI as a real process (needs `dist/`, like process.test.ts): keys
 * reach the operator once, in the stderr banner of the start that generated
 * them, and never a JSON log line; config errors are readable on a terminal
 * and one JSON line otherwise.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
/** Generous: the machine may be loaded, and nothing here is timed. */
const WAIT_MS = 20_000;

let dir: string;
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` before these tests`);
  dir = mkdtempSync(join(tmpdir(), 'exhaust-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Env without the key variables, so the CLI generates (or reads) keys.json. */
function cleanEnv(): NodeJS.ProcessEnv {
  const { EXHAUST_WRITE_KEYS: _w, EXHAUST_ADMIN_KEY: _a, PORT: _p, EXHAUST_DB: _d, ...env } = process.env;
  return env;
}

/** Starts `serve`, waits for the `ready` log line, stops it with SIGTERM; answers everything it printed. */
function serveOnce(db: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--db', db], { env: cleanEnv() });
    let stdout = '';
    let stderr = '';
    let stopping = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ready line; stdout: ${stdout} stderr: ${stderr}`));
    }, WAIT_MS);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      // Once: a second SIGTERM would find no handler left and kill the process outright.
      if (!stopping && /"msg":"ready"/.test(stdout)) {
        stopping = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('exhaust-collector serve', () => {
  it('shows generated keys once, in the first start banner, and never in a JSON log line', async () => {
    const db = join(dir, 'keys', 'exhaust.db');
    const first = await serveOnce(db);
    expect(first.code).toBe(0);
    const keys = JSON.parse(readFileSync(join(dir, 'keys', 'keys.json'), 'utf8')) as Record<string, string>;
    const { writeKey, adminKey } = keys as { writeKey: string; adminKey: string };
    expect(first.stderr).toContain(`write key  ${writeKey}`);
    expect(first.stderr).toContain(`admin key  ${adminKey}`);
    expect(first.stderr).toContain(`export WRITE_KEY=${writeKey} ADMIN_KEY=${adminKey}\n`);

    const second = await serveOnce(db);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`write key  wk_…${writeKey.slice(-4)}`);
    expect(second.stderr + second.stdout).not.toContain(writeKey);
    expect(second.stderr + second.stdout).not.toContain(adminKey);

    for (const run of [first, second]) {
      const lines = [...jsonLines(run.stdout), ...jsonLines(run.stderr)];
      expect(lines.map((line) => line.msg)).toContain('ready');
      for (const line of lines) {
        expect(JSON.stringify(line)).not.toContain(writeKey);
        expect(JSON.stringify(line)).not.toContain(adminKey);
      }
      const ready = lines.find((line) => line.msg === 'ready');
      expect(ready).toMatchObject({ writeKey: `wk_…${writeKey.slice(-4)}`, adminKey: `ak_…${adminKey.slice(-4)}` });
    }
  });

  it('reports a bad config file as one JSON line when stderr is not a terminal', () => {
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ sources: [{ name: 'web', writeKey: 'short' }], adminKeys: ['also-short'] }));
    const run = spawnSync(
      process.execPath,
      [CLI, 'serve', '--port', '0', '--db', join(dir, 'bad', 'x.db'), '--config', config],
      {
        env: cleanEnv(),
        encoding: 'utf8',
        timeout: WAIT_MS,
      },
    );
    expect(run.status).toBe(1);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] as string);
    expect(line.level).toBe('error');
    expect(line.msg).toContain('sources.0.writeKey: keys need at least 16 characters');
    expect(line.msg).toContain('adminKeys.0: keys need at least 16 characters');
  });

  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasScript)('reports a bad config file as readable lines on a terminal', () => {
    const config = join(dir, 'bad-tty.json');
    writeFileSync(config, JSON.stringify({ sources: [{ name: 'web', writeKey: 'short' }] }));
    // util-linux `script` gives the CLI a pseudo-terminal; -e passes its exit code on.
    const command = [
      process.execPath,
      CLI,
      'serve',
      '--port',
      '0',
      '--db',
      join(dir, 'tty', 'x.db'),
      '--config',
      config,
    ]
      .map((arg) => `'${arg}'`)
      .join(' ');
    const run = spawnSync('script', ['-qec', command, '/dev/null'], {
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: WAIT_MS,
    });
    expect(run.status).toBe(1);
    const text = run.stdout.replace(/\r/g, '');
    expect(text).toContain(
      `exhaust-collector: invalid config file ${config}:\n  sources.0.writeKey: keys need at least 16 characters`,
    );
    expect(text).not.toContain('{"level"');
  });
});
