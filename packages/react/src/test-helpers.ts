/** Test support: a loopback sink standing in for the collector's batch endpoint, and a capturing plugin. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientOptions, ExhaustClient } from '@exhaust/browser';

type Message = Parameters<NonNullable<NonNullable<ClientOptions['plugins']>[number]['beforeSend']>>[0];

export interface Sink {
  url: string;
  /** Every message the sink received, in arrival order. */
  received: Message[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1:0 that acknowledges every batch the way the collector does. */
export async function startSink(): Promise<Sink> {
  const received: Message[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers = { 'access-control-allow-origin': '*', 'content-type': 'application/json' };
      if (request.method !== 'POST') return response.writeHead(204, headers).end();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { batch: Message[] };
      received.push(...body.batch);
      response
        .writeHead(200, headers)
        .end(
          JSON.stringify({ success: true, accepted: body.batch.length, duplicates: 0, suppressed: 0, rejected: [] }),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Records what the real client captured (after its consent gate), in order, without touching it. */
export function capturePlugin(): { name: string; captured: Message[]; beforeSend(message: Message): Message } {
  const captured: Message[] = [];
  return {
    name: 'test-capture',
    captured,
    beforeSend(message) {
      captured.push(message);
      return message;
    },
  };
}

/** Polls until `check` passes or the generous deadline runs out (the machine is shared and slow). */
export async function waitFor(check: () => void, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

export const pages = (messages: Message[]) => messages.filter((message) => message.type === 'page');
export const tracks = (messages: Message[]) =>
  messages.filter((message): message is Extract<Message, { type: 'track' }> => message.type === 'track');

export type { ExhaustClient, Message };
