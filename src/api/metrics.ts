import { sql } from 'drizzle-orm';
import { Router } from 'express';
import { Gauge, Registry } from 'prom-client';
import type { Database } from '../db/client';
import { registry as processRegistry } from '../metrics';
import { routeTo } from './route';

/**
 * `/metrics` for Prometheus. Job and ledger figures are read from PostgreSQL at scrape time, so
 * they are exact however many workers did the work; process-local metrics come from the shared
 * registry. The database gauges live in a registry of this app's own, merged when scraped.
 */
export function metricsRouter(deps: { db: Database }): Router {
  const databaseRegistry = new Registry();
  const countBy = (name: string, help: string, label: string, query: ReturnType<typeof sql>) =>
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers: [databaseRegistry],
      async collect() {
        const rows = await deps.db.execute<Record<string, string>>(query);
        this.reset();
        for (const row of rows.rows) this.set({ [label]: row[label] ?? '' }, Number(row.count));
      },
    });
  countBy('generation_jobs', 'Generation jobs by status', 'status', sql`select status, count(*) from generation_jobs group by status`);
  countBy('credit_ledger_entries', 'Ledger entries by reason (debit, refund, topup)', 'reason', sql`select reason, count(*) from credit_ledger group by reason`);

  const router = Router();
  const route = routeTo(router, '');
  route(
    { method: 'get', path: '/metrics', summary: 'Prometheus metrics', tag: 'health', auth: 'none', responses: { 200: 'metrics in the Prometheus text format' } },
    async (_req, res) => {
    const merged = Registry.merge([processRegistry, databaseRegistry]);
    res.type(merged.contentType).send(await merged.metrics());
  });
  return router;
}
