import { sql } from 'drizzle-orm';
import { Router, type RequestHandler } from 'express';
import { Gauge, Registry } from 'prom-client';
import type { Database } from '../db/client';
import { registry as processRegistry } from '../metrics';
import { cachedValue } from './cached-value';
import { routeTo } from '../http/route';

export interface MetricsDeps {
  db: Database;
  /** Who may scrape (bearer token check); anonymous callers get 401. */
  requireScraper: RequestHandler;
  /** Database gauges are refreshed at most this often, whatever the scrape rate. */
  databaseRefreshMs: number;
  now?: () => number;
}

/**
 * `/metrics` for Prometheus, behind a bearer token: the figures name bots and volumes, and the
 * database gauges cost two full-table aggregates. Job and ledger figures are read from PostgreSQL
 * (exact however many workers did the work), but at most once per `databaseRefreshMs` and one
 * read at a time, so a scrape storm cannot multiply the queries. Process-local metrics come from
 * the shared registry; the database gauges live in a registry of this app's own, merged when
 * scraped.
 */
export function metricsRouter(deps: MetricsDeps): Router {
  const countRows = async (query: ReturnType<typeof sql>) => (await deps.db.execute<Record<string, string>>(query)).rows;
  const snapshot = cachedValue(
    async () => {
      const [jobs, ledger] = await Promise.all([
        countRows(sql`select status, count(*) from generation_jobs group by status`),
        countRows(sql`select reason, count(*) from credit_ledger group by reason`),
      ]);
      return { jobs, ledger };
    },
    deps.databaseRefreshMs,
    deps.now,
  );

  const databaseRegistry = new Registry();
  const countBy = (
    name: string,
    help: string,
    label: string,
    pick: (s: Awaited<ReturnType<typeof snapshot>>) => Record<string, string>[],
  ) =>
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers: [databaseRegistry],
      async collect() {
        const rows = pick(await snapshot());
        this.reset();
        for (const row of rows) this.set({ [label]: row[label] ?? '' }, Number(row.count));
      },
    });
  countBy('generation_jobs', 'Generation jobs by status', 'status', (s) => s.jobs);
  countBy('credit_ledger_entries', 'Ledger entries by reason (debit, refund, topup)', 'reason', (s) => s.ledger);

  const router = Router();
  const route = routeTo(router, '');
  route(
    {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics (METRICS_TOKEN or an API token)',
      tag: 'health',
      auth: 'bearer',
      before: [deps.requireScraper],
      responses: { 200: { description: 'metrics in the Prometheus text format', contentType: 'text/plain' } },
    },
    async (_input, _req, res) => {
      const merged = Registry.merge([processRegistry, databaseRegistry]);
      res.type(merged.contentType).send(await merged.metrics());
    },
  );
  return router;
}
