/**
 * A loopback HTTP server that plays an author's slow API for flow HTTP nodes: every request is
 * answered `{"ok":true}` after a fixed delay. Requests are told apart by their `?key=` (the flow
 * puts the chat in it), so a bench can tell when a chat's request arrived and when its answer left.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlowRequest {
  /** Clock time when the request arrived. */
  arrivedAt: number;
  /** Clock time when the answer was written; undefined while held. */
  respondedAt?: number;
}

export interface SlowServer {
  /** Base URL, e.g. http://127.0.0.1:PORT/slow (append `?key=…`). */
  url: string;
  /** The first request of each key. */
  requests: Map<string, SlowRequest>;
  /** Resolves once a request with `key` has arrived, or with false after `timeoutMs`. */
  arrival(key: string, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function startSlowServer(delayMs: number, clock: () => number): Promise<SlowServer> {
  const requests = new Map<string, SlowRequest>();
  const waiters = new Map<string, () => void>();
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const key = new URL(req.url ?? '/', 'http://localhost').searchParams.get('key') ?? '';
    const request: SlowRequest = { arrivedAt: clock() };
    if (!requests.has(key)) requests.set(key, request);
    waiters.get(key)?.();
    const timer = setTimeout(() => {
      timers.delete(timer);
      request.respondedAt = clock();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    }, delayMs);
    timers.add(timer);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  const arrival = (key: string, timeoutMs: number) =>
    new Promise<boolean>((resolve) => {
      if (requests.has(key)) return resolve(true);
      const timer = setTimeout(() => {
        waiters.delete(key);
        resolve(false);
      }, timeoutMs);
      waiters.set(key, () => {
        clearTimeout(timer);
        waiters.delete(key);
        resolve(true);
      });
    });

  const close = async () => {
    for (const timer of timers) clearTimeout(timer);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return { url: `http://127.0.0.1:${port}/slow`, requests, arrival, close };
}
