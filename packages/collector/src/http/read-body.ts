/**
 * Reads a request body without ever holding more than the limit: the
 * Content-Length is checked first, then every chunk as it streams in, and a
 * gzip body is inflated with an output cap (a gzip bomb answers 413, not OOM).
 * A leading UTF-8 byte-order mark is removed, before or after gzip.
 */
import { gunzipSync } from 'node:zlib';
import { MAX_COMPRESSED_BODY_BYTES } from '@exhaust/schema';
import { ApiError } from '../errors.js';

/** Media types parsed as JSON. Browsers send text/plain to avoid a CORS preflight. */
const JSON_MEDIA_TYPES = new Set(['application/json', 'text/plain']);

/** A web ReadableStream, typed structurally so that DOM and Node typings both fit. */
interface WebByteStream {
  getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array | undefined }> };
}

export interface BodySource {
  headers: (name: string) => string | undefined;
  /** The raw bytes: Node's IncomingMessage (async-iterable) or a web ReadableStream. */
  stream: AsyncIterable<Uint8Array> | WebByteStream | null;
}

async function* chunksOf(stream: AsyncIterable<Uint8Array> | WebByteStream): AsyncGenerator<Uint8Array> {
  if (!('getReader' in stream)) {
    yield* stream;
    return;
  }
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    if (value) yield value;
  }
}

function tooLarge(limitBytes: number, what: string): ApiError {
  // The rest of the body stays unread: close the connection rather than drain it.
  return new ApiError(413, 'payload_too_large', `${what} is larger than ${limitBytes} bytes`, {
    headers: { Connection: 'close' },
  });
}

/** A UTF-8 byte-order mark (which Windows tools like to write) is no JSON, but says nothing either: drop it. */
function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The body as text, at most `maxBodyBytes` after gzip is undone.
 * @param mediaTypes accepted Content-Types (a missing one is accepted); default JSON's.
 */
export async function readBody(
  source: BodySource,
  maxBodyBytes: number,
  mediaTypes: ReadonlySet<string> = JSON_MEDIA_TYPES,
): Promise<string> {
  const mediaType = source.headers('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (mediaType && mediaTypes !== JSON_MEDIA_TYPES && !mediaTypes.has(mediaType)) {
    throw new ApiError(
      415,
      'unsupported_media_type',
      `content-type ${mediaType} is not accepted; send ${[...mediaTypes].join(' or ')}`,
    );
  }
  if (mediaType && mediaTypes === JSON_MEDIA_TYPES && !JSON_MEDIA_TYPES.has(mediaType)) {
    // `curl -d` sends application/x-www-form-urlencoded unless told otherwise: say exactly what to add.
    throw new ApiError(
      415,
      'unsupported_media_type',
      `content-type ${mediaType} is not accepted; send Content-Type: application/json (curl: -H 'Content-Type: application/json')`,
    );
  }
  const encoding = source.headers('content-encoding')?.trim().toLowerCase() || 'identity';
  if (encoding !== 'identity' && encoding !== 'gzip') {
    throw new ApiError(415, 'unsupported_encoding', `content-encoding ${encoding} is not accepted; use gzip`);
  }
  const gzip = encoding === 'gzip';
  const capBytes = gzip ? MAX_COMPRESSED_BODY_BYTES : maxBodyBytes;
  const what = gzip ? 'the compressed body' : 'the body';
  const declared = Number(source.headers('content-length'));
  if (declared > capBytes) throw tooLarge(capBytes, what);

  const chunks: Uint8Array[] = [];
  let total = 0;
  if (source.stream) {
    try {
      for await (const chunk of chunksOf(source.stream)) {
        total += chunk.byteLength;
        if (total > capBytes) throw tooLarge(capBytes, what);
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof ApiError) throw error;
      // The client went away mid-body (reset, abort): nothing to store, nobody to answer.
      throw new ApiError(400, 'invalid_body', 'the body was not received completely', { cause: error });
    }
  }
  const raw = Buffer.concat(chunks, total);
  if (!gzip) return withoutBom(raw.toString('utf8'));
  try {
    return withoutBom(gunzipSync(raw, { maxOutputLength: maxBodyBytes }).toString('utf8'));
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBodyBytes, 'the inflated body');
    throw new ApiError(400, 'invalid_body', 'the body is not valid gzip', { cause: error });
  }
}
