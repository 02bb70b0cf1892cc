import type { CallbackQuery, Chat, UserFromGetMe } from 'telegraf/types';
import { Conversation } from './conversation';
import type { HeldCharge, OpenCheckout, SentInvoice } from './stars';
import type { BotIdentity, CallbackAnswer } from './types';
import { UpdateQueue } from './update-queue';
import type { WebhookSender } from './webhook-delivery';

/** A button press handed to the bot, and the bot's answer once it gives one. */
export interface IssuedCallbackQuery {
  query: CallbackQuery.DataQuery;
  answer?: CallbackAnswer;
}

/** Telegram's supergroup ids start at -10^12; other negative ids are basic groups. */
const SUPERGROUP_ID_LIMIT = -1_000_000_000_000;

/** A chat the bot writes to before any played user opened it; any integer id is accepted. */
function chatForId(chatId: number): Chat {
  if (chatId > 0) return { id: chatId, type: 'private', first_name: `User ${chatId}` };
  if (chatId <= SUPERGROUP_ID_LIMIT) return { id: chatId, type: 'supergroup', title: `Supergroup ${chatId}` };
  return { id: chatId, type: 'group', title: `Group ${chatId}` };
}

/**
 * getUpdates calls seen for one bot: how many, how many are running now, and the most that ever
 * ran at once. Telegram allows one poller per bot (a second gets 409), so a service that runs
 * several replicas must never make `maxConcurrent` exceed 1.
 */
export interface PollStats {
  calls: number;
  running: number;
  maxConcurrent: number;
}

/** Everything Telegram holds for one bot: its profile, its update queue, its chats and its webhook. */
export class EmulatedBot {
  readonly profile: UserFromGetMe;
  readonly updates = new UpdateQueue();
  readonly polls: PollStats = { calls: 0, running: 0, maxConcurrent: 0 };
  readonly callbackQueries = new Map<string, IssuedCallbackQuery>();
  /** Invoices sent, by `<chatId>:<messageId>`. */
  readonly invoices = new Map<string, SentInvoice>();
  /** Pre-checkout queries handed to the bot, settled or not, by query id. */
  readonly checkouts = new Map<string, OpenCheckout>();
  /** Payments made to this bot, by telegram_payment_charge_id. */
  readonly charges = new Map<string, HeldCharge>();
  webhook: WebhookSender | undefined;
  private readonly conversations = new Map<number, Conversation>();
  private lastFileNumber = 0;

  constructor(
    /** Replaced when the bot's token is (see TelegramEmulator.replaceToken). */
    public identity: BotIdentity,
    firstName: string,
  ) {
    this.profile = {
      id: identity.id,
      is_bot: true,
      first_name: firstName,
      username: identity.username,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
    };
  }

  get id(): number {
    return this.identity.id;
  }

  /** The chat with that id, opened on first use. */
  conversation(chatId: number): Conversation {
    const existing = this.conversations.get(chatId);
    if (existing) return existing;
    const opened = new Conversation(chatForId(chatId));
    this.conversations.set(chatId, opened);
    return opened;
  }

  /** The chat with a played user, whose profile names the chat (and renames it if the profile changed). */
  conversationWith(chat: Chat): Conversation {
    const conversation = this.conversation(chat.id);
    conversation.chat = chat;
    return conversation;
  }

  findConversation(chatId: number): Conversation | undefined {
    return this.conversations.get(chatId);
  }

  nextFileNumber(): number {
    this.lastFileNumber += 1;
    return this.lastFileNumber;
  }
}
