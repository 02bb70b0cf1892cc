import type { Database } from '../db/client';
import { botUsers, users } from '../db/schema';

/** Our user id for a Telegram user of a bot: their credits and variables hang off it. */
export const chatUserId = (botId: string, telegramUserId: number) => `tg:${botId}:${telegramUserId}`;

/** The user behind a Telegram user of this bot, created on first contact (idempotent). */
export async function ensureChatUser(
  db: Database,
  botId: string,
  from: { id: number; firstName: string; username: string | null },
): Promise<string> {
  const userId = chatUserId(botId, from.id);
  await db.transaction(async (tx) => {
    await tx
      .insert(users)
      .values({ id: userId, displayName: from.username ? `@${from.username}` : from.firstName })
      .onConflictDoNothing();
    await tx.insert(botUsers).values({ botId, telegramUserId: from.id, userId }).onConflictDoNothing();
  });
  return userId;
}
