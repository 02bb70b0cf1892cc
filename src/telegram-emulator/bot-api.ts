import { answerCallbackQuery } from './callback-methods';
import type { MethodHandler } from './context';
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
import { answerPreCheckoutQuery, refundStarPayment, sendInvoice } from './payment-methods';
import { deleteWebhook, getUpdates, getWebhookInfo, setWebhook } from './update-methods';

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
  sendInvoice,
  answerPreCheckoutQuery,
  refundStarPayment,
};

const BY_LOWERCASE_NAME = new Map(Object.entries(METHODS).map(([name, handler]) => [name.toLowerCase(), { name, handler }]));

/** The emulated method of that name. Telegram matches method names case-insensitively. */
export function findMethod(name: string): { name: string; handler: MethodHandler } | undefined {
  return BY_LOWERCASE_NAME.get(name.toLowerCase());
}

export function emulatedMethodNames(): string[] {
  return Object.keys(METHODS);
}
