/**
 * Entry of the SQLite worker thread (built as `dist/sqlite-worker.js`). It owns
 * the only connection, so the HTTP thread never blocks on SQLite or fsync.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { type EngineOptions, SqliteEngine } from './engine.js';
import { createEngineHost } from './engine-host.js';
import { decodeArgs, type RpcRequest, type RpcResponse, serializeError, type WorkerReady } from './rpc.js';

function serve(port: MessagePort, engine: SqliteEngine): void {
  const host = createEngineHost(engine);
  port.on('message', (request: RpcRequest) => {
    host.call(request.method, decodeArgs(request.method, request.args)).then(
      (value) => {
        port.postMessage({ id: request.id, ok: true, value } satisfies RpcResponse);
        // Closing the port lets the thread exit once the database is closed.
        if (request.method === 'close') port.close();
      },
      (error: unknown) =>
        port.postMessage({ id: request.id, ok: false, error: serializeError(error) } satisfies RpcResponse),
    );
  });
}

if (!parentPort) throw new Error('the sqlite worker must run in a worker thread');
try {
  const engine = new SqliteEngine(workerData as EngineOptions);
  parentPort.postMessage({ ready: true } satisfies WorkerReady);
  serve(parentPort, engine);
} catch (error) {
  parentPort.postMessage({ ready: false, error: serializeError(error) } satisfies WorkerReady);
  parentPort.close();
}
