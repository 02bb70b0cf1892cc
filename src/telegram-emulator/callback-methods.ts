import type { BotApiContext } from './context';
import { answerCallbackQueryParams, parseParams } from './bot-api-params';
import { BotApiError } from './errors';
import type { ApiParams } from './types';

/**
 * Answers a button press. A query can be answered once; an unknown or already answered id gets
 * Telegram's "query is too old" error, which is what a bot that answers twice sees in production.
 */
export function answerCallbackQuery(ctx: BotApiContext, params: ApiParams): true {
  const p = parseParams(answerCallbackQueryParams, params);
  const issued = ctx.bot.callbackQueries.get(p.callback_query_id);
  if (!issued || issued.answer) {
    throw BotApiError.badRequest('query is too old and response timeout expired or query ID is invalid');
  }
  issued.answer = {
    callbackQueryId: p.callback_query_id,
    showAlert: p.show_alert ?? false,
    at: ctx.clock(),
    ...(p.text === undefined ? {} : { text: p.text }),
    ...(p.url === undefined ? {} : { url: p.url }),
    ...(p.cache_time === undefined ? {} : { cacheTime: p.cache_time }),
  };
  return true;
}
