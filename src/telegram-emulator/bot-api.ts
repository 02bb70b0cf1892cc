import { answerCallbackQuery } from './callback-methods';
import type { EmulatedBot } from './emulated-bot';
import {
  deleteMessage,
  editMessageReplyMarkup,
  editMessageText,
  sendChatAction,
  sendDocument,
  sendMessage,
  sendPhoto,
  sendVideo,
} from './message-methods';
import type { ApiParams, Clock } from './types';
import { deleteWebhook, getUpdates, getWebhookInfo, setWebhook } from './update-methods';
import type { WebhookConfig } from './webhook-delivery';

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

const METHODS: Record<string, MethodHandler> = {
  getMe: (ctx) => ctx.bot.profile,
  getUpdates,
  setWebhook,
  deleteWebhook,
  getWebhookInfo,
  sendMessage,
  sendPhoto,
  sendVideo,
  sendDocument,
  sendChatAction,
  editMessageText,
  editMessageReplyMarkup,
  deleteMessage,
  answerCallbackQuery,
};

const BY_LOWERCASE_NAME = new Map(Object.entries(METHODS).map(([name, handler]) => [name.toLowerCase(), { name, handler }]));

/** The emulated method of that name. Telegram matches method names case-insensitively. */
export function findMethod(name: string): { name: string; handler: MethodHandler } | undefined {
  return BY_LOWERCASE_NAME.get(name.toLowerCase());
}

export function emulatedMethodNames(): string[] {
  return Object.keys(METHODS);
}
