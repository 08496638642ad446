/**
 * The built CLI as a real process: acknowledged events survive SIGKILL, and
 * SIGTERM finishes in-flight requests before exiting 0. Needs `dist/` (run
 * `pnpm build`; `pnpm test` builds first).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, track } from './test/harness.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const WRITE_KEY = 'process-test-write-key-0001';
const ADMIN_KEY = 'process-test-admin-key-0001';
/** Generous: the machine may be loaded, and nothing here is timed. */
const WAIT_MS = 15_000;

interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  /** Resolves with the first log line whose msg matches. */
  waitForLog(msg: string): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startCli(db: string): Promise<CliProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--db', db, '--log-level', 'info'], {
    env: { ...process.env, EXHAUST_WRITE_KEYS: WRITE_KEY, EXHAUST_ADMIN_KEY: ADMIN_KEY },
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { msg: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    lines.push(line);
    for (const waiter of waiters.filter((w) => w.msg === line.msg)) waiter.resolve(line);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitForLog = (msg: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const seen = lines.find((line) => line.msg === msg);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`no "${msg}" log line; stderr: ${stderr}`)), WAIT_MS);
      waiters.push({
        msg,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      exited.then(({ code }) => reject(new Error(`collector exited (${code}) before "${msg}"; stderr: ${stderr}`)));
    });
  return waitForLog('ready').then((ready) => ({ child, url: ready.url as string, waitForLog, exited }));
}

const sendBatch = (url: string, batch: unknown[]) =>
  fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic(WRITE_KEY) },
    body: JSON.stringify({ batch }),
  });

async function storedIds(url: string, ids: unknown[]): Promise<unknown[]> {
  const found: unknown[] = [];
  for (const id of ids) {
    const res = await fetch(`${url}/v1/events/${id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    if (res.status === 200) found.push(id);
  }
  return found;
}

let dir: string;
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` before these tests`);
  dir = mkdtempSync(join(tmpdir(), 'exhaust-process-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the collector process', () => {
  it('keeps every acknowledged event when killed with SIGKILL right after the 2xx', async () => {
    const db = join(dir, 'kill.db');
    const first = await startCli(db);
    const acknowledged: unknown[] = [];
    const batches = Array.from({ length: 10 }, () => Array.from({ length: 20 }, () => track()));
    const answers = await Promise.all(batches.map((batch) => sendBatch(first.url, batch)));
    answers.forEach((res, i) => {
      expect(res.status).toBe(200);
      acknowledged.push(...(batches[i] ?? []).map((m) => m.messageId));
    });
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = await startCli(db);
    try {
      expect(await storedIds(second.url, acknowledged)).toEqual(acknowledged);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('finishes and commits requests in flight on SIGTERM, then exits 0', async () => {
    const db = join(dir, 'term.db');
    const first = await startCli(db);
    const slowMessages = [track(), track()];
    const body = JSON.stringify({ batch: slowMessages });
    const half = Math.floor(body.length / 2);

    // A request whose body is still arriving when the signal lands.
    let halfWritten: () => void = () => {};
    const firstHalfSent = new Promise<void>((resolve) => {
      halfWritten = resolve;
    });
    const slow = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        `${first.url}/v1/batch`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: basic(WRITE_KEY),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, half), () => halfWritten());
      // Complete requests racing the signal: each is either acknowledged (then stored) or refused.
      first.waitForLog('shutting down').then(() => req.end(body.slice(half)), reject);
    });
    await firstHalfSent;
    const racing = Array.from({ length: 10 }, () => [track(), track()]);
    const racingAnswers = racing.map((batch) =>
      sendBatch(first.url, batch).then(
        (res) => res.status,
        () => 0,
      ),
    );
    // One answered request proves the server is serving (and has read the slow one's headers by now).
    await racingAnswers[0];
    first.child.kill('SIGTERM');

    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ accepted: 2 });
    expect(await first.exited).toEqual({ code: 0, signal: null });

    const statuses = await Promise.all(racingAnswers);
    const acknowledged = racing
      .filter((_, i) => statuses[i] === 200)
      .flat()
      .map((m) => m.messageId);
    const second = await startCli(db);
    try {
      const expected = [...slowMessages.map((m) => m.messageId), ...acknowledged];
      expect(await storedIds(second.url, expected)).toEqual(expected);
    } finally {
      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    }
  });

  it('refuses a bad config file at start, naming the field, with exit code 1', async () => {
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ sources: [{ name: 'web', writeKey: 'short' }], ip: 'hash' }));
    const child = spawn(process.execPath, [
      CLI,
      'serve',
      '--port',
      '0',
      '--db',
      join(dir, 'bad.db'),
      '--config',
      config,
    ]);
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('sources.0.writeKey');
    expect(stderr).toContain('ip');
  });
});
