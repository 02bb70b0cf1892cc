import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/client';
import { bots } from '../db/schema';
import { ApiError } from '../http/errors';

/** Ids as routes take them: Telegram's numeric bot id, and a chat id (negative for groups). */
export const botIdSchema = z.string().regex(/^\d{1,20}$/, 'a numeric Telegram bot id');
export const chatIdSchema = z.string().regex(/^-?\d{1,20}$/, 'a numeric Telegram chat id');

/** 404 unless the bot is registered (and, with `enabled`, not disabled). */
export async function requireBot(db: Database, botId: string, options: { enabled?: boolean } = {}): Promise<void> {
  const [bot] = await db
    .select({ id: bots.id })
    .from(bots)
    .where(options.enabled ? and(eq(bots.id, botId), isNull(bots.disabledAt)) : eq(bots.id, botId));
  if (!bot) throw ApiError.notFound(`bot ${botId}`);
}
