import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { ledgerPage, topUp, type LedgerEntry } from '../credits/ledger';
import type { Database } from '../db/client';
import { users } from '../db/schema';
import { ApiError } from './errors';
import { idempotencyKey, parseRequest } from './validate';
import { routeTo } from './route';

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
  const route = routeTo(router, '/api');

  async function findUser(id: string): Promise<User> {
    const [user] = await db.select().from(users).where(eq(users.id, id));
    if (!user) throw ApiError.notFound(`user ${id}`);
    return user;
  }

  route(
    {
      method: 'post',
      path: '/users',
      summary: 'Create a user',
      tag: 'users',
      auth: 'bearer',
      body: createUserBody,
      responses: { 201: 'the user', 400: 'invalid request', 409: 'the id is taken' },
    },
    async (req, res) => {
      const body = parseRequest(createUserBody, req, 'body');
      const id = body.id ?? `u_${crypto.randomBytes(9).toString('base64url')}`;
      const [created] = await db.insert(users).values({ id, displayName: body.displayName }).onConflictDoNothing().returning();
      if (!created) throw new ApiError(409, 'conflict', `user ${id} already exists`);
      res.status(201).json(userView(created));
    },
  );

  route(
    {
      method: 'get',
      path: '/users/:id',
      summary: 'A user with their balance',
      tag: 'users',
      auth: 'bearer',
      params: userParams,
      responses: { 200: 'the user', 404: 'no such user' },
    },
    async (req, res) => {
      const { id } = parseRequest(userParams, req, 'params');
      res.json(userView(await findUser(id)));
    },
  );

  route(
    {
      method: 'get',
      path: '/users/:id/ledger',
      summary: 'Ledger entries, newest first (cursor pagination)',
      tag: 'users',
      auth: 'bearer',
      params: userParams,
      query: ledgerQuery,
      responses: { 200: 'a page of entries', 404: 'no such user' },
    },
    async (req, res) => {
      const { id } = parseRequest(userParams, req, 'params');
      const { limit, cursor } = parseRequest(ledgerQuery, req, 'query');
      await findUser(id);
      const page = await ledgerPage(db, id, limit, cursor);
      res.json({ items: page.items.map(entryView), nextCursor: page.nextCursor });
    },
  );

  route(
    {
      method: 'post',
      path: '/users/:id/credits',
      summary: 'Top up credits (idempotent per key)',
      tag: 'users',
      auth: 'bearer',
      params: userParams,
      body: topUpBody,
      idempotencyKey: true,
      responses: {
        200: 'the same key again: the first entry',
        201: 'credited',
        404: 'no such user',
        409: 'the key was used for another amount',
      },
    },
    async (req, res) => {
      const { id } = parseRequest(userParams, req, 'params');
      const key = idempotencyKey(req);
      const { amount } = parseRequest(topUpBody, req, 'body');
      await findUser(id);
      const { entry, created, balance } = await topUp(db, id, amount, key);
      if (entry.amount !== amount) {
        throw new ApiError(409, 'idempotency_key_reused', `Idempotency-Key ${key} was used for a top-up of ${entry.amount}`);
      }
      res.status(created ? 201 : 200).json({ entry: entryView(entry), balance });
    },
  );

  return router;
}
