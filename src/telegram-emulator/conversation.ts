import type { Chat, ReplyKeyboardMarkup } from 'telegraf/types';
import type { ChatMessage } from './types';

/**
 * One chat between one bot and its other side: the messages as they stand now (edits replace,
 * deletes remove) in the order they were sent, and the reply keyboard the user currently sees.
 * Message ids count up per chat, shared by both sides, as in a Telegram private chat.
 */
export class Conversation {
  private lastMessageId = 0;
  private readonly log: ChatMessage[] = [];
  replyKeyboard: ReplyKeyboardMarkup | undefined;
  /** The user blocked the bot: Telegram answers the bot's sends with 403 until they unblock it. */
  blockedByUser = false;

  constructor(public chat: Chat) {}

  nextMessageId(): number {
    this.lastMessageId += 1;
    return this.lastMessageId;
  }

  append(message: ChatMessage): void {
    this.log.push(message);
  }

  find(messageId: number): ChatMessage | undefined {
    return this.log.find((m) => m.message_id === messageId);
  }

  /** Messages are never changed in place, so a message handed out earlier (in a recorded call) stays as it was. */
  replace(message: ChatMessage): void {
    const index = this.log.findIndex((m) => m.message_id === message.message_id);
    if (index >= 0) this.log[index] = message;
  }

  remove(messageId: number): boolean {
    const index = this.log.findIndex((m) => m.message_id === messageId);
    if (index < 0) return false;
    this.log.splice(index, 1);
    return true;
  }

  messages(): ChatMessage[] {
    return [...this.log];
  }
}
