import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { ledgerPage, topUp, type LedgerEntry } from '../credits/ledger';
import type { Database } from '../db/client';
import { users } from '../db/schema';
import { ApiError } from './errors';
import { idempotencyKey, parseRequest } from './validate';

export const userIdSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, '1-64 characters of A-Z a-z 0-9 . _ : -');

export const createUserBody = z.object({
  id: userIdSchema.optional(),
  displayName: z.string().min(1).max(200).optional(),
});
export const userParams = z.object({ id: userIdSchema });
export const topUpBody = z.object({ amount: z.number().int().positive().max(1_000_000_000) });
export const ledgerQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.coerce.number().int().positive().optional(),
});

type User = typeof users.$inferSelect;

const userView = (user: User) => ({
  id: user.id,
  displayName: user.displayName,
  balance: user.balance,
  createdAt: user.createdAt.toISOString(),
});

const entryView = (entry: LedgerEntry) => ({
  id: entry.id,
  amount: entry.amount,
  reason: entry.reason,
  jobId: entry.jobId,
  createdAt: entry.createdAt.toISOString(),
});

/** Users and their credits: create, read with balance, ledger pages, idempotent top-ups. */
export function usersRouter(deps: { db: Database }): Router {
  const { db } = deps;
  const router = Router();

  async function findUser(id: string): Promise<User> {
    const [user] = await db.select().from(users).where(eq(users.id, id));
    if (!user) throw ApiError.notFound(`user ${id}`);
    return user;
  }

  router.post('/users', async (req, res) => {
    const body = parseRequest(createUserBody, req, 'body');
    const id = body.id ?? `u_${crypto.randomBytes(9).toString('base64url')}`;
    const [created] = await db.insert(users).values({ id, displayName: body.displayName }).onConflictDoNothing().returning();
    if (!created) throw new ApiError(409, 'conflict', `user ${id} already exists`);
    res.status(201).json(userView(created));
  });

  router.get('/users/:id', async (req, res) => {
    const { id } = parseRequest(userParams, req, 'params');
    res.json(userView(await findUser(id)));
  });

  router.get('/users/:id/ledger', async (req, res) => {
    const { id } = parseRequest(userParams, req, 'params');
    const { limit, cursor } = parseRequest(ledgerQuery, req, 'query');
    await findUser(id);
    const page = await ledgerPage(db, id, limit, cursor);
    res.json({ items: page.items.map(entryView), nextCursor: page.nextCursor });
  });

  router.post('/users/:id/credits', async (req, res) => {
    const { id } = parseRequest(userParams, req, 'params');
    const key = idempotencyKey(req);
    const { amount } = parseRequest(topUpBody, req, 'body');
    await findUser(id);
    const { entry, created, balance } = await topUp(db, id, amount, key);
    if (entry.amount !== amount) {
      throw new ApiError(409, 'idempotency_key_reused', `Idempotency-Key ${key} was used for a top-up of ${entry.amount}`);
    }
    res.status(created ? 201 : 200).json({ entry: entryView(entry), balance });
  });

  return router;
}
