import type { EventEmitter } from 'node:events';
import type { ReplyKeyboardMarkup } from 'telegraf/types';
import type { EmulatedBot, PollStats } from './emulated-bot';
import type { EmulatedUser } from './emulated-user';
import type {
  ApiParams,
  ApiResponse,
  BotIdentity,
  BotRef,
  CallbackAnswer,
  CallMatcher,
  CallTransport,
  ChatMessage,
  Clock,
  CreateBotOptions,
  DeliveryAttempt,
  EmulatorEvents,
  Fault,
  FaultScope,
  QueuedUpdate,
  RawUpdate,
  RecordedCall,
  UserProfile,
} from './types';
import type { CheckoutVerdict, StarCharge } from './stars';
import type { WebhookConfig } from './webhook-delivery';

/**
 * The contexts the emulator hands its parts, in one file that imports none of them: the method
 * handlers get a BotApiContext, the HTTP face an EmulatorControl. (Defined beside the emulator or
 * the method table, each made a file cycle with the parts that take it.)
 */

/** What a method handler may touch: its bot, the time, the caller's disconnect, and the webhook switch. */
export interface BotApiContext {
  bot: EmulatedBot;
  clock: Clock;
  /** Aborted when the HTTP caller goes away; a long poll stops waiting then. */
  signal: AbortSignal;
  connectWebhook(config: WebhookConfig): void;
  disconnectWebhook(): void;
}

/** Returns the method's `result`, or throws BotApiError for an `ok: false` answer. */
export type MethodHandler = (ctx: BotApiContext, params: ApiParams) => unknown;

/** What the HTTP face (the Bot API route and the control API) uses of the emulator: TelegramEmulator implements it. */
export interface EmulatorControl extends Pick<EventEmitter<EmulatorEvents>, 'on' | 'off'> {
  callApi(
    token: string,
    methodName: string,
    params?: ApiParams,
    options?: { signal?: AbortSignal; via?: CallTransport },
  ): Promise<ApiResponse>;
  createBot(options?: CreateBotOptions): BotIdentity;
  bots(): BotIdentity[];
  polls(bot: BotRef): PollStats;
  user(bot: BotRef, profile?: UserProfile): EmulatedUser;
  injectUpdate(bot: BotRef, update: RawUpdate): QueuedUpdate;
  redeliver(bot: BotRef, updateId: number): Promise<DeliveryAttempt[]>;
  failNext(bot: BotRef, method: string, fault: Fault, times?: number, scope?: FaultScope): void;
  calls(filter?: CallMatcher): RecordedCall[];
  deliveries(filter?: { bot?: BotRef; updateId?: number }): DeliveryAttempt[];
  messages(chatId: number, bot?: BotRef): ChatMessage[];
  replyKeyboard(chatId: number, bot?: BotRef): ReplyKeyboardMarkup | undefined;
  callbackAnswers(callbackQueryId: string): CallbackAnswer[];
  checkout(queryId: string): CheckoutVerdict;
  charges(bot: BotRef): StarCharge[];
}
