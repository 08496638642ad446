/**
 * The built CLI (`dist/cli.js`) as a child process, for tests where a process
 * matters (kills, restarts, several collectors): started on a free port, ready
 * when it logs `ready`, its JSON log lines searchable.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
/** Generous: the machine may be loaded, and nothing here is timed. */
const WAIT_MS = 30_000;

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Starts `exhaust-collector serve --port 0` with these arguments and environment. */
export function startCli(args: string[], env: Record<string, string>): Promise<CliProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--log-level', 'info', ...args], {
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${stderr}`)), WAIT_MS);
    createInterface({ input: child.stdout }).on('line', (text) => {
      if (!text.includes('"ready"')) return;
      const line = JSON.parse(text) as { msg: string; url: string };
      if (line.msg !== 'ready') return;
      clearTimeout(timer);
      resolve(line.url);
    });
    exited.then(({ code }) => reject(new Error(`collector exited (${code}) before ready; stderr: ${stderr}`)));
  });
  return ready.then((url) => ({
    child,
    url,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  }));
}
