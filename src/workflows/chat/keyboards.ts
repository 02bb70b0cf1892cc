import { renderTemplate } from '../../flow/expression';
import type { NodeOf } from '../../flow/schema';
import type { InlineMarkup, ReplyMarkup } from '../../telegram/outbound';

type Keyboard = NonNullable<NodeOf<'message.text'>['data']['keyboard']>;
type InlineKeyboard = NonNullable<NodeOf<'message.edit'>['data']['keyboard']>;

/** Bot API reply_markup for a node's keyboard, with button texts rendered for this chat. */
export function replyMarkup(keyboard: Keyboard | undefined, scope: Record<string, unknown>): ReplyMarkup | undefined {
  if (!keyboard) return undefined;
  switch (keyboard.type) {
    case 'inline':
      return inlineMarkup(keyboard, scope);
    case 'reply':
      return {
        keyboard: keyboard.rows.map((row) =>
          row.map((button) => ({ text: button.text, ...(button.requestContact ? { request_contact: true } : {}) })),
        ),
        resize_keyboard: keyboard.resize,
        one_time_keyboard: keyboard.oneTime,
      };
    case 'remove':
      return { remove_keyboard: true };
  }
}

export function inlineMarkup(keyboard: InlineKeyboard, scope: Record<string, unknown>): InlineMarkup {
  return {
    inline_keyboard: keyboard.rows.map((row) =>
      row.map((button) =>
        button.callbackData !== undefined
          ? { text: renderTemplate(button.text, scope), callback_data: button.callbackData }
          : { text: renderTemplate(button.text, scope), url: renderTemplate(button.url ?? '', scope) },
      ),
    ),
  };
}
