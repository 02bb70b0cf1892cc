import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';

/**
 * Telegram's outbound limits: about 30 messages/s per bot; per chat a short burst, then about
 * 1/s in a private chat and 20/min in a group.
 */
export interface PaceLimits {
  botPerSecond: number;
  chatBurst: number;
  chatPerSecond: number;
  groupPerMinute: number;
}

/** A send that would have to wait past its caller's deadline: nothing was reserved. */
export class NoSendSlotError extends Error {
  constructor(readonly waitMs: number) {
    super(`no send slot within the time left (the next one is ${Math.ceil(waitMs)} ms away)`);
    this.name = 'NoSendSlotError';
  }
}

/**
 * Paces sends of every worker process together: the pace of each bot and each chat lives in
 * PostgreSQL (`send_pace`), and `reserve_send_slot()` takes a slot for both under row locks in
 * one round trip. A reply to a chat that is not flooding gets a slot that is already due and
 * waits for nothing. A message held back for its chat's pace is charged to the bot's pace when
 * it is reserved, not when it goes out (otherwise one slow chat would hold back all the bot's
 * others); so the bot may briefly exceed its rate when held-back messages fall due together.
 * Telegram's 429 + retry_after stays the backstop.
 *
 * Why the database and not Temporal's task-queue rate limit: sends are local activities (the
 * reply's latency depends on it), which that limit does not cover; and the pace per chat needs a
 * key per chat, not per queue.
 */
export class SendPacer {
  constructor(
    private readonly db: Database,
    private readonly limits: PaceLimits,
  ) {}

  /**
   * Reserves the next slot for a message from `botId` to `chatId`, if it comes within
   * `maxWaitMs`; returns how long to wait for it. Throws NoSendSlotError otherwise.
   */
  async reserve(botId: string, chatId: string, maxWaitMs: number): Promise<number> {
    const { botPerSecond, chatBurst, chatPerSecond, groupPerMinute } = this.limits;
    // The target decides the pace: Telegram gives groups and channels negative ids (or @names).
    const group = chatId.startsWith('-') || chatId.startsWith('@');
    const chatIntervalMs = group ? 60_000 / groupPerMinute : 1000 / chatPerSecond;
    const result = await this.db.execute<{ wait_ms: number; reserved: boolean }>(
      sql`select wait_ms, reserved from reserve_send_slot(${`bot:${botId}`}, ${1000 / botPerSecond}, ${Math.max(1, Math.floor(botPerSecond))}, ${`chat:${botId}:${chatId}`}, ${chatIntervalMs}, ${chatBurst}, ${maxWaitMs})`,
    );
    const row = result.rows[0];
    if (!row) throw new Error('reserve_send_slot returned nothing');
    if (!row.reserved) throw new NoSendSlotError(row.wait_ms);
    return Math.max(0, row.wait_ms);
  }
}
