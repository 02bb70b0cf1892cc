import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';

export interface LedgerProblem {
  kind: 'balance-mismatch' | 'job-money-trail' | 'payment-money-trail' | 'purchase-without-payment';
  subject: string;
  detail: string;
}

/**
 * The money invariant, checkable at any moment: every balance equals the sum of its ledger; every
 * job has at most one debit and one refund, a debit iff it got past `pending` without rejection,
 * and a refund of exactly its debit iff it ended without completing. Every Stars payment has
 * exactly one `purchase` entry of its credits, and its `purchase_refund` entries sum to minus the
 * credits its refund holds or took (none while it is `paid`); no purchase entry lacks a payment.
 */
export async function checkLedger(db: Database): Promise<LedgerProblem[]> {
  const balances = await db.execute<{ id: string; balance: string; ledger: string }>(sql`
    select u.id, u.balance, coalesce(sum(l.amount), 0) as ledger
    from users u left join credit_ledger l on l.user_id = u.id
    group by u.id, u.balance
    having u.balance <> coalesce(sum(l.amount), 0)`);
  const jobs = await db.execute<{
    id: string;
    status: string;
    cost: string;
    debits: string;
    refunds: string;
    debited: string;
    refunded: string;
  }>(sql`
    select j.id, j.status, j.cost,
      count(*) filter (where l.reason = 'debit') as debits,
      count(*) filter (where l.reason = 'refund') as refunds,
      coalesce(-sum(l.amount) filter (where l.reason = 'debit'), 0) as debited,
      coalesce(sum(l.amount) filter (where l.reason = 'refund'), 0) as refunded
    from generation_jobs j left join credit_ledger l on l.job_id = j.id
    group by j.id, j.status, j.cost`);

  const problems: LedgerProblem[] = balances.rows.map((row) => ({
    kind: 'balance-mismatch',
    subject: `user ${row.id}`,
    detail: `balance ${row.balance} but ledger sums to ${row.ledger}`,
  }));
  const payments = await db.execute<{
    charge_id: string;
    status: string;
    credits: string;
    refunded_credits: string;
    purchases: string;
    purchased: string;
    refunded: string;
  }>(sql`
    select p.charge_id, p.status, p.credits, p.refunded_credits,
      count(l.id) filter (where l.reason = 'purchase') as purchases,
      coalesce(sum(l.amount) filter (where l.reason = 'purchase'), 0) as purchased,
      coalesce(sum(l.amount) filter (where l.reason = 'purchase_refund'), 0) as refunded
    from star_payments p left join credit_ledger l on l.charge_id = p.charge_id
    group by p.charge_id, p.status, p.credits, p.refunded_credits`);
  const orphans = await db.execute<{ entry_key: string; reason: string }>(sql`
    select l.entry_key, l.reason from credit_ledger l
    where l.reason in ('purchase', 'purchase_refund')
      and not exists (select 1 from star_payments p where p.charge_id = l.charge_id)`);

  for (const payment of payments.rows) {
    const credits = Number(payment.credits);
    const held = Number(payment.refunded_credits);
    const wrong =
      Number(payment.purchases) !== 1 ||
      Number(payment.purchased) !== credits ||
      Number(payment.refunded) !== -held ||
      (payment.status === 'paid' && held !== 0) ||
      (payment.status === 'refunding' && held !== credits) ||
      held < 0 ||
      held > credits;
    if (wrong) {
      problems.push({
        kind: 'payment-money-trail',
        subject: `payment ${payment.charge_id}`,
        detail: `status ${payment.status}, ${credits} credits, ${held} refunded: ${payment.purchases} purchase(s) of ${payment.purchased}, refunds summing to ${payment.refunded}`,
      });
    }
  }
  for (const orphan of orphans.rows) {
    problems.push({
      kind: 'purchase-without-payment',
      subject: `entry ${orphan.entry_key}`,
      detail: `a ${orphan.reason} entry of no payment`,
    });
  }
  for (const job of jobs.rows) {
    const debits = Number(job.debits);
    const refunds = Number(job.refunds);
    const expected = expectedTrail(job.status, debits);
    const wrong =
      debits !== expected.debits ||
      refunds !== expected.refunds ||
      (debits === 1 && Number(job.debited) !== Number(job.cost)) ||
      (refunds === 1 && Number(job.refunded) !== Number(job.debited));
    if (wrong) {
      problems.push({
        kind: 'job-money-trail',
        subject: `job ${job.id}`,
        detail: `status ${job.status}, cost ${job.cost}: ${debits} debit(s) of ${job.debited}, ${refunds} refund(s) of ${job.refunded}`,
      });
    }
  }
  return problems;
}

/** What the ledger must hold for a job in `status`; failed/cancelled jobs refund what they took. */
function expectedTrail(status: string, debits: number): { debits: number; refunds: number } {
  switch (status) {
    case 'pending':
    case 'rejected':
      return { debits: 0, refunds: 0 };
    case 'processing':
    case 'completed':
      return { debits: 1, refunds: 0 };
    default: // failed, cancelled: possibly before any debit happened
      return { debits: Math.min(debits, 1), refunds: Math.min(debits, 1) };
  }
}
