/**
 * The Segment HTTP tracking API: `POST /v1/batch` and one route per message
 * type. The write key comes from Basic auth (Segment's way) or the body's
 * `writeKey` (what browsers use with text/plain to skip the preflight).
 */
import { type IngestLimits, MESSAGE_TYPES, type MessageType } from '@exhaust/schema';
import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { credentialsOf, type Keyring, type KeyringSource, originAllowed } from '../auth/keyring.js';
import { ApiError } from '../errors.js';
import { ORIGIN_REFUSED } from '../http/cors.js';
import { readBody } from '../http/read-body.js';
import type { IngestService } from '../ingest/ingest-service.js';

/**
 * Segment's one-letter paths (`/v1/t`, `/v1/p`, ..., `/v1/b`), which analytics.js
 * (analytics-next) posts to: they mean the same as the long ones.
 */
const SHORT_PATHS: Record<MessageType | 'batch', string> = {
  batch: 'b',
  track: 't',
  page: 'p',
  screen: 's',
  identify: 'i',
  group: 'g',
  alias: 'a',
};

/** Every ingest path, for the app's CORS and method handling. */
export const INGEST_PATHS: string[] = (['batch', ...MESSAGE_TYPES] as const).flatMap((kind) => [
  `/v1/${kind}`,
  `/v1/${SHORT_PATHS[kind]}`,
]);

export interface IngestRouteDeps {
  keyring: Keyring;
  ingest: IngestService;
  limits: IngestLimits;
  now: () => Date;
}

export type IngestEnv = {
  Bindings: Partial<HttpBindings>;
  Variables: { events: number; clientDropped: number; [ORIGIN_REFUSED]: boolean };
};

const WRITE_KEY_HINT = 'send the write key as Basic auth user name or as "writeKey"';

/** The header's write key: Basic only. A Bearer header is how admin keys travel, never write keys. */
function headerWriteKey(header: string | undefined): string | undefined {
  const credentials = credentialsOf(header);
  if (credentials?.scheme === 'bearer') {
    throw new ApiError(401, 'unauthorized', `${WRITE_KEY_HINT}, not as Bearer`, {
      headers: { 'WWW-Authenticate': 'Basic' },
    });
  }
  return credentials?.key;
}

function sourceFor(keyring: Keyring, key: string | undefined): KeyringSource {
  if (!key) throw new ApiError(401, 'unauthorized', WRITE_KEY_HINT);
  const owner = keyring.identify(key);
  if (!owner) throw new ApiError(401, 'unauthorized', 'unknown write key');
  if (owner.kind !== 'source') throw new ApiError(403, 'forbidden', 'send events with a source write key');
  if (!owner.source.enabled) throw new ApiError(403, 'source_disabled', `source ${owner.source.name} is disabled`);
  return owner.source;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, 'invalid_json', 'the body is not valid JSON', { cause: error });
  }
}

export function createIngestRoutes(deps: IngestRouteDeps): Hono<IngestEnv> {
  const app = new Hono<IngestEnv>();
  const handle = (singleType?: MessageType) =>
    app.on('POST', [`/v1/${singleType ?? 'batch'}`, `/v1/${SHORT_PATHS[singleType ?? 'batch']}`], async (c) => {
      const receivedAt = deps.now();
      const headerKey = headerWriteKey(c.req.header('authorization'));
      // A wrong header key is refused before the body is read.
      let source = headerKey ? sourceFor(deps.keyring, headerKey) : null;
      const incoming = c.env?.incoming;
      const text = await readBody(
        { headers: (name) => c.req.header(name), stream: incoming ?? c.req.raw.body },
        deps.limits.maxBodyBytes,
      );
      const body = parseJson(text);
      if (!source) {
        const bodyKey = (body as { writeKey?: unknown } | null)?.writeKey;
        source = sourceFor(deps.keyring, typeof bodyKey === 'string' ? bodyKey : undefined);
      }
      const origin = c.req.header('origin');
      if (origin && !originAllowed(source, origin)) {
        c.set(ORIGIN_REFUSED, true);
        throw new ApiError(403, 'origin_not_allowed', `origin ${origin} is not allowed for source ${source.name}`);
      }
      if (singleType && body && typeof body === 'object') delete (body as { writeKey?: unknown }).writeKey;
      const result = await deps.ingest.ingest({
        source: source.id,
        body,
        ...(singleType ? { singleType } : {}),
        requestIp: incoming?.socket.remoteAddress ?? null,
        receivedAt,
      });
      c.set('events', result.accepted + result.duplicates + result.suppressed + result.rejected.length);
      // The envelope was validated by the ingest service: `dropped` is a whole number when present.
      const clientDropped = (body as { dropped?: number }).dropped;
      if (clientDropped) c.set('clientDropped', clientDropped);
      return c.json(result, 200);
    });
  handle();
  for (const type of MESSAGE_TYPES) handle(type);
  return app;
}
