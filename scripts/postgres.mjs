/**
 * A throwaway PostgreSQL cluster for tests, CI and benchmarks: the Debian
 * binaries (`/usr/lib/postgresql/<version>/bin`, package `postgresql`) run
 * `initdb` in a temp directory and `pg_ctl` starts it on a free loopback port.
 * Durable defaults are kept (fsync on, `synchronous_commit = on`): figures
 * measured on it are the ones an operator gets.
 *
 * PostgreSQL refuses to run as root; when this process is root the cluster runs
 * as the `postgres` user the Debian package creates, owning the temp directory.
 *
 * @example
 * const pg = await startPostgres();
 * // pg.url: postgres://postgres@127.0.0.1:54xxx/postgres
 * await pg.stop();
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** Where the Debian/Ubuntu packages put each major version's server binaries. */
const DEBIAN_PG_ROOT = '/usr/lib/postgresql';
/** Connections the cluster accepts: every test file opens a few pools. */
const MAX_CONNECTIONS = 200;
/** How long `pg_ctl` waits for the server to start or stop, in seconds. */
const PG_CTL_TIMEOUT_S = 60;

/**
 * The newest PostgreSQL server `bin` folder on this machine, or null.
 * `EXHAUST_PG_BIN` names one folder; `EXHAUST_PG_ROOT` replaces `/usr/lib/postgresql`.
 */
export function findPostgresBin() {
  const fromEnv = process.env.EXHAUST_PG_BIN;
  if (fromEnv) return existsSync(join(fromEnv, 'initdb')) ? fromEnv : null;
  const root = process.env.EXHAUST_PG_ROOT ?? DEBIAN_PG_ROOT;
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

/** A free TCP port on loopback (asked of the OS, then released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL binary, as `postgres` when we are root. Throws with its output when it fails. */
function run(bin, args) {
  const [command, fullArgs] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const result = spawnSync(command, fullArgs, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${bin} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/**
 * Creates and starts a cluster. Resolves `{ url, port, dir, bin, stop, restart }`;
 * `stop()` shuts it down and removes its directory, `restart()` stops and starts it
 * on the same port (what a database failover or restart looks like to a client).
 */
export async function startPostgres(options = {}) {
  const bin = options.bin ?? findPostgresBin();
  if (!bin) throw new Error(`no PostgreSQL server binaries under ${DEBIAN_PG_ROOT}; apt-get install -y postgresql`);
  const dir = mkdtempSync(join(tmpdir(), 'exhaust-pg-'));
  const data = join(dir, 'data');
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const user = isRoot() ? 'postgres' : userInfo().username;
  run(join(bin, 'initdb'), ['-D', data, '-U', user, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
  const port = options.port ?? (await freePort());
  const serverOptions = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    `-c max_connections=${MAX_CONNECTIONS}`,
    '-c synchronous_commit=on',
    '-c fsync=on',
  ].join(' ');
  const log = join(dir, 'server.log');
  const start = () =>
    run(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      log,
      '-o',
      serverOptions,
      '-w',
      '-t',
      String(PG_CTL_TIMEOUT_S),
      'start',
    ]);
  const stopServer = (mode = 'fast') =>
    run(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', String(PG_CTL_TIMEOUT_S), 'stop']);
  start();
  let stopped = false;
  return {
    url: `postgres://${user}@127.0.0.1:${port}/postgres`,
    port,
    dir,
    bin,
    /** Stops the server (`fast`: connections are cut, as in a failover) without removing anything. */
    halt: (mode = 'fast') => stopServer(mode),
    /** Starts a halted server again on the same port and data. */
    resume: () => start(),
    restart: (mode = 'fast') => {
      stopServer(mode);
      start();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      try {
        stopServer('immediate');
      } catch {
        // Already down (a test halted it): nothing to stop.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// `node scripts/postgres.mjs`: start a cluster, print its URL, stop on Ctrl-C.
if (import.meta.url === `file://${process.argv[1]}`) {
  const pg = await startPostgres();
  process.stdout.write(`${pg.url}\n`);
  const stop = async () => {
    await pg.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  setInterval(() => {}, 1 << 30);
}
