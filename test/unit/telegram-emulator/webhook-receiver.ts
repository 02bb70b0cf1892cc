import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  update: { update_id: number; message?: { text?: string; chat: { id: number } } };
  secretToken: string | undefined;
}

export interface Reply {
  status: number;
  body?: unknown;
}

/**
 * A webhook endpoint for tests: records every POST and answers with whatever the test's answer
 * function resolves to, so a test can hold a request open, fail it, or reply with a method.
 */
export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Resolves once `count` requests have arrived. */
  received(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(answer: (request: ReceivedRequest) => Reply | Promise<Reply>): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const header = req.headers['x-telegram-bot-api-secret-token'];
      const request: ReceivedRequest = {
        update: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedRequest['update'],
        secretToken: typeof header === 'string' ? header : undefined,
      };
      requests.push(request);
      for (const w of waiting.filter((w) => requests.length >= w.count)) w.resolve();
      void Promise.resolve(answer(request)).then(({ status, body }) => {
        if (body === undefined) res.writeHead(status).end();
        else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    received: (count) => (requests.length >= count ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve }))),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
