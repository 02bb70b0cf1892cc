import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import { Telegram } from 'telegraf';
import type { TokenCipher } from '../bots/token-cipher';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { bots } from '../db/schema';
import { TelegramApiError } from './api-error';
import { telegramErrors } from './failure-types';
import type { TelegramCall } from './outbound';
import { NoSendSlotError, SendPacer } from './send-pace';
import { isSimulatedChat } from './simulated-ids';
import { inSpan } from '../tracing';

/**
 * Sends Bot API calls for any registered bot through telegraf's client: to TELEGRAM_API_ROOT, or,
 * for a simulated chat (see simulated-ids.ts), to the chat simulator's Bot API. Clients are made
 * once per bot and kept until `forget`: the worker calls it when PostgreSQL says the bot changed
 * (a new token, disabled); and a client whose token Telegram refuses (401) is dropped here, so the
 * retry reads the token again even if that news was missed.
 */
export class TelegramGateway {
  private readonly clients = new Map<string, Telegram>();
  /** Counts forgets: a client made from a token read before one is not kept. */
  private forgets = 0;

  constructor(
    private readonly db: Database,
    private readonly cipher: TokenCipher,
    private readonly apiRoot: string,
    private readonly pacer: SendPacer,
    /** The chat simulator's Bot API root, when this process runs the simulator. */
    private readonly simulatorApiRoot?: string,
  ) {}

  async client(botId: string, simulated = false): Promise<Telegram> {
    const key = simulated ? `${botId}:simulator` : botId;
    const cached = this.clients.get(key);
    if (cached) return cached;
    if (simulated && !this.simulatorApiRoot) {
      throw ApplicationFailure.nonRetryable(
        `a simulated chat of bot ${botId}, but this worker runs no chat simulator`,
        telegramErrors.noSimulator,
      );
    }
    const forgetsBefore = this.forgets;
    const [bot] = await this.db.select({ token: bots.tokenCiphertext }).from(bots).where(eq(bots.id, botId));
    if (!bot) throw ApplicationFailure.nonRetryable(`bot ${botId} is not registered`, telegramErrors.unknownBot);
    const client = new Telegram(this.cipher.decrypt(bot.token, { botId, purpose: 'token' }), {
      apiRoot: simulated ? (this.simulatorApiRoot as string) : this.apiRoot,
    });
    if (forgetsBefore === this.forgets) this.clients.set(key, client);
    return client;
  }

  /** Forgets one bot's clients, or (null) all. */
  forget(botId: string | null): void {
    this.forgets += 1;
    if (botId === null) {
      this.clients.clear();
      return;
    }
    this.clients.delete(botId);
    this.clients.delete(`${botId}:simulator`);
  }

  /**
   * Performs one call. 429 becomes a retry after Telegram's `retry_after`; 403 and 400 are not
   * retried (the workflow decides what they mean); anything else is retried with backoff.
   * Messages wait for their send slot (see SendPacer) within the attempt's `attempt` budget; an
   * attempt cancelled or timed out while it waits never sends.
   */
  async call(botId: string, call: TelegramCall, attempt: AttemptBudget, chatId?: string): Promise<{ messageId?: number }> {
    // A callback answer names no chat: the caller says which chat the query came from.
    const chat = 'chatId' in call ? call.chatId : chatId;
    const telegram = await this.client(botId, chat !== undefined && isSimulatedChat(chat));
    if (call.method !== 'answerCallbackQuery' && call.method !== 'sendChatAction') {
      let waitMs: number;
      try {
        waitMs = await this.pacer.reserve(botId, call.chatId, attempt.maxWaitMs);
      } catch (err) {
        if (!(err instanceof NoSendSlotError)) throw err;
        // Retried when the slot comes; this attempt takes none, so it cannot send late.
        throw ApplicationFailure.create({ message: err.message, type: telegramErrors.noSendSlot, nextRetryDelay: Math.ceil(err.waitMs) });
      }
      if (waitMs > 0) await attempt.sleep(waitMs);
    }
    try {
      return await inSpan(
        `telegram ${call.method}`,
        'chatId' in call ? { 'bot.id': botId, 'chat.id': call.chatId } : { 'bot.id': botId },
        () => perform(telegram, call),
      );
    } catch (err) {
      const refused = TelegramApiError.from(err);
      if (!refused) throw err;
      // The token was revoked or replaced: the next attempt reads the bot's token again.
      if (refused.code === 401) this.forget(botId);
      const retryAfterMs = refused.retryAfterMs;
      if (retryAfterMs !== undefined) {
        throw ApplicationFailure.create({ message: refused.message, type: telegramErrors.tooManyRequests, nextRetryDelay: retryAfterMs });
      }
      if (refused.botBlocked) throw ApplicationFailure.nonRetryable(refused.message, telegramErrors.blocked);
      if (refused.notModified) return {};
      if (refused.badRequest) throw ApplicationFailure.nonRetryable(refused.message, telegramErrors.badRequest);
      throw err;
    }
  }
}

async function perform(telegram: Telegram, call: TelegramCall): Promise<{ messageId?: number }> {
  const markup = 'replyMarkup' in call && call.replyMarkup ? { reply_markup: call.replyMarkup } : {};
  const parse = 'parseMode' in call && call.parseMode ? { parse_mode: call.parseMode } : {};
  switch (call.method) {
    case 'sendMessage': {
      const sent = await telegram.sendMessage(call.chatId, call.text, { ...parse, ...markup });
      return { messageId: sent.message_id };
    }
    case 'sendPhoto':
    case 'sendVideo':
    case 'sendDocument': {
      const extra = { ...parse, ...markup, ...(call.caption ? { caption: call.caption } : {}) };
      const sent =
        call.method === 'sendPhoto'
          ? await telegram.sendPhoto(call.chatId, call.media, extra)
          : call.method === 'sendVideo'
            ? await telegram.sendVideo(call.chatId, call.media, extra)
            : await telegram.sendDocument(call.chatId, call.media, extra);
      return { messageId: sent.message_id };
    }
    case 'editMessageText':
      await telegram.editMessageText(call.chatId, call.messageId, undefined, call.text, {
        ...parse,
        ...(call.replyMarkup ? { reply_markup: call.replyMarkup } : {}),
      });
      return { messageId: call.messageId };
    case 'deleteMessage':
      await telegram.deleteMessage(call.chatId, call.messageId);
      return {};
    case 'answerCallbackQuery':
      await telegram.answerCbQuery(call.callbackQueryId, call.text);
      return {};
    case 'sendChatAction':
      await telegram.sendChatAction(call.chatId, call.action);
      return {};
    case 'sendInvoice': {
      const sent = await telegram.sendInvoice(call.chatId, {
        title: call.title,
        description: call.description,
        payload: call.payload,
        provider_token: '',
        currency: 'XTR',
        prices: [{ label: call.title, amount: call.stars }],
      });
      return { messageId: sent.message_id };
    }
  }
}

/** What one attempt may spend waiting for its send slot, and how it waits (cancellably). */
export interface AttemptBudget {
  maxWaitMs: number;
  /** Resolves after `ms`; rejects if the attempt is cancelled or times out meanwhile. */
  sleep(ms: number): Promise<void>;
}

/** The gateway as configured: Bot API root and send limits from configuration. */
export function gatewayFromConfig(db: Database, cipher: TokenCipher, config: Config, simulatorApiRoot?: string): TelegramGateway {
  return new TelegramGateway(
    db,
    cipher,
    config.TELEGRAM_API_ROOT,
    new SendPacer(db, {
      botPerSecond: config.TELEGRAM_BOT_RATE_PER_SECOND,
      chatBurst: config.TELEGRAM_CHAT_BURST,
      chatPerSecond: config.TELEGRAM_CHAT_RATE_PER_SECOND,
      groupPerMinute: config.TELEGRAM_GROUP_RATE_PER_MINUTE,
    }),
    simulatorApiRoot,
  );
}

/**
 * Refunds a Stars payment. telegraf 4.16 has no method for it (Bot API 7.x), so the method is
 * called by name. Errors are classified as for other calls: 400 (e.g. CHARGE_ALREADY_REFUNDED)
 * non-retryable with its description, 429 with Telegram's delay, others retried.
 */
export async function refundStarPayment(gateway: TelegramGateway, botId: string, userId: number, chargeId: string): Promise<void> {
  const telegram = await gateway.client(botId, isSimulatedChat(String(userId)));
  try {
    await telegram.callApi('refundStarPayment' as never, { user_id: userId, telegram_payment_charge_id: chargeId } as never);
  } catch (err) {
    const refused = TelegramApiError.from(err);
    if (!refused) throw err;
    if (refused.retryAfterMs !== undefined) {
      throw ApplicationFailure.create({
        message: refused.message,
        type: telegramErrors.tooManyRequests,
        nextRetryDelay: refused.retryAfterMs,
      });
    }
    if (refused.badRequest) throw ApplicationFailure.nonRetryable(refused.message, telegramErrors.badRequest);
    throw err;
  }
}
