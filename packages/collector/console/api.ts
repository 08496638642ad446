/**
 * The console's only way to the collector: the public admin API with the
 * admin key as Bearer. The key lives in sessionStorage (gone when the tab
 * closes), never in localStorage or a cookie.
 */
import type { ApiErrorBody } from '@exhaust/schema';

/** sessionStorage key of the admin key (versioned like every persisted name). */
const KEY_STORAGE = 'exhaust:v1:admin-key';

export const getAdminKey = (): string | null => sessionStorage.getItem(KEY_STORAGE);
export const setAdminKey = (key: string): void => sessionStorage.setItem(KEY_STORAGE, key);
export const signOut = (): void => sessionStorage.removeItem(KEY_STORAGE);

/** An API answer that was not 2xx, with the error body's code and fields. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody['error'] & Record<string, unknown>,
  ) {
    super(body.message);
  }
}

function headers(key = getAdminKey()): HeadersInit {
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** GET (or another method) a JSON answer; throws ApiFailure for 4xx/5xx. */
export async function api<T>(path: string, init: RequestInit & { key?: string } = {}): Promise<T> {
  const { key, ...rest } = init;
  const res = await fetch(path, { ...rest, headers: { ...headers(key), ...(rest.headers ?? {}) } });
  const body = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const error = (body as ApiErrorBody | null)?.error ?? { code: 'internal_error', message: `HTTP ${res.status}` };
    if (res.status === 401 && !key) {
      signOut();
      location.hash = '#/sign-in';
    }
    throw new ApiFailure(res.status, error as ApiFailure['body']);
  }
  return body as T;
}

/** `type:value` or a profile id as one URL path segment. */
export const refPath = (ref: string) => `/v1/profiles/${encodeURIComponent(ref)}`;

/**
 * Follows `GET /v1/stream` (server-sent events over fetch: EventSource cannot
 * send the Authorization header). Calls `onEvent` per event; returns a stop function.
 */
export function followStream(
  query: string,
  onEvent: (name: string, data: string) => void,
  onError: (error: unknown) => void,
): () => void {
  const controller = new AbortController();
  (async () => {
    const res = await fetch(`/v1/stream${query}`, { headers: headers(), signal: controller.signal });
    if (!res.ok || !res.body) throw new ApiFailure(res.status, (await res.json()).error);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const lines = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        const field = (name: string) =>
          lines
            .find((l) => l.startsWith(`${name}:`))
            ?.slice(name.length + 1)
            .trim();
        const data = field('data');
        if (data !== undefined) onEvent(field('event') ?? 'message', data);
      }
    }
  })().catch((error) => {
    if (!controller.signal.aborted) onError(error);
  });
  return () => controller.abort();
}
