/**
 * Every ```sh block of the repository README runs as pasted, in order, after
 * `pnpm start`: one bash session in a folder laid out like the repository root
 * after `pnpm start` (a fresh collector whose generated keys are in
 * ./data/keys.json), with `localhost:8787` pointed at that collector. Blocks
 * that cannot run here are fenced ```text (see the README's Development section).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCollector, startCollector } from './server.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
/** Generous: the machine may be loaded, and nothing here is timed. */
const RUN_TIMEOUT_MS = 60_000;
const BLOCK_MARK = 'README_BLOCK';
const STATUS_MARK = 'README_HTTP_STATUS';

/** The body of each ```sh fenced block, in order. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh[ \t]*\n([\s\S]*?)^```[ \t]*$/gm)].map((match) => match[1] as string);
}

interface BashRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<BashRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`README blocks still running after ${RUN_TIMEOUT_MS} ms; stderr: ${stderr}`));
    }, RUN_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
let collector: RunningCollector;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'exhaust-readme-'));
  // Like `pnpm start` from the repository root: keys generated once into ./data/keys.json.
  collector = await startCollector({
    port: 0,
    host: '127.0.0.1',
    db: join(dir, 'data', 'exhaust.db'),
    logLevel: 'silent',
  });
});
afterAll(async () => {
  await collector?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the README', () => {
  it('finds its shell examples', () => {
    const blocks = shellBlocks(readFileSync(README, 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    expect(blocks.some((block) => block.includes('export WRITE_KEY='))).toBe(true);
    expect(blocks.filter((block) => /^curl /m.test(block)).length).toBeGreaterThanOrEqual(4);
  });

  it('runs every ```sh block as pasted, in order, each curl answered below 400', async () => {
    const blocks = shellBlocks(readFileSync(README, 'utf8'));
    const here = `127.0.0.1:${collector.port}`;
    // Every curl reports its status on stderr; the README's own flags stay as written.
    const prelude = [
      'set -euo pipefail',
      `curl() { command curl -sS --write-out '%{stderr}${STATUS_MARK} %{http_code}\\n' "$@"; }`,
    ];
    const script = [
      ...prelude,
      ...blocks.map((block, i) => `echo '${BLOCK_MARK} ${i}' >&2\n${block.replaceAll('localhost:8787', here)}`),
    ].join('\n');
    const { WRITE_KEY: _w, ADMIN_KEY: _a, ...env } = process.env;
    const run = await runBash(script, dir, env);

    // Statuses by block, to name the failing example.
    const statuses = new Map<number, number[]>();
    let block = -1;
    for (const line of run.stderr.split('\n')) {
      if (line.startsWith(BLOCK_MARK)) block = Number(line.split(' ')[1]);
      else if (line.startsWith(STATUS_MARK))
        statuses.set(block, [...(statuses.get(block) ?? []), Number(line.split(' ')[1])]);
    }
    const failing = [...statuses].filter(([, codes]) => codes.some((code) => code < 200 || code >= 400));
    const report = (i: number) => `block ${i}:\n${blocks[i]}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    expect(failing.map(([i, codes]) => ({ codes, block: report(i) }))).toEqual([]);
    expect(run.code, report(block)).toBe(0);
    // Every block ran to its end: the last one started, and each curl-bearing block reported statuses.
    expect(block).toBe(blocks.length - 1);
    blocks.forEach((text, i) => {
      if (/^curl /m.test(text)) expect(statuses.get(i)?.length ?? 0, report(i)).toBeGreaterThan(0);
    });
  });
});
