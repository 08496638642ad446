/**
 * The one message shape between the SQLite store and its worker: a method
 * name with its arguments, answered by id. Errors cross as plain data and are
 * rebuilt on the other side (a class instance does not survive postMessage).
 */
import { isStoreErrorCode, StoreError } from '../errors.js';
import type { EngineMethod } from './engine-host.js';
import type { PreparedEvent } from './prepared-event.js';

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
 * Ingest arguments cross as `PreparedEvent`s: the message as JSON text (needed
 * for storage anyway; structured clone of the message object would cost about
 * twice its JSON.stringify) plus the few small facts the engine needs, so the
 * worker never parses it back. Only an alias carries its message object.
 * A Buffer arrives as a plain Uint8Array: the worker wraps the hash back, without a copy.
 */
export function decodeArgs(method: EngineMethod, args: unknown[]): unknown[] {
  if (method !== 'ingest') return args;
  for (const event of args[0] as PreparedEvent[]) {
    event.hash = Buffer.from(event.hash.buffer, event.hash.byteOffset, event.hash.byteLength);
  }
  return args;
}
