import type { CallbackQuery, Chat, ChatMember, Message, Update, User } from 'telegraf/types';
import type { Conversation } from './conversation';
import type { EmulatedBot } from './emulated-bot';
import { NoSuchButtonError } from './errors';
import { botCommandEntities } from './message-entities';
import type { ChatMessage, QueuedUpdate } from './types';

/** What a played user can reach: the bot it talks to, the time, and the way to hand the bot an update. */
export interface UserSession {
  /** The group the person writes in; absent: their private chat with the bot. */
  readonly groupId?: number;
  readonly bot: EmulatedBot;
  now(): number;
  post(update: QueuedUpdate): void;
  nextCallbackQueryId(): string;
}

type MessageEnvelope = Pick<Message.CommonMessage, 'message_id' | 'date'> & { from: User; chat: Chat.PrivateChat | Chat.GroupChat };

function hasCallbackButton(message: ChatMessage, callbackData: string): boolean {
  return (
    message.reply_markup?.inline_keyboard.some((row) =>
      row.some((button) => 'callback_data' in button && button.callback_data === callbackData),
    ) ?? false
  );
}

/** Telegram's chat_instance is opaque but stable for a chat; this one is derived from the bot and the chat. */
function chatInstance(botId: number, chatId: number): string {
  return ((BigInt(botId) << 32n) ^ BigInt(chatId)).toString();
}

/**
 * A person in a private chat with one bot, or a member of a group the bot is in. Each action adds
 * what the person did to the chat, hands the bot the update Telegram would send, and returns that
 * update. In a private chat the chat id is the user id; in a group it is the group's (negative) id.
 */
export class EmulatedUser {
  constructor(
    readonly profile: User,
    private readonly session: UserSession,
  ) {}

  get id(): number {
    return this.profile.id;
  }

  get chatId(): number {
    return this.session.groupId ?? this.profile.id;
  }

  /** Types and sends a text; commands such as "/start" carry bot_command entities. */
  sendText(text: string): Update.MessageUpdate<Message.TextMessage> {
    const { conversation, envelope } = this.compose();
    const entities = botCommandEntities(text);
    const message: Update.MessageUpdate<Message.TextMessage>['message'] = {
      ...envelope,
      text,
      ...(entities.length > 0 ? { entities } : {}),
    };
    conversation.append(message);
    return this.post({ update_id: this.session.bot.updates.nextUpdateId(), message });
  }

  /**
   * Presses the inline button with that callback_data on the latest bot message showing one, or on
   * the given message. Throws NoSuchButtonError when no such button is on screen.
   */
  pressButton(callbackData: string, options: { messageId?: number } = {}): Update.CallbackQueryUpdate<CallbackQuery.DataQuery> {
    const { bot } = this.session;
    const conversation = bot.conversation(this.chatId);
    const message =
      options.messageId === undefined
        ? conversation
            .messages()
            .reverse()
            .find((m) => m.from?.id === bot.id && hasCallbackButton(m, callbackData))
        : conversation.find(options.messageId);
    if (!message || !hasCallbackButton(message, callbackData)) {
      throw new NoSuchButtonError(this.chatId, callbackData, options.messageId);
    }
    const query: CallbackQuery.DataQuery = {
      id: this.session.nextCallbackQueryId(),
      from: this.profile,
      message,
      chat_instance: chatInstance(bot.id, this.chatId),
      data: callbackData,
    };
    bot.callbackQueries.set(query.id, { query });
    return this.post({ update_id: bot.updates.nextUpdateId(), callback_query: query });
  }

  /** Shares the user's own contact, as the "request_contact" keyboard button does. */
  shareContact(phoneNumber?: string): Update.MessageUpdate<Message.ContactMessage> {
    const { conversation, envelope } = this.compose();
    const message: Update.MessageUpdate<Message.ContactMessage>['message'] = {
      ...envelope,
      contact: {
        phone_number: phoneNumber ?? `+1555${String(this.id).padStart(7, '0').slice(-7)}`,
        first_name: this.profile.first_name,
        ...(this.profile.last_name === undefined ? {} : { last_name: this.profile.last_name }),
        user_id: this.id,
      },
    };
    conversation.append(message);
    return this.post({ update_id: this.session.bot.updates.nextUpdateId(), message });
  }

  /** Blocks the bot: Telegram tells the bot (my_chat_member, "kicked") and refuses its messages with 403. */
  blockBot(): Update.MyChatMemberUpdate {
    return this.changeMembership('member', 'kicked');
  }

  /** Unblocks the bot (my_chat_member, "member"): its messages are delivered again. */
  unblockBot(): Update.MyChatMemberUpdate {
    return this.changeMembership('kicked', 'member');
  }

  /** The chat as the user sees it now. */
  messages(): ChatMessage[] {
    return this.session.bot.findConversation(this.chatId)?.messages() ?? [];
  }

  private changeMembership(from: 'member' | 'kicked', to: 'member' | 'kicked'): Update.MyChatMemberUpdate {
    const chat = this.chat();
    this.session.bot.conversationWith(chat).blockedByUser = to === 'kicked';
    const member = (status: 'member' | 'kicked'): ChatMember =>
      status === 'kicked' ? { status, user: this.session.bot.profile, until_date: 0 } : { status, user: this.session.bot.profile };
    return this.post({
      update_id: this.session.bot.updates.nextUpdateId(),
      my_chat_member: {
        chat,
        from: this.profile,
        date: Math.floor(this.session.now() / 1000),
        old_chat_member: member(from),
        new_chat_member: member(to),
      },
    });
  }

  private chat(): Chat.PrivateChat | Chat.GroupChat {
    if (this.session.groupId !== undefined) return { id: this.session.groupId, type: 'group', title: `Group ${this.session.groupId}` };
    const { first_name, last_name, username } = this.profile;
    return {
      id: this.chatId,
      type: 'private',
      first_name,
      ...(last_name === undefined ? {} : { last_name }),
      ...(username === undefined ? {} : { username }),
    };
  }

  private compose(): { conversation: Conversation; envelope: MessageEnvelope } {
    const chat = this.chat();
    const conversation = this.session.bot.conversationWith(chat);
    const envelope: MessageEnvelope = {
      message_id: conversation.nextMessageId(),
      from: this.profile,
      chat,
      date: Math.floor(this.session.now() / 1000),
    };
    return { conversation, envelope };
  }

  private post<U extends QueuedUpdate>(update: U): U {
    this.session.post(update);
    return update;
  }
}
