/**
 * Structured logs: one JSON object per line, filtered by level.
 * @example const log = createLogger({ level: 'info' }); log.info('listening', { port: 8787 });
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  /** Default `info`. */
  level?: LogLevel;
  /** Where lines go; default stdout. */
  write?: (line: string) => void;
}

export function createLogger({ level = 'info', write }: LoggerOptions = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const out = write ?? ((line: string) => process.stdout.write(line));
  const at =
    (lineLevel: Exclude<LogLevel, 'silent'>) =>
    (msg: string, fields?: LogFields): void => {
      if (LOG_LEVELS.indexOf(lineLevel) < threshold) return;
      out(`${JSON.stringify({ level: lineLevel, time: new Date().toISOString(), msg, ...fields })}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Characters of a key that `maskKey` keeps at the end. */
const MASK_KEPT_TAIL_CHARS = 4;
/** A key's type prefix (`wk_`, `ak_`) is shown when it is at most this long, underscore included. */
const MASK_MAX_PREFIX_CHARS = 4;

/**
 * A key as logs and banners may show it: its type prefix, an ellipsis and its
 * last 4 characters, enough to tell keys apart, never enough to use one.
 * @example maskKey('ak_Zx8...9f3c') // 'ak_…9f3c'; maskKey('my-own-long-admin-key') // '…-key'
 */
export function maskKey(key: string): string {
  const underscore = key.indexOf('_');
  const prefix = underscore >= 0 && underscore < MASK_MAX_PREFIX_CHARS ? key.slice(0, underscore + 1) : '';
  return `${prefix}…${key.slice(-MASK_KEPT_TAIL_CHARS)}`;
}

/** A logger that drops everything (tests, embedding). */
export const silentLogger: Logger = createLogger({ level: 'silent' });
