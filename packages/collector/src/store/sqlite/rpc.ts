/**
 * The one message shape between the SQLite store and its worker: a method
 * name with its arguments, answered by id. Errors cross as plain data and are
 * rebuilt on the other side (a class instance does not survive postMessage).
 */
import { isStoreErrorCode, StoreError } from '../errors.js';
import type { IncomingEvent } from '../store.js';
import type { EngineMethod } from './engine-host.js';

export interface RpcRequest {
  id: number;
  method: EngineMethod;
  args: unknown[];
}

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

export type RpcResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: SerializedError };

/** First message of the worker: the engine opened (migrations ran), or why it could not. */
export type WorkerReady = { ready: true } | { ready: false; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(error.stack ? { stack: error.stack } : {}),
    };
  }
  return { name: 'Error', message: String(error) };
}

export function deserializeError(error: SerializedError): Error {
  const rebuilt =
    error.name === 'StoreError' && isStoreErrorCode(error.code)
      ? new StoreError(error.code, error.message)
      : Object.assign(new Error(error.message), error.code ? { code: error.code } : {});
  if (error.stack) rebuilt.stack = error.stack;
  return rebuilt;
}

/**
 * Ingest arguments cross as JSON text instead of nested objects: structured
 * clone of a message costs about twice its JSON.stringify on the sending (HTTP)
 * thread, and the text is needed for storage anyway. The worker parses it back
 * (JSON.parse keeps `__proto__` keys as plain data, like the request body).
 */
export function encodeArgs(method: EngineMethod, args: unknown[]): unknown[] {
  if (method !== 'ingest') return args;
  return [
    (args[0] as IncomingEvent[]).map(({ message, payload, ...rest }) => ({
      ...rest,
      payload: payload ?? JSON.stringify(message),
    })),
  ];
}

export function decodeArgs(method: EngineMethod, args: unknown[]): unknown[] {
  if (method !== 'ingest') return args;
  return [
    (args[0] as (Omit<IncomingEvent, 'message'> & { payload: string })[]).map((event) => ({
      ...event,
      message: JSON.parse(event.payload),
    })),
  ];
}
