import { and, eq, sql } from 'drizzle-orm';
import { ensureChatUser } from '../../bots/chat-users';
import type { Database } from '../../db/client';
import { chatStates } from '../../db/schema';
import type { FlowVersion } from '../../flow';
import type { Logger } from '../../logger';
import { chatEvents } from '../../metrics';
import type { ChatVariables } from '../../workflows/chat/types';

/** What a chat keeps between its workflow runs (its variables, whether it blocked the bot), and who is in it. */
export function createChatStateActivities(deps: { db: Database; logger: Logger; version: (versionId: string) => Promise<FlowVersion> }) {
  const { db, logger, version } = deps;

  async function restoreChat(botId: string, chatId: string): Promise<{ variables: ChatVariables; blocked: boolean }> {
    const [row] = await db
      .select()
      .from(chatStates)
      .where(and(eq(chatStates.botId, botId), eq(chatStates.chatId, chatId)));
    return { variables: (row?.variables as ChatVariables | undefined) ?? {}, blocked: Boolean(row?.blockedAt) };
  }

  return {
    restoreChat,

    /**
     * What a run's first input needs, in one local activity instead of three: the chat's saved
     * variables, the sender's user id (null: no sender to look up) and the definition of the flow
     * version the update runs (null: none given).
     */
    async openChat(
      botId: string,
      chatId: string,
      first: { from: { id: number; firstName: string; username: string | null } | null; versionId: string | null },
    ): Promise<{ variables: ChatVariables; blocked: boolean; userId: string | null; flow: FlowVersion | null }> {
      const [saved, userId, flow] = await Promise.all([
        restoreChat(botId, chatId),
        first.from ? ensureChatUser(db, botId, first.from) : null,
        first.versionId ? version(first.versionId) : null,
      ]);
      return { ...saved, userId, flow };
    },

    async saveChat(botId: string, chatId: string, variables: ChatVariables): Promise<void> {
      await db
        .insert(chatStates)
        .values({ botId, chatId, variables })
        .onConflictDoUpdate({ target: [chatStates.botId, chatStates.chatId], set: { variables, updatedAt: sql`now()` } });
    },

    async markChatBlocked(botId: string, chatId: string): Promise<void> {
      await db
        .insert(chatStates)
        .values({ botId, chatId, variables: {}, blockedAt: sql`now()` })
        .onConflictDoUpdate({ target: [chatStates.botId, chatStates.chatId], set: { blockedAt: sql`now()`, updatedAt: sql`now()` } });
      chatEvents.inc({ event: 'chat_blocked' });
      logger.info({ botId, chatId }, 'chat blocked the bot');
    },

    async unblockChat(botId: string, chatId: string): Promise<void> {
      await db
        .update(chatStates)
        .set({ blockedAt: null, updatedAt: sql`now()` })
        .where(and(eq(chatStates.botId, botId), eq(chatStates.chatId, chatId)));
      chatEvents.inc({ event: 'chat_unblocked' });
      logger.info({ botId, chatId }, 'chat came back after blocking the bot');
    },

    /** The user behind a Telegram user of this bot, created on first contact. */
    async ensureChatUser(botId: string, from: { id: number; firstName: string; username: string | null }): Promise<string> {
      return ensureChatUser(db, botId, from);
    },
  };
}
