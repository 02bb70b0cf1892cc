/**
 * The Bot API calls a chat workflow makes, as plain data: the workflow decides what to send, the
 * `sendTelegram` activity sends it. Field names follow the Bot API.
 */
export type InlineMarkup = { inline_keyboard: ({ text: string; callback_data: string } | { text: string; url: string })[][] };

export type ReplyMarkup =
  | InlineMarkup
  | { keyboard: { text: string; request_contact?: boolean }[][]; resize_keyboard?: boolean; one_time_keyboard?: boolean }
  | { remove_keyboard: true };

export type ParseModeName = 'HTML' | 'MarkdownV2';

export type TelegramCall =
  | { method: 'sendMessage'; chatId: string; text: string; parseMode?: ParseModeName; replyMarkup?: ReplyMarkup }
  | {
      method: 'sendPhoto' | 'sendVideo' | 'sendDocument';
      chatId: string;
      media: string;
      caption?: string;
      parseMode?: ParseModeName;
      replyMarkup?: ReplyMarkup;
    }
  | { method: 'editMessageText'; chatId: string; messageId: number; text: string; parseMode?: ParseModeName; replyMarkup?: InlineMarkup }
  | { method: 'deleteMessage'; chatId: string; messageId: number }
  | { method: 'answerCallbackQuery'; callbackQueryId: string; text?: string }
  | { method: 'sendChatAction'; chatId: string; action: 'typing' }
  /** A Telegram Stars invoice (currency XTR, no provider): one price of `stars`. */
  | { method: 'sendInvoice'; chatId: string; title: string; description: string; payload: string; stars: number };
