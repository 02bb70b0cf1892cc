import type { MessageEntity } from 'telegraf/types';

/** "/start", "/help@shop_bot": a command opens the text or follows whitespace, as Telegram detects it. */
const BOT_COMMAND = /(?<=^|\s)\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])/g;

/**
 * The bot_command entities Telegram attaches to a user's text. Offsets and lengths are in UTF-16
 * code units, like JavaScript string indices, which is how Telegram counts them too.
 */
export function botCommandEntities(text: string): MessageEntity[] {
  return [...text.matchAll(BOT_COMMAND)].map((match) => ({
    type: 'bot_command',
    offset: match.index,
    length: match[0].length,
  }));
}
