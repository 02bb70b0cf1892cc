import { and, DrizzleQueryError, eq, inArray, sql, TransactionRollbackError } from 'drizzle-orm';
import { ledgerKeys } from '../credits/ledger';
import type { Database } from '../db/client';
import { creditLedger, generationJobs, users } from '../db/schema';

export type Job = typeof generationJobs.$inferSelect;
export type JobStatus = Job['status'];

export interface NewJob {
  id: string;
  userId: string;
  kind: string;
  prompt: string;
  params: Record<string, unknown>;
  cost: number;
  idempotencyKey: string;
  requestHash: string;
  botId?: string;
  chatId?: string;
}

/**
 * Each function here is one transaction and idempotent: Temporal may run an activity again after a
 * crash, and whatever it did the first time must not happen twice. Together they keep the money
 * invariant true at every commit (src/credits/check.ts), not just once a job settles.
 */

/** Inserts the job row as `pending`; a repeat finds the row already there. */
export async function createJob(db: Database, job: NewJob): Promise<void> {
  await db
    .insert(generationJobs)
    .values({ ...job, status: 'pending' })
    .onConflictDoNothing();
}

export type DebitOutcome = 'debited' | 'insufficient-credits' | 'settled';

/**
 * Charges the job's cost and moves it to `processing`, together. The balance check is part of the
 * UPDATE, so two jobs racing for the last credits cannot both pass it; a retry finds its own
 * ledger entry and charges nothing more. A job already settled (completed, failed, cancelled,
 * rejected: a workflow started again with the same key once the first one's id was released) is
 * neither charged again nor treated as paid.
 */
export async function debitJob(db: Database, jobId: string): Promise<DebitOutcome> {
  return db.transaction((tx) => debitLockedJob(tx, jobId));
}

/**
 * createJob and debitJob in one transaction, the common case in three statements: charge the
 * user and write the ledger entry (one statement), insert the job row, as `processing` when it
 * was charged and `pending` when the balance was short. If the row exists already (a retry, or
 * a workflow started again with the same key), nothing of this is kept: the transaction rolls
 * back and debitJob's locked path decides, exactly as it would have. The ledger entry's unique
 * key keeps two concurrent attempts from both charging: the later one rolls back and decides the
 * same way.
 */
export async function createAndDebitJob(db: Database, job: NewJob): Promise<DebitOutcome> {
  const fresh = await db
    .transaction(async (tx) => {
      const charged = await tx.execute(sql`
        with charged as (
          update ${users} set balance = balance - ${job.cost}
          where id = ${job.userId} and balance >= ${job.cost}
            and not exists (select 1 from ${generationJobs} where id = ${job.id})
          returning id)
        insert into ${creditLedger} (user_id, amount, reason, entry_key, job_id)
        select id, ${-job.cost}, 'debit', ${ledgerKeys.debit(job.id)}, ${job.id} from charged
        returning id`);
      const debited = charged.rows.length === 1;
      const inserted = await tx
        .insert(generationJobs)
        .values({ ...job, status: debited ? 'processing' : 'pending' })
        .onConflictDoNothing()
        .returning({ id: generationJobs.id });
      if (inserted.length === 0) tx.rollback();
      return debited ? ('debited' as const) : ('insufficient-credits' as const);
    })
    .catch((err: unknown) => {
      // Rolled back (the row was there), or another attempt's debit won the ledger key meanwhile.
      if (err instanceof TransactionRollbackError || isUniqueViolation(err)) return undefined;
      throw err;
    });
  return fresh ?? debitJob(db, job.id);
}

function isUniqueViolation(err: unknown): boolean {
  const cause = err instanceof DrizzleQueryError ? err.cause : err;
  return typeof cause === 'object' && cause !== null && (cause as { code?: unknown }).code === '23505';
}

async function debitLockedJob(tx: Transaction, jobId: string): Promise<DebitOutcome> {
  const job = await lockJob(tx, jobId);
  if (job.status === 'processing') return 'debited';
  if (job.status !== 'pending') return 'settled';
  const charged = await tx
    .update(users)
    .set({ balance: sql`${users.balance} - ${job.cost}` })
    .where(and(eq(users.id, job.userId), sql`${users.balance} >= ${job.cost}`))
    .returning({ balance: users.balance });
  if (charged.length === 0) return 'insufficient-credits';
  await tx
    .insert(creditLedger)
    .values({ userId: job.userId, amount: -job.cost, reason: 'debit', entryKey: ledgerKeys.debit(job.id), jobId: job.id });
  await tx
    .update(generationJobs)
    .set({ status: 'processing', updatedAt: sql`now()` })
    .where(eq(generationJobs.id, job.id));
  return 'debited';
}

/**
 * Stores the result and marks the job completed, only out of `processing`. Returns the final
 * status. One conditional UPDATE (PostgreSQL re-checks its condition on the newest row version
 * once a concurrent writer commits); only when it finds nothing to do is the status read.
 */
export async function completeJob(db: Database, jobId: string, result: unknown): Promise<JobStatus> {
  const completed = await db
    .update(generationJobs)
    .set({ status: 'completed', result, updatedAt: sql`now()`, finishedAt: sql`now()` })
    .where(and(eq(generationJobs.id, jobId), eq(generationJobs.status, 'processing')))
    .returning({ status: generationJobs.status });
  if (completed.length === 1) return 'completed';
  const job = await getJob(db, jobId);
  if (!job) throw new Error(`generation job ${jobId} does not exist`);
  return job.status;
}

/**
 * The saga's compensation: gives back exactly what the debit took (if anything was taken) and
 * closes the job as `failed`, `cancelled` or `rejected`, in one transaction. A completed job is
 * never refunded, and the refund's unique key makes a second refund impossible.
 */
export async function refundAndCloseJob(
  db: Database,
  jobId: string,
  status: 'failed' | 'cancelled' | 'rejected',
  error: string,
): Promise<{ status: JobStatus; refunded: boolean; result?: unknown }> {
  return db.transaction(async (tx) => {
    const job = await lockJob(tx, jobId);
    if (job.status === 'completed') return { status: job.status, refunded: false, result: job.result };
    const [debit] = await tx
      .select()
      .from(creditLedger)
      .where(eq(creditLedger.entryKey, ledgerKeys.debit(jobId)));
    let refunded = false;
    if (debit) {
      const inserted = await tx
        .insert(creditLedger)
        .values({ userId: debit.userId, amount: -debit.amount, reason: 'refund', entryKey: ledgerKeys.refund(jobId), jobId })
        .onConflictDoNothing()
        .returning({ id: creditLedger.id });
      refunded = inserted.length === 1;
      if (refunded)
        await tx
          .update(users)
          .set({ balance: sql`${users.balance} - ${debit.amount}` })
          .where(eq(users.id, debit.userId));
    }
    if (job.status === 'pending' || job.status === 'processing') {
      await tx
        .update(generationJobs)
        .set({ status, error, updatedAt: sql`now()`, finishedAt: sql`now()` })
        .where(and(eq(generationJobs.id, jobId), inArray(generationJobs.status, ['pending', 'processing'])));
      return { status, refunded };
    }
    return { status: job.status, refunded };
  });
}

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

async function lockJob(tx: Transaction, jobId: string): Promise<Job> {
  const [job] = await tx.select().from(generationJobs).where(eq(generationJobs.id, jobId)).for('update');
  if (!job) throw new Error(`generation job ${jobId} does not exist`);
  return job;
}

export async function getJob(db: Database, jobId: string): Promise<Job | undefined> {
  const [job] = await db.select().from(generationJobs).where(eq(generationJobs.id, jobId));
  return job;
}

/** The job's ledger entries: its debit and, if it did not complete, its refund. */
export async function jobMoneyTrail(db: Database, jobId: string) {
  return db.select().from(creditLedger).where(eq(creditLedger.jobId, jobId)).orderBy(creditLedger.id);
}
