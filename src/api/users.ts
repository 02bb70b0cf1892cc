import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { ledgerPage, topUp, type LedgerEntry } from '../credits/ledger';
import type { Database } from '../db/client';
import { ledgerReason, users } from '../db/schema';
import { ApiError } from '../http/errors';
import { idempotencyKeyHeaders, routeTo } from '../http/route';

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

const userSchema = z.object({
  id: z.string(),
  displayName: z.string().nullable(),
  balance: z.number().int(),
  createdAt: z.iso.datetime(),
});
const ledgerEntrySchema = z.object({
  id: z.number().int(),
  amount: z.number().int(),
  reason: z.enum(ledgerReason.enumValues),
  jobId: z.string().nullable(),
  /** The Stars payment of a `purchase` or `purchase_refund` entry. */
  chargeId: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
const topUpSchema = z.object({ entry: ledgerEntrySchema, balance: z.number().int() });

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
  chargeId: entry.chargeId,
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
      responses: {
        201: { description: 'the user', schema: userSchema },
        400: { description: 'invalid request' },
        409: { description: 'the id is taken' },
      },
    },
    async ({ body }, _req, res) => {
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
      responses: { 200: { description: 'the user', schema: userSchema }, 404: { description: 'no such user' } },
    },
    async ({ params: { id } }, _req, res) => {
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
      responses: {
        200: {
          description: 'a page of entries',
          schema: z.object({ items: z.array(ledgerEntrySchema), nextCursor: z.number().int().nullable() }),
        },
        404: { description: 'no such user' },
      },
    },
    async ({ params: { id }, query: { limit, cursor } }, _req, res) => {
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
      headers: idempotencyKeyHeaders,
      responses: {
        200: { description: 'the same key again: the first entry', schema: topUpSchema },
        201: { description: 'credited', schema: topUpSchema },
        404: { description: 'no such user' },
        409: { description: 'the key was used for another amount' },
      },
    },
    async ({ params: { id }, headers: { 'Idempotency-Key': key }, body: { amount } }, _req, res) => {
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
