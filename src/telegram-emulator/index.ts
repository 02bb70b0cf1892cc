/**
 * A Telegram Bot API emulator on loopback: bots (telegraf with `telegram.apiRoot`) talk to it over
 * HTTP as they would to api.telegram.org, while tests and the chat simulator play the users.
 */
export { TelegramEmulator } from './emulator';
export { EmulatedUser } from './emulated-user';
export type { PollStats } from './emulated-bot';
export { PRE_CHECKOUT_TIMEOUT_MS, type CheckoutVerdict, type StarCharge } from './stars';
export { createEmulatorApp } from './http-app';
export { UploadedFile } from './multipart';
export { BotApiError, EmulatorUsageError, NoSuchButtonError, UnknownBotError, WaitTimeoutError } from './errors';
export type {
  ApiParams,
  ApiResponse,
  BotIdentity,
  BotRef,
  CallbackAnswer,
  CallFilter,
  CallMatcher,
  CallTransport,
  ChatMessage,
  Clock,
  CreateBotOptions,
  DeliveryAttempt,
  EmulatorEvents,
  EmulatorOptions,
  Fault,
  FaultScope,
  InjectedUpdate,
  InvoiceMessage,
  RefundedPayment,
  RefundedPaymentMessage,
  SuccessfulPaymentMessage,
  QueuedUpdate,
  RawUpdate,
  RecordedCall,
  RunningEmulator,
  StartOptions,
  UserProfile,
} from './types';
