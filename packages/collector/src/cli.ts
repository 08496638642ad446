#!/usr/bin/env node
/**
 * `exhaust-collector serve`: the one command an operator runs. Flags win over
 * the environment (`PORT`, `EXHAUST_DB`, `EXHAUST_WRITE_KEYS`,
 * `EXHAUST_ADMIN_KEY`), which adds to the config file. Logs are JSON lines on
 * stdout and never hold a key in full; a banner for people goes to stderr, with
 * generated keys in full on the start that created them only. A fatal error is
 * readable text on a terminal and a JSON line otherwise. SIGTERM/SIGINT: stop accepting, finish and commit in-flight requests, close
 * the database, exit 0.
 */
import { parseArgs } from 'node:util';
import { runMigrateStore } from './cli-migrate-store.js';
import { formatFatalError, startBanner } from './cli-output.js';
import { ConfigError } from './config/config-schema.js';
import { createLogger, LOG_LEVELS, type LogLevel, maskKey } from './log.js';
import { DEFAULT_DB_FILE, DEFAULT_HOST, DEFAULT_PORT, startCollector } from './server.js';

const USAGE = `Usage: exhaust-collector serve [options]
       exhaust-collector migrate-store --from <sqlite-file> --to <postgres-url>  (see migrate-store --help)

Options:
  --port <n>          port to listen on (env PORT, default ${DEFAULT_PORT}; 0 = any free port)
  --host <addr>       interface to bind (default ${DEFAULT_HOST}; 0.0.0.0 for every interface)
  --db <file|url>     SQLite database file, or a postgres:// URL shared by several collectors
                      (env EXHAUST_DB, default ${DEFAULT_DB_FILE})
  --config <file>     JSON config file: sources, adminKeys, limits, ip, identity, server, store
  --log-level <lvl>   ${LOG_LEVELS.join(' | ')} (default info)
  -h, --help          show this help

Environment: EXHAUST_WRITE_KEYS (comma-separated), EXHAUST_ADMIN_KEY add keys to the config.
Without any key, keys are generated once, kept in keys.json beside the database
and shown once, on stderr.
`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'migrate-store') {
    return runMigrateStore(argv.slice(1), {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    });
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      config: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] !== 'serve') {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const logLevel = (values['log-level'] ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const portText = values.port ?? process.env.PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`invalid port ${portText}`);
  const logger = createLogger({ level: logLevel });

  const collector = await startCollector({
    port,
    host: values.host ?? DEFAULT_HOST,
    db: values.db ?? process.env.EXHAUST_DB ?? DEFAULT_DB_FILE,
    ...(values.config ? { config: values.config } : {}),
    env: process.env,
    logger,
  });
  // Listen for signals before saying ready: whoever waits for the ready line may stop us at once.
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info('signal', { signal });
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  logger.info('ready', {
    url: collector.url,
    writeKey: maskKey(collector.writeKey),
    adminKey: maskKey(collector.adminKey),
    ...(collector.keysFile ? { keysFile: collector.keysFile } : {}),
  });
  process.stderr.write(startBanner(collector));

  await stopped;
  await collector.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(formatFatalError(error, process.stderr.isTTY === true));
    process.exit(1);
  },
);
