import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { creditLedger, invoices, starPayments, users } from '../db/schema';

/*
 * Credits bought with Telegram Stars. Every step is one transaction keyed so that repeating it
 * changes nothing: a payment is credited once per charge id (Telegram may deliver an update
 * again, a worker may die between the write and the reply), and a refund takes the credits back
 * once. The payment row is locked by each refund step, so two refunds cannot both hold it.
 */

export type Invoice = typeof invoices.$inferSelect;
export type StarPayment = typeof starPayments.$inferSelect;

export const purchaseKeys = {
  purchase: (chargeId: string) => `purchase:${chargeId}`,
  refund: (refundId: string) => `purchase_refund:${refundId}`,
  refundUndo: (refundId: string) => `purchase_refund_undo:${refundId}`,
};

/** A refund Telegram reported itself (refunded_payment) has this id: one per charge. */
export const telegramRefundId = (chargeId: string) => `telegram:${chargeId}`;

export interface NewInvoice {
  id: string;
  botId: string;
  chatId: string;
  userId: string;
  telegramUserId: number;
  title: string;
  description: string;
  stars: number;
  credits: number;
  expiresAt: Date;
}

/** Records an invoice before it is sent; repeating it (a retried activity) keeps the first. */
export async function openInvoice(db: Database, invoice: NewInvoice): Promise<void> {
  await db.insert(invoices).values(invoice).onConflictDoNothing();
}

/** What a pre-checkout query is answered: ok, or the reason the user sees. */
export type PreCheckoutVerdict = { ok: true } | { ok: false; reason: PreCheckoutRefusal; errorMessage: string };

export type PreCheckoutRefusal = 'unknown_invoice' | 'other_user' | 'already_paid' | 'expired' | 'wrong_amount';

const REFUSALS: Record<PreCheckoutRefusal, string> = {
  unknown_invoice: 'This invoice is not valid. Please ask the bot for a new one.',
  other_user: 'This invoice was issued to someone else.',
  already_paid: 'This invoice is already paid.',
  expired: 'This invoice has expired. Please ask the bot for a new one.',
  wrong_amount: 'The price of this invoice has changed. Please ask the bot for a new one.',
};

/**
 * Whether a purchase may go ahead: the invoice exists for this bot, is this user's, unpaid, not
 * expired, and asks what Telegram is about to charge. One indexed read, so it is answered well
 * within Telegram's 10 seconds whatever the chat is doing.
 */
export async function preCheckoutVerdict(
  db: Database,
  query: { botId: string; payload: string; telegramUserId: number; currency: string; totalAmount: number },
  now: Date,
): Promise<PreCheckoutVerdict> {
  const refuse = (reason: PreCheckoutRefusal): PreCheckoutVerdict => ({ ok: false, reason, errorMessage: REFUSALS[reason] });
  const [invoice] = await db.select().from(invoices).where(eq(invoices.id, query.payload));
  if (!invoice || invoice.botId !== query.botId) return refuse('unknown_invoice');
  if (invoice.telegramUserId !== query.telegramUserId) return refuse('other_user');
  if (invoice.paidAt) return refuse('already_paid');
  if (invoice.expiresAt <= now) return refuse('expired');
  if (query.currency !== 'XTR' || query.totalAmount !== invoice.stars) return refuse('wrong_amount');
  return { ok: true };
}

export interface ConfirmedPayment {
  botId: string;
  chatId: string;
  telegramUserId: number;
  chargeId: string;
  invoiceId: string;
  currency: string;
  stars: number;
}

export type CreditOutcome =
  | {
      status: 'credited';
      chargeId: string;
      invoiceId: string;
      credits: number;
      stars: number;
      balance: number;
      /** False when an earlier delivery wrote it: the credits were not added again. */
      created: boolean;
      /** The chat already took this payment (resumed its run or told the user). */
      handled: boolean;
    }
  | { status: 'unknown-invoice' };

/**
 * Credits a payment Telegram confirmed: one `purchase` entry keyed by the charge id, the balance,
 * and the invoice marked paid, in one transaction. Repeating it returns the same outcome and
 * changes nothing. Two payments of one invoice (the user paid twice) are both credited: each took
 * Stars.
 */
export async function creditPurchase(db: Database, payment: ConfirmedPayment): Promise<CreditOutcome> {
  return db.transaction(async (tx) => {
    const [invoice] = await tx.select().from(invoices).where(eq(invoices.id, payment.invoiceId));
    if (!invoice || invoice.botId !== payment.botId) return { status: 'unknown-invoice' as const };
    const inserted = await tx
      .insert(starPayments)
      .values({
        chargeId: payment.chargeId,
        invoiceId: invoice.id,
        botId: payment.botId,
        chatId: payment.chatId,
        userId: invoice.userId,
        telegramUserId: payment.telegramUserId,
        stars: payment.stars,
        credits: invoice.credits,
      })
      .onConflictDoNothing()
      .returning();
    const created = inserted.length === 1;
    if (created) {
      await tx.insert(creditLedger).values({
        userId: invoice.userId,
        amount: invoice.credits,
        reason: 'purchase',
        entryKey: purchaseKeys.purchase(payment.chargeId),
        chargeId: payment.chargeId,
      });
      await tx
        .update(users)
        .set({ balance: sql`${users.balance} + ${invoice.credits}` })
        .where(eq(users.id, invoice.userId));
      await tx
        .update(invoices)
        .set({ paidAt: sql`coalesce(${invoices.paidAt}, now())` })
        .where(eq(invoices.id, invoice.id));
    }
    const [row] = created ? inserted : await tx.select().from(starPayments).where(eq(starPayments.chargeId, payment.chargeId));
    const [user] = await tx.select({ balance: users.balance }).from(users).where(eq(users.id, invoice.userId));
    if (!row || !user) throw new Error(`payment ${payment.chargeId} vanished while it was credited`);
    return {
      status: 'credited' as const,
      chargeId: row.chargeId,
      invoiceId: row.invoiceId,
      credits: row.credits,
      stars: row.stars,
      balance: user.balance,
      created,
      handled: row.handledAt !== null,
    };
  });
}

/** The chat took the payment; a later delivery of it says nothing more. */
export async function markPaymentHandled(db: Database, chargeId: string): Promise<void> {
  await db
    .update(starPayments)
    .set({ handledAt: sql`coalesce(${starPayments.handledAt}, now())` })
    .where(eq(starPayments.chargeId, chargeId));
}

export type HoldOutcome =
  | { status: 'held'; payment: StarPayment }
  | { status: 'already-refunded'; payment: StarPayment }
  | { status: 'in-progress'; payment: StarPayment }
  | { status: 'insufficient-balance'; payment: StarPayment; balance: number }
  | { status: 'unknown-payment' };

/**
 * A refund's first step: takes the payment's credits back (a `purchase_refund` entry) and marks
 * it `refunding` under this refund's id, if the balance allows. Repeating it with the same id
 * finds it held; another refund finds it in progress or refunded.
 */
export async function holdRefund(db: Database, chargeId: string, refundId: string): Promise<HoldOutcome> {
  return db.transaction(async (tx) => {
    const [payment] = await tx.select().from(starPayments).where(eq(starPayments.chargeId, chargeId)).for('update');
    if (!payment) return { status: 'unknown-payment' as const };
    if (payment.status === 'refunded') return { status: 'already-refunded' as const, payment };
    if (payment.status === 'refunding') {
      return payment.refundId === refundId ? { status: 'held' as const, payment } : { status: 'in-progress' as const, payment };
    }
    const [user] = await tx.select({ balance: users.balance }).from(users).where(eq(users.id, payment.userId)).for('update');
    const balance = user?.balance ?? 0;
    if (balance < payment.credits) return { status: 'insufficient-balance' as const, payment, balance };
    await takeBack(tx, payment, refundId, payment.credits);
    const [held] = await tx
      .update(starPayments)
      .set({ status: 'refunding', refundId, refundedCredits: payment.credits })
      .where(eq(starPayments.chargeId, chargeId))
      .returning();
    return { status: 'held' as const, payment: held as StarPayment };
  });
}

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

async function takeBack(tx: Tx, payment: StarPayment, refundId: string, credits: number): Promise<void> {
  if (credits <= 0) return;
  const inserted = await tx
    .insert(creditLedger)
    .values({
      userId: payment.userId,
      amount: -credits,
      reason: 'purchase_refund',
      entryKey: purchaseKeys.refund(refundId),
      chargeId: payment.chargeId,
    })
    .onConflictDoNothing()
    .returning({ id: creditLedger.id });
  if (inserted.length === 1) {
    await tx
      .update(users)
      .set({ balance: sql`${users.balance} - ${credits}` })
      .where(eq(users.id, payment.userId));
  }
}

/** The refund's last step once Telegram refunded (or had refunded) the Stars. Idempotent. */
export async function completeRefund(db: Database, chargeId: string, refundId: string, source: 'api' | 'telegram'): Promise<StarPayment> {
  const [done] = await db
    .update(starPayments)
    .set({
      status: 'refunded',
      refundSource: sql`coalesce(${starPayments.refundSource}, ${source})`,
      refundedAt: sql`coalesce(${starPayments.refundedAt}, now())`,
    })
    .where(and(eq(starPayments.chargeId, chargeId), eq(starPayments.refundId, refundId)))
    .returning();
  if (done) return done;
  const [current] = await db.select().from(starPayments).where(eq(starPayments.chargeId, chargeId));
  if (!current) throw new Error(`payment ${chargeId} does not exist`);
  return current;
}

/**
 * The compensation of a refund Telegram refused: the credits go back (a positive
 * `purchase_refund` entry keyed by the refund) and the payment is `paid` again. Does nothing when
 * the payment is no longer held by this refund (already released, or refunded meanwhile).
 */
export async function releaseRefund(db: Database, chargeId: string, refundId: string): Promise<StarPayment | undefined> {
  return db.transaction(async (tx) => {
    const [payment] = await tx.select().from(starPayments).where(eq(starPayments.chargeId, chargeId)).for('update');
    if (!payment || payment.status !== 'refunding' || payment.refundId !== refundId) return payment;
    const inserted = await tx
      .insert(creditLedger)
      .values({
        userId: payment.userId,
        amount: payment.refundedCredits,
        reason: 'purchase_refund',
        entryKey: purchaseKeys.refundUndo(refundId),
        chargeId,
      })
      .onConflictDoNothing()
      .returning({ id: creditLedger.id });
    if (inserted.length === 1) {
      await tx
        .update(users)
        .set({ balance: sql`${users.balance} + ${payment.refundedCredits}` })
        .where(eq(users.id, payment.userId));
    }
    const [released] = await tx
      .update(starPayments)
      .set({ status: 'paid', refundId: null, refundedCredits: 0 })
      .where(eq(starPayments.chargeId, chargeId))
      .returning();
    return released;
  });
}

/**
 * A refund Telegram reported (refunded_payment): the Stars are back with the user already, so the
 * credits are taken back as far as the balance allows (it never goes negative) and the payment is
 * refunded. A refund of ours in flight for it already took them: it is only marked refunded.
 * Repeating it changes nothing.
 */
export async function bookTelegramRefund(
  db: Database,
  chargeId: string,
): Promise<{ status: 'booked' | 'already-refunded'; payment: StarPayment; takenBack: number } | { status: 'unknown-payment' }> {
  return db.transaction(async (tx) => {
    const [payment] = await tx.select().from(starPayments).where(eq(starPayments.chargeId, chargeId)).for('update');
    if (!payment) return { status: 'unknown-payment' as const };
    if (payment.status === 'refunded') return { status: 'already-refunded' as const, payment, takenBack: 0 };
    if (payment.status === 'refunding') {
      const [done] = await tx
        .update(starPayments)
        .set({ status: 'refunded', refundedAt: sql`now()`, refundSource: 'api' })
        .where(eq(starPayments.chargeId, chargeId))
        .returning();
      return { status: 'booked' as const, payment: done as StarPayment, takenBack: 0 };
    }
    const [user] = await tx.select({ balance: users.balance }).from(users).where(eq(users.id, payment.userId)).for('update');
    const takenBack = Math.min(payment.credits, Math.max(0, user?.balance ?? 0));
    const refundId = telegramRefundId(chargeId);
    await takeBack(tx, payment, refundId, takenBack);
    const [done] = await tx
      .update(starPayments)
      .set({ status: 'refunded', refundId, refundedCredits: takenBack, refundSource: 'telegram', refundedAt: sql`now()` })
      .where(eq(starPayments.chargeId, chargeId))
      .returning();
    return { status: 'booked' as const, payment: done as StarPayment, takenBack };
  });
}

export async function findPayment(db: Database, chargeId: string): Promise<StarPayment | undefined> {
  const [payment] = await db.select().from(starPayments).where(eq(starPayments.chargeId, chargeId));
  return payment;
}

/** A user's Stars payments, newest first, with their refunds. */
export async function paymentsOf(db: Database, userId: string, limit: number): Promise<StarPayment[]> {
  return db.select().from(starPayments).where(eq(starPayments.userId, userId)).orderBy(desc(starPayments.createdAt)).limit(limit);
}
