import type pg from 'pg';
import type { FloorJob } from './saga-workflow';

/** The floor's own two tables in the stack's PostgreSQL: an account per user and a row per job. */
export const floorSchema = `
  create table if not exists floor_users (id text primary key, balance bigint not null check (balance >= 0));
  create table if not exists floor_jobs (
    id text primary key, user_id text not null, cost bigint not null, status text not null, result text,
    created_at timestamptz not null default now(), finished_at timestamptz)`;

/** One SQL statement per step, each idempotent by the job id. */
export function createFloorActivities(pool: pg.Pool) {
  return {
    /** Charges the user and records the job, in one statement; false when the balance is short. */
    async floorDebit(job: FloorJob): Promise<boolean> {
      const { rows } = await pool.query<{ status: string }>(
        `with existing as (select status from floor_jobs where id = $1),
           charged as (
             update floor_users set balance = balance - $3
             where id = $2 and balance >= $3 and not exists (select 1 from existing) returning id)
         insert into floor_jobs (id, user_id, cost, status) select $1, $2, $3, 'processing' from charged
         returning status`,
        [job.id, job.userId, job.cost],
      );
      if (rows.length === 1) return true;
      const again = await pool.query<{ status: string }>('select status from floor_jobs where id = $1', [job.id]);
      return again.rows.length === 1;
    },

    async floorGenerate(prompt: string): Promise<string> {
      return `a story about ${prompt}`;
    },

    async floorComplete(jobId: string, text: string): Promise<void> {
      await pool.query(
        `update floor_jobs set status = 'completed', result = $2, finished_at = now() where id = $1 and status = 'processing'`,
        [jobId, text],
      );
    },
  };
}

export type FloorActivities = ReturnType<typeof createFloorActivities>;
