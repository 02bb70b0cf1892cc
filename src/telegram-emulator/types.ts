import type { Message, Update } from 'telegraf/types';
import type { CheckoutVerdict } from './stars';

/** Milliseconds since the epoch; injected so tests can pin `date` fields and call timestamps. */
export type Clock = () => number;

/** A bot as the emulator knows it. As on Telegram, the id is the numeric prefix of the token. */
export interface BotIdentity {
  id: number;
  token: string;
  username: string;
}

/** A bot is named by its token (what an HTTP caller holds) or by its numeric id. */
export type BotRef = string | number;

export interface CreateBotOptions {
  token?: string;
  username?: string;
  firstName?: string;
}

/** Who a played user is. Without an id the emulator makes up a new user. */
export interface UserProfile {
  id?: number;
  firstName?: string;
  lastName?: string;
  username?: string;
  languageCode?: string;
  /** A member of this group (a negative chat id) instead of a private chat with the bot. */
  groupId?: number;
}

/**
 * An update a test injected as it wished, possibly malformed; only `update_id` is guaranteed,
 * because the queue and the offset logic need it.
 */
export interface InjectedUpdate {
  update_id: number;
  [field: string]: unknown;
}

/** An update as a test may inject it: anything, with update_id assigned when left out. */
export type RawUpdate = { update_id?: number } & Record<string, unknown>;

/** What a bot receives: updates the emulator builds are typed, injected ones are taken as sent. */
export type QueuedUpdate = Update | InjectedUpdate;

/** A refunded payment, as Bot API 7.10 reports it (telegraf 4.16's types predate it). */
export interface RefundedPayment {
  currency: string;
  total_amount: number;
  invoice_payload: string;
  telegram_payment_charge_id: string;
}

/** Service messages carry no keyboard, except an invoice's pay button row, as the other messages do. */
type WithMarkup = Pick<Message.CommonMessage, 'reply_markup'>;
export type InvoiceMessage = Message.InvoiceMessage & WithMarkup;
export type SuccessfulPaymentMessage = Message.SuccessfulPaymentMessage & WithMarkup;
export type RefundedPaymentMessage = Message.ServiceMessage & WithMarkup & { refunded_payment: RefundedPayment };

/** The kinds of message the emulator builds, for bots and for played users. */
export type ChatMessage =
  | Message.TextMessage
  | Message.PhotoMessage
  | Message.VideoMessage
  | Message.DocumentMessage
  | Message.ContactMessage
  | InvoiceMessage
  | SuccessfulPaymentMessage
  | RefundedPaymentMessage;

/** Method parameters as they arrived: JSON values, or strings from a form. */
export type ApiParams = Record<string, unknown>;

/** The Bot API envelope, byte for byte what api.telegram.org answers. */
export type ApiResponse =
  { ok: true; result: unknown } | { ok: false; error_code: number; description: string; parameters?: { retry_after: number } };

/** How a call reached the emulator: over HTTP, or in the body of a webhook response. */
export type CallTransport = 'http' | 'webhook-reply';

export interface RecordedCall {
  /** The bot id the token claims; undefined when the token is not even shaped like one. */
  bot: number | undefined;
  method: string;
  params: ApiParams;
  at: number;
  response: ApiResponse;
  via: CallTransport;
}

export interface CallFilter {
  bot?: BotRef;
  method?: string;
  chatId?: number;
}

export type CallMatcher = CallFilter | ((call: RecordedCall) => boolean);

/**
 * A failure to answer instead of running a method. The description defaults to Telegram's own
 * wording for the code; retryAfter only means something with 429.
 */
export interface Fault {
  errorCode: number;
  description?: string;
  retryAfter?: number;
}

export interface FaultScope {
  chatId?: number;
}

/** What the user saw after pressing a button: the bot's answerCallbackQuery. */
export interface CallbackAnswer {
  callbackQueryId: string;
  text?: string;
  showAlert: boolean;
  url?: string;
  cacheTime?: number;
  at: number;
}

/** One POST of one update to a webhook. */
export interface DeliveryAttempt {
  bot: number;
  updateId: number;
  url: string;
  /** 1 for the first try of a delivery, counting up through its retries. */
  attempt: number;
  /** True when a test asked for the update again with redeliver(). */
  redelivery: boolean;
  at: number;
  ok: boolean;
  status?: number;
  error?: string;
}

export interface EmulatorOptions {
  clock?: Clock;
  /** Pause before retrying a failed webhook delivery. */
  webhookRetryDelayMs?: number;
  /** Tries per update, the first included, before the emulator drops it as Telegram eventually does. */
  webhookMaxAttempts?: number;
  /** How long a webhook may take to answer before the try counts as failed. */
  webhookTimeoutMs?: number;
  /** How long a bot has to answer a pre-checkout query (Telegram: 10 s, the default). */
  preCheckoutTimeoutMs?: number;
}

export interface StartOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
}

export interface RunningEmulator {
  /** Give this to telegraf as `telegram.apiRoot`. */
  apiRoot: string;
  close(): Promise<void>;
}

/** Events for live observers such as the chat simulator page. */
export interface EmulatorEvents {
  call: [RecordedCall];
  update: [{ bot: number; update: QueuedUpdate }];
  delivery: [DeliveryAttempt];
  /** A purchase attempt was settled: paid, declined or expired. */
  checkout: [CheckoutVerdict];
}
