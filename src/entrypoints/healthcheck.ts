/**
 * `node dist/entrypoints/healthcheck.js [api|worker]`: the image's HEALTHCHECK. Exits 0 when the
 * process of this container answers GET /healthz with 200: the API on PORT (the default), or a
 * worker on WORKER_METRICS_PORT – a worker serves /healthz nowhere else, so without that port
 * set (to a fixed port, not 0) the check fails and says why.
 */
import { loadConfig } from '../config';
import { urlHost } from '../http/url-host';

function healthUrl(role: string): string {
  const config = loadConfig();
  if (role === 'api') return `http://${urlHost(config.API_HOST)}:${config.PORT}/healthz`;
  if (role === 'worker') {
    if (!config.WORKER_METRICS_PORT) throw new Error('a worker serves /healthz on WORKER_METRICS_PORT only: set it to a fixed port');
    return `http://127.0.0.1:${config.WORKER_METRICS_PORT}/healthz`;
  }
  throw new Error(`usage: healthcheck.js [api|worker] (not ${role})`);
}

async function main(): Promise<number> {
  const url = healthUrl(process.argv[2] ?? 'api');
  const response = await fetch(url);
  process.stdout.write(`${url}: ${response.status} ${await response.text()}\n`);
  return response.status === 200 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`unhealthy: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
