/**
 * The failure types (ApplicationFailure.type) the Telegram activities raise, so that workflows can
 * tell them apart: one list for both sides. Workflow code imports it, so it imports nothing. The
 * values are in recorded histories: never change one.
 */
export const telegramErrors = {
  /** 403: the user blocked the bot (or left the group). Not retried. */
  blocked: 'TelegramBotBlocked',
  /** 400: Telegram refused the request (bad markup, message gone…). Not retried. */
  badRequest: 'TelegramBadRequest',
  /** 429: retried after Telegram's `retry_after`. */
  tooManyRequests: 'TelegramTooManyRequests',
  /** The bot's send slot is further away than the attempt may wait: retried when it comes. */
  noSendSlot: 'NoSendSlot',
  /** The bot is not registered (deleted meanwhile). Not retried. */
  unknownBot: 'UnknownBot',
  /** A simulated chat, but this worker runs no chat simulator. Not retried. */
  noSimulator: 'NoSimulator',
} as const;
