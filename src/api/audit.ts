import type { Request } from 'express';
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../db/client';
import { auditLog } from '../db/schema';
import { routeTo } from '../http/route';

/** Records who (the token's role) changed what. Called by the handlers that change bots and flows. */
export async function audit(
  db: Database,
  req: Request,
  action: string,
  target: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  await db.insert(auditLog).values({ actor: req.role, action, target, details });
  req.log.info({ actor: req.role, action, target }, 'audited change');
}

export const auditQuery = z.object({
  target: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.coerce.number().int().positive().optional(),
});

const auditPageSchema = z.object({
  items: z.array(
    z.object({
      id: z.number().int(),
      actor: z.string(),
      action: z.string(),
      target: z.string(),
      details: z.record(z.string(), z.unknown()),
      createdAt: z.iso.datetime(),
    }),
  ),
  nextCursor: z.number().int().nullable(),
});

export function auditRouter(deps: { db: Database }): Router {
  const router = Router();
  const route = routeTo(router, '/api');
  route(
    {
      method: 'get',
      path: '/audit',
      summary: 'Who changed bots and flows, newest first',
      tag: 'audit',
      auth: 'bearer',
      query: auditQuery,
      responses: { 200: { description: 'a page of audit entries', schema: auditPageSchema } },
    },
    async ({ query: { target, limit, cursor } }, _req, res) => {
      const where: SQL[] = [];
      if (target) where.push(eq(auditLog.target, target));
      if (cursor) where.push(lt(auditLog.id, cursor));
      const rows = await deps.db
        .select()
        .from(auditLog)
        .where(and(...where))
        .orderBy(desc(auditLog.id))
        .limit(limit + 1);
      const items = rows.slice(0, limit).map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
      res.json({ items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null });
    },
  );
  return router;
}
