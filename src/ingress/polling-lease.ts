import crypto from 'node:crypto';
import os from 'node:os';
import { sql } from 'drizzle-orm';
import { botChangedChannel } from '../bots/bot-changes';
import type { Database } from '../db/client';

/**
 * How long a lease lasts unless renewed, and how often its holder renews it. A replica that dies
 * without a word is replaced within LEASE_MS + RENEW_MS; one that stops cleanly gives its leases
 * back at once.
 */
export const LEASE_MS = 10_000;
export const RENEW_MS = 2_000;

/** An updates offset older than this is not trusted (Telegram keeps updates for 24 hours; see `offset`). */
const OFFSET_TRUSTED_MS = 24 * 3600_000;

/**
 * One poller per bot across all API replicas, by leases in PostgreSQL (table polling_leases).
 *
 * Why a lease row rather than a session advisory lock: the holder knows, by its own clock, until
 * when its lease is surely valid (it renewed it at least that recently), so when PostgreSQL
 * cannot be reached it stops polling before anyone else may start – an advisory lock gives no
 * such bound (a half-open connection keeps the lock on the server while the client cannot tell
 * whether it still holds it). The row also carries the confirmed offset to the next holder, and
 * one statement per renewal covers every bot whatever their number.
 */
export class PollingLeases {
  /** This process, as it appears in `polling_leases.holder`: host, pid and a random part. */
  readonly holder = `${os.hostname()}/${process.pid}/${crypto.randomBytes(4).toString('hex')}`;

  constructor(
    private readonly db: Database,
    private readonly leaseMs = LEASE_MS,
  ) {}

  /**
   * Takes every lease that is free (never taken, expired or given back) and renews those this
   * process holds, for each enabled polling-mode bot, in one atomic statement: when replicas race
   * for a bot, the row lock makes the second see the first's fresh lease and leave it. Answers
   * the bots held now, each with its row's version (updated_at), so that a holder notices a
   * change (a new token) even when it missed the notification. A bot no longer polled (disabled,
   * switched to webhook) is left out and its lease runs out.
   */
  async claim(): Promise<Map<string, string>> {
    const { rows } = await this.db.execute<{ bot_id: string; version: string }>(sql`
      with wanted as (
        select id, updated_at from bots
        where disabled_at is null and mode = 'polling' and simulator <> 'only'
        order by id
      ), held as (
        insert into polling_leases (bot_id, holder, expires_at)
        select id, ${this.holder}, now() + ${this.leaseMs} * interval '1 millisecond' from wanted
        on conflict (bot_id) do update set holder = excluded.holder, expires_at = excluded.expires_at
        where polling_leases.holder = excluded.holder or polling_leases.expires_at < now()
        returning bot_id
      )
      select held.bot_id, wanted.updated_at::text as version from held join wanted on wanted.id = held.bot_id`);
    return new Map(rows.map((row) => [row.bot_id, row.version]));
  }

  /**
   * Where the bot's polling continues: after the last batch any holder delivered, so a new holder
   * neither loses nor repeats what the last one confirmed. An offset saved more than a day ago is
   * not used: every update it confirmed is gone from Telegram by now, and Telegram may pick ids
   * anew after a quiet week, which an old offset would wrongly confirm.
   */
  async offset(botId: string): Promise<number> {
    const { rows } = await this.db.execute<{ offset: string }>(sql`
      select case when offset_saved_at > now() - ${OFFSET_TRUSTED_MS} * interval '1 millisecond' then next_update_id else 0 end as offset
      from polling_leases where bot_id = ${botId}`);
    return Number(rows[0]?.offset ?? 0);
  }

  /** Records the offset after a delivered batch; false when this process no longer holds the lease (then it must stop). */
  async saveOffset(botId: string, nextUpdateId: number): Promise<boolean> {
    const { rows } = await this.db.execute(sql`
      update polling_leases set next_update_id = ${nextUpdateId}, offset_saved_at = now()
      where bot_id = ${botId} and holder = ${this.holder} and expires_at > now()
      returning bot_id`);
    return rows.length > 0;
  }

  /** Gives back this process's leases (on a clean stop) and tells the other replicas, so one takes over at once. */
  async releaseAll(): Promise<void> {
    await this.db.execute(sql`
      with released as (
        update polling_leases set expires_at = '-infinity' where holder = ${this.holder} and expires_at > now() returning bot_id
      )
      select pg_notify(${botChangedChannel}, bot_id) from released`);
  }
}
