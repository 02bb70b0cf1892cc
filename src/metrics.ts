import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus registry. Activity-side metrics are counted where the work happens; in
 * `npm start` the API serves them from the same process. Figures that must be exact across many
 * processes (jobs by status) are read from PostgreSQL at scrape time instead (src/api/metrics.ts).
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const generationDuration = new Histogram({
  name: 'generation_duration_seconds',
  help: 'Duration of one generation attempt, by kind and outcome',
  labelNames: ['kind', 'outcome'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  registers: [registry],
});

export const creditOperations = new Counter({
  name: 'credit_operations_total',
  help: 'Ledger entries written by this process, by operation (debit, refund, topup)',
  labelNames: ['operation'] as const,
  registers: [registry],
});
