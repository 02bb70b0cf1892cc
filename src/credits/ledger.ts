import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { creditLedger, users } from '../db/schema';

export type LedgerEntry = typeof creditLedger.$inferSelect;

/** Ledger keys: one per operation, unique in the database, so no operation is ever applied twice. */
export const ledgerKeys = {
  debit: (jobId: string) => `debit:${jobId}`,
  refund: (jobId: string) => `refund:${jobId}`,
  topUp: (userId: string, idempotencyKey: string) => `topup:${userId}:${idempotencyKey}`,
};

/** No user has this id: a ledger, a balance or a generation was asked for a user that does not exist. */
export class UserNotFoundError extends Error {
  constructor(readonly userId: string) {
    super(`user ${userId} does not exist`);
    this.name = 'UserNotFoundError';
  }
}

/**
 * Adds credits. Repeating the same idempotency key returns the first entry and changes nothing;
 * the ledger row and the balance change commit together or not at all.
 */
export async function topUp(
  db: Database,
  userId: string,
  amount: number,
  idempotencyKey: string,
): Promise<{ entry: LedgerEntry; created: boolean; balance: number }> {
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(creditLedger)
      .values({ userId, amount, reason: 'topup', entryKey: ledgerKeys.topUp(userId, idempotencyKey) })
      .onConflictDoNothing()
      .returning();
    const created = inserted.length === 1;
    if (created) {
      await tx
        .update(users)
        .set({ balance: sql`${users.balance} + ${amount}` })
        .where(eq(users.id, userId));
    }
    const [entry] = created
      ? inserted
      : await tx
          .select()
          .from(creditLedger)
          .where(eq(creditLedger.entryKey, ledgerKeys.topUp(userId, idempotencyKey)));
    const [user] = await tx.select({ balance: users.balance }).from(users).where(eq(users.id, userId));
    if (!entry || !user) throw new UserNotFoundError(userId);
    return { entry, created, balance: user.balance };
  });
}

/** A page of a user's ledger, newest first; `cursor` is the last id of the previous page. */
export async function ledgerPage(
  db: Database,
  userId: string,
  limit: number,
  cursor?: number,
): Promise<{ items: LedgerEntry[]; nextCursor: number | null }> {
  const rows = await db
    .select()
    .from(creditLedger)
    .where(cursor === undefined ? eq(creditLedger.userId, userId) : and(eq(creditLedger.userId, userId), lt(creditLedger.id, cursor)))
    .orderBy(desc(creditLedger.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
}
