import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { FailedAuthLimiter, requireAnyBearerToken } from '../../src/http/auth';
import { errorHandler } from '../../src/http/errors';
import { metricsRouter } from '../../src/api/metrics';
import type { Database } from '../../src/db/client';

const scrapeToken = 'metrics-token-0123456789';

/** /metrics is not for anonymous callers, and a scrape storm costs the database one read per refresh. */
describe('/metrics', () => {
  let server: http.Server;
  let url: string;
  let now = 1_000_000;
  let queries = 0;
  let release: (() => void) | undefined;
  beforeAll(async () => {
    // A stand-in database that counts the aggregates it is asked for; `release` holds them in flight.
    const db = {
      async execute(query: { queryChunks: { value?: string[] }[] }) {
        queries += 1;
        if (release === undefined) await new Promise<void>((resolve) => (release = resolve));
        const text = query.queryChunks.flatMap((c) => c.value ?? []).join('');
        return { rows: text.includes('generation_jobs') ? [{ status: 'completed', count: '7' }] : [{ reason: 'debit', count: '9' }] };
      },
    } as unknown as Database;
    const app = express();
    app.use(
      metricsRouter({
        db,
        requireScraper: requireAnyBearerToken([scrapeToken], new FailedAuthLimiter(30)),
        databaseRefreshMs: 15_000,
        now: () => now,
      }),
    );
    app.use(errorHandler);
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const scrape = (token?: string) => fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('refuses anonymous callers and wrong tokens, without touching the database', async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape('not-the-metrics-token')).status).toBe(401);
    expect(queries).toBe(0);
  });

  it('concurrent scrapes share one database read, and later ones reuse it until it is due', async () => {
    const scrapes = Array.from({ length: 20 }, () => scrape(scrapeToken));
    while (queries < 2) await new Promise((resolve) => setImmediate(resolve));
    release!();
    const texts = await Promise.all(scrapes.map(async (r) => (await r).text()));
    expect(queries).toBe(2); // one read: the two aggregates, once
    for (const text of texts) {
      expect(text).toContain('generation_jobs{status="completed"} 7');
      expect(text).toContain('credit_ledger_entries{reason="debit"} 9');
    }
    now += 14_999;
    await Promise.all(Array.from({ length: 5 }, () => scrape(scrapeToken)));
    expect(queries).toBe(2);
    now += 1;
    await Promise.all(Array.from({ length: 5 }, () => scrape(scrapeToken)));
    expect(queries).toBe(4);
  });
});
