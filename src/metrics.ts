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

export const replyLatency = new Histogram({
  name: 'telegram_reply_latency_seconds',
  help: 'From receiving an update to a reply (message, edit, delete) being accepted by Telegram',
  buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const callbackAnswerLatency = new Histogram({
  name: 'telegram_callback_answer_latency_seconds',
  help: 'From receiving a button press to answering its callback query',
  buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const chatEvents = new Counter({
  name: 'chat_events_total',
  help: 'Things chat workflows noticed: duplicate_update, flood_dropped, chat_blocked, chat_unblocked',
  labelNames: ['event'] as const,
  registers: [registry],
});

export const updatesReceived = new Counter({
  name: 'telegram_updates_received_total',
  help: 'Updates accepted by the ingress and delivered to chat workflows, by bot and mode',
  labelNames: ['bot', 'mode'] as const,
  registers: [registry],
});

export const flowSteps = new Counter({
  name: 'flow_node_executions_total',
  help: 'Flow nodes executed by chat workflows, by bot, node type and result (ok, error, blocked)',
  labelNames: ['bot', 'node_type', 'result'] as const,
  registers: [registry],
});

export const flowStepDuration = new Histogram({
  name: 'flow_node_duration_seconds',
  help: 'Workflow time a node took (local steps show 0: they run within one workflow task)',
  labelNames: ['bot', 'node_type'] as const,
  buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
  registers: [registry],
});

/** Counts one chat input's node executions and their durations (steps of kind 'input' are not nodes). */
export function recordFlowSteps(botId: string, steps: readonly { kind: string; nodeType: string | null; durationMs: number }[]): void {
  for (const step of steps) {
    if (step.kind === 'input') continue;
    const nodeType = step.nodeType ?? 'none';
    flowSteps.inc({ bot: botId, node_type: nodeType, result: step.kind === 'node' ? 'ok' : step.kind });
    if (step.kind === 'node') flowStepDuration.observe({ bot: botId, node_type: nodeType }, step.durationMs / 1000);
  }
}

export const starsPurchases = new Counter({
  name: 'stars_purchases_total',
  help: 'Telegram Stars payments credited (once each), by bot',
  labelNames: ['bot'] as const,
  registers: [registry],
});

export const starsSold = new Counter({
  name: 'stars_sold_total',
  help: 'Telegram Stars received in credited payments, by bot',
  labelNames: ['bot'] as const,
  registers: [registry],
});

export const creditsSold = new Counter({
  name: 'credits_sold_total',
  help: 'Credits added by Stars purchases, by bot',
  labelNames: ['bot'] as const,
  registers: [registry],
});

export const starsRefunds = new Counter({
  name: 'stars_refunds_total',
  help: 'Stars refunds by source (api: POST /api/payments/:chargeId/refund; telegram: a refunded_payment it reported) and outcome',
  labelNames: ['source', 'outcome'] as const,
  registers: [registry],
});

export const preCheckoutLatency = new Histogram({
  name: 'telegram_pre_checkout_answer_seconds',
  help: 'From receiving a pre_checkout_query to its answer being accepted by Telegram (it allows 10 s), by verdict (ok, refused, failed)',
  labelNames: ['verdict'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});
