import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerMatcher } from '../http/auth';
import { registry } from '../metrics';

/**
 * `/metrics` (and `/healthz`) of a worker process that runs no API: activity-side figures –
 * generation durations, ledger writes, reply latency, node steps – are counted where the work
 * happens, so in a split deployment each worker is scraped on its own port. The port is meant to
 * stay inside the cluster; with METRICS_TOKEN set, /metrics needs it here too.
 */
export async function startWorkerMetricsServer(
  port: number,
  healthy: () => boolean,
  token?: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const scraper = bearerMatcher({ scraper: token });
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics' && token && !scraper(req.headers.authorization)) {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'unauthorized', message: 'missing or invalid bearer token' } }));
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text))
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      const ok = healthy();
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: ok ? 'ok' : 'worker not running' }));
      return;
    }
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { code: 'not_found', message: 'GET /metrics or /healthz' } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
