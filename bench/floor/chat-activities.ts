/** The floor's one local activity per update: answer a press and send the reply, over the Bot API. */
import type { FloorUpdate } from './chat-workflow';

const apiRoot = process.env.TELEGRAM_API_ROOT ?? 'http://127.0.0.1:8081';

async function call(token: string, method: string, params: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${apiRoot}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  if (!response.ok) throw new Error(`${method}: HTTP ${response.status} ${await response.text()}`);
}

export async function answer(token: string, update: FloorUpdate, clicks: number): Promise<void> {
  if (update.callbackId !== undefined) {
    await call(token, 'answerCallbackQuery', { callback_query_id: update.callbackId });
    await call(token, 'sendMessage', { chat_id: update.chatId, text: `click ${clicks}` });
  } else {
    const keyboard = { inline_keyboard: [[{ text: 'Count', callback_data: 'count' }]] };
    await call(token, 'sendMessage', { chat_id: update.chatId, text: 'Menu', reply_markup: keyboard });
  }
}
