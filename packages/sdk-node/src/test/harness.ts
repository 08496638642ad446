/**
 * Test helpers: a real collector on loopback with its SQLite file in a temp
 * folder, reading what it stored through its admin API, and child processes
 * running `child.ts` from TypeScript sources.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type RunningCollector, startCollector } from '@exhaust/collector';
import type { Page, StoredEvent } from '@exhaust/schema';
import type { ChildPlan } from './child.js';

/** Generous: the machine is shared and loaded; conditions are polled, never slept on. */
export const DEADLINE_MS = 60_000;

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TestCollector extends RunningCollector {
  db: string;
  /** Closes the collector and removes the temp folder it created (none when `db` was given). */
  stop(): Promise<void>;
}

/** A collector on `port` (0: any free one) over `db` (default: a fresh temp file). */
export async function startTestCollector(options: { port?: number; db?: string } = {}): Promise<TestCollector> {
  const own = options.db ? null : tempDir('exhaust-node-db-');
  const db = options.db ?? join(own!.path, 'exhaust.db');
  const collector = await startCollector({
    port: options.port ?? 0,
    db,
    logLevel: 'silent',
    writeKeys: ['node-test-write-key'],
    adminKey: 'node-test-admin-key',
  });
  return {
    ...collector,
    db,
    async stop() {
      await collector.close();
      own?.remove();
    },
  };
}

/** Every stored event (optionally of one event name), read through the admin API page by page. */
export async function storedEvents(collector: { url: string; adminKey: string }, event?: string) {
  const events: StoredEvent[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: '1000' });
    if (event) query.set('event', event);
    if (cursor) query.set('cursor', cursor);
    const res = await fetch(`${collector.url}/v1/events?${query}`, {
      headers: { authorization: `Bearer ${collector.adminKey}` },
    });
    if (!res.ok) throw new Error(`admin API answered ${res.status}: ${await res.text()}`);
    const page = (await res.json()) as Page<StoredEvent>;
    events.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  return events;
}

/** Polls `check` until it returns a value other than undefined/false, or fails after the deadline. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string) {
  const until = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A port nothing listens on (taken from the OS, then released). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Child {
  process: ChildProcess;
  /** Resolves with the first line whose `step` matches. */
  step(name: string): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `child.ts` with `plan`, from sources (tsx, `source` export condition). */
export function spawnChild(plan: ChildPlan): Child {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', join(packageRoot, 'src/test/child.ts'), JSON.stringify(plan)],
    { cwd: packageRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let errors = '';
  child.stderr?.on('data', (chunk) => {
    errors += chunk;
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line));
    } catch {
      errors += `${line}\n`;
    }
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const wake of waiters.splice(0)) wake();
    });
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  return {
    process: child,
    exited,
    stderr: () => errors,
    async step(name) {
      const until = Date.now() + DEADLINE_MS;
      for (;;) {
        const found = lines.find((line) => line.step === name);
        if (found) return found;
        if (done) throw new Error(`child exited before step ${name}: ${errors}`);
        if (Date.now() > until) throw new Error(`timed out waiting for child step ${name}: ${errors}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
  };
}
