import type { Client } from '@temporalio/client';
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Database } from '../db/client';
import { routeTo } from '../http/route';

const checkSchema = z.union([
  z.object({ ok: z.literal(true), latencyMs: z.number().int().nonnegative() }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
type Check = z.infer<typeof checkSchema>;
const readinessSchema = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z.object({ temporal: checkSchema, postgres: checkSchema }),
});

async function timed(probe: () => Promise<unknown>, timeoutMs: number): Promise<Check> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

const withoutDetails = (check: Check): Check => (check.ok ? check : { ok: false, error: 'unavailable' });

/**
 * `/healthz`: the process is alive. `/readyz`: it can reach Temporal and PostgreSQL. Both are open
 * (orchestrators probe them), so anonymous callers learn only which dependency is down: the raw
 * errors name internal hosts and ports, and only a caller with an API token sees them.
 */
export function healthRouter(deps: { db: Database; temporal: Client; showsDetailsTo: (req: Request) => boolean }): Router {
  const router = Router();
  const route = routeTo(router, '');
  route(
    {
      method: 'get',
      path: '/healthz',
      summary: 'The process is alive',
      tag: 'health',
      auth: 'none',
      responses: { 200: { description: 'alive', schema: z.object({ status: z.literal('ok') }) } },
    },
    (_input, _req, res) => {
      res.json({ status: 'ok' });
    },
  );
  route(
    {
      method: 'get',
      path: '/readyz',
      summary: 'Temporal and PostgreSQL answer (each reported)',
      tag: 'health',
      auth: 'none',
      responses: {
        200: { description: 'ready', schema: readinessSchema },
        503: { description: 'a dependency is down (anonymous callers learn only which)', schema: readinessSchema },
      },
    },
    async (_input, req, res) => {
      const [temporal, postgres] = await Promise.all([
        timed(() => deps.temporal.workflowService.getSystemInfo({}), 2_000),
        timed(() => deps.db.$client.query('select 1'), 2_000),
      ]);
      const ready = temporal.ok && postgres.ok;
      const shown = deps.showsDetailsTo(req)
        ? { temporal, postgres }
        : { temporal: withoutDetails(temporal), postgres: withoutDetails(postgres) };
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks: shown });
    },
  );
  return router;
}
