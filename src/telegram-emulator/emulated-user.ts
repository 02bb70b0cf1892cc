import type { CallbackQuery, Chat, ChatMember, Message, PreCheckoutQuery, Update, User } from 'telegraf/types';
import type { Conversation } from './conversation';
import type { EmulatedBot } from './emulated-bot';
import { EmulatorUsageError, NoSuchButtonError } from './errors';
import { botCommandEntities } from './message-entities';
import type { CheckoutVerdict, OpenCheckout, SentInvoice, StarCharge } from './stars';
import type { ChatMessage, InvoiceMessage, QueuedUpdate, RefundedPaymentMessage, SuccessfulPaymentMessage } from './types';

/** What a played user can reach: the bot it talks to, the time, and the way to hand the bot an update. */
export interface UserSession {
  /** The group the person writes in; absent: their private chat with the bot. */
  readonly groupId?: number;
  readonly bot: EmulatedBot;
  now(): number;
  post(update: QueuedUpdate): void;
  nextCallbackQueryId(): string;
  nextPreCheckoutQueryId(): string;
  nextChargeId(): string;
  /** How long the bot has to answer a pre-checkout query. */
  preCheckoutTimeoutMs: number;
  /** Told when a purchase attempt is settled (paid, declined, expired). */
  settled(verdict: CheckoutVerdict): void;
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
      // refunded_payment postdates telegraf's types; no button is ever on such a message anyway.
      message: message as CallbackQuery.DataQuery['message'],
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

  /**
   * Pays the latest invoice of the bot in this chat (or the given one): the bot gets a
   * pre_checkout_query and has the session's deadline to answer it. An ok in time adds the
   * successful_payment message and hands it to the bot; an error, or no answer in time, cancels
   * the purchase. Returns the update with the query; `emulator.checkout(id)` tells the verdict.
   */
  payInvoice(options: { messageId?: number } = {}): Update.PreCheckoutQueryUpdate {
    const { bot } = this.session;
    const conversation = bot.conversation(this.chatId);
    const isInvoice = (m: ChatMessage): m is InvoiceMessage => 'invoice' in m && m.from?.id === bot.id;
    const message =
      options.messageId === undefined ? conversation.messages().reverse().find(isInvoice) : conversation.find(options.messageId);
    const invoice = message && isInvoice(message) ? bot.invoices.get(`${this.chatId}:${message.message_id}`) : undefined;
    if (!invoice) {
      const where = options.messageId === undefined ? 'no invoice' : `no invoice with message id ${options.messageId}`;
      throw new EmulatorUsageError(`chat ${this.chatId} has ${where} to pay`, 409);
    }
    const query: PreCheckoutQuery = {
      id: this.session.nextPreCheckoutQueryId(),
      from: this.profile,
      currency: invoice.currency,
      total_amount: invoice.totalAmount,
      invoice_payload: invoice.payload,
    };
    const createdAt = this.session.now();
    const verdict: CheckoutVerdict = {
      queryId: query.id,
      bot: bot.id,
      chatId: this.chatId,
      userId: this.id,
      invoicePayload: invoice.payload,
      totalAmount: invoice.totalAmount,
      status: 'pending',
      createdAt,
    };
    // The timer only tells observers; a late answer is judged by the clock (answerPreCheckoutQuery).
    const timer = setTimeout(() => checkout.settle('expired'), this.session.preCheckoutTimeoutMs);
    timer.unref();
    const checkout: OpenCheckout = {
      verdict,
      deadlineAt: createdAt + this.session.preCheckoutTimeoutMs,
      settle: (status, answeredAt, errorMessage) => {
        if (verdict.status !== 'pending') return;
        clearTimeout(timer);
        verdict.status = status;
        if (answeredAt !== undefined) verdict.answeredAfterMs = answeredAt - createdAt;
        if (errorMessage !== undefined) verdict.errorMessage = errorMessage;
        if (status === 'paid') verdict.chargeId = this.completePayment(invoice);
        this.session.settled({ ...verdict });
      },
    };
    bot.checkouts.set(query.id, checkout);
    return this.post({ update_id: bot.updates.nextUpdateId(), pre_checkout_query: query });
  }

  /** Telegram refunds a payment on its own (a support decision): the chat gets refunded_payment. */
  refundedByTelegram(chargeId: string): void {
    const held = this.session.bot.charges.get(chargeId);
    if (!held || held.charge.userId !== this.id) throw new EmulatorUsageError(`user ${this.id} made no payment ${chargeId}`, 404);
    if (held.charge.refunded) throw new EmulatorUsageError(`payment ${chargeId} is refunded already`, 409);
    held.announceRefund();
  }

  private completePayment(invoice: SentInvoice): string {
    const { bot } = this.session;
    const chargeId = this.session.nextChargeId();
    const { conversation, envelope } = this.compose();
    const message: SuccessfulPaymentMessage = {
      ...envelope,
      successful_payment: {
        currency: invoice.currency,
        total_amount: invoice.totalAmount,
        invoice_payload: invoice.payload,
        telegram_payment_charge_id: chargeId,
        provider_payment_charge_id: '',
      },
    };
    conversation.append(message);
    const charge: StarCharge = {
      chargeId,
      bot: bot.id,
      userId: this.id,
      chatId: this.chatId,
      totalAmount: invoice.totalAmount,
      invoicePayload: invoice.payload,
      refunded: false,
    };
    bot.charges.set(chargeId, { charge, announceRefund: () => this.announceRefund(charge) });
    this.post({ update_id: bot.updates.nextUpdateId(), message });
    return chargeId;
  }

  private announceRefund(charge: StarCharge): void {
    charge.refunded = true;
    const { conversation, envelope } = this.compose();
    const message: RefundedPaymentMessage = {
      ...envelope,
      refunded_payment: {
        currency: 'XTR',
        total_amount: charge.totalAmount,
        invoice_payload: charge.invoicePayload,
        telegram_payment_charge_id: charge.chargeId,
      },
    };
    conversation.append(message);
    this.post({ update_id: this.session.bot.updates.nextUpdateId(), message } as QueuedUpdate);
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
