import type { WebhookInfo } from 'telegraf/types';
import { deleteWebhookParams, getUpdatesParams, parseParams, setWebhookParams } from './bot-api-params';
import type { BotApiContext } from './context';
import { BotApiError } from './errors';
import type { ApiParams, QueuedUpdate } from './types';

const DEFAULT_MAX_CONNECTIONS = 40;

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * Long polling. The offset confirms (and forgets) earlier updates; with nothing to hand out the
 * call waits up to `timeout` seconds. A newer getUpdates ends a waiting one with 409, and a set
 * webhook forbids polling, both as on Telegram.
 */
export async function getUpdates(ctx: BotApiContext, params: ApiParams): Promise<QueuedUpdate[]> {
  const p = parseParams(getUpdatesParams, params);
  if (ctx.bot.webhook) {
    throw BotApiError.conflict("can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
  }
  const queue = ctx.bot.updates;
  if (p.allowed_updates) queue.setAllowedUpdates(p.allowed_updates);
  if (p.offset !== undefined) queue.confirm(p.offset);
  const polls = ctx.bot.polls;
  polls.calls += 1;
  polls.running += 1;
  polls.maxConcurrent = Math.max(polls.maxConcurrent, polls.running);
  let outcome;
  try {
    outcome = await queue.poll(Math.max(0, p.timeout ?? 0) * 1000, ctx.signal);
  } finally {
    polls.running -= 1;
  }
  if (outcome === 'superseded') {
    throw BotApiError.conflict('terminated by other getUpdates request; make sure that only one bot instance is running');
  }
  return queue.peek(clamp(p.limit ?? 100, 1, 100));
}

/** Sets the webhook (an empty url removes it). Plain http is allowed, since the bots under test listen on loopback. */
export function setWebhook(ctx: BotApiContext, params: ApiParams): true {
  const p = parseParams(setWebhookParams, params);
  const queue = ctx.bot.updates;
  if (p.drop_pending_updates) queue.dropPending();
  if (p.url === '') {
    ctx.disconnectWebhook();
    return true;
  }
  if (!URL.canParse(p.url) || !/^https?:$/.test(new URL(p.url).protocol)) {
    throw BotApiError.badRequest('bad webhook: An HTTPS URL must be provided for webhook');
  }
  if (p.allowed_updates) queue.setAllowedUpdates(p.allowed_updates);
  ctx.connectWebhook({
    url: p.url,
    maxConnections: clamp(p.max_connections ?? DEFAULT_MAX_CONNECTIONS, 1, 100),
    ...(p.secret_token === undefined ? {} : { secretToken: p.secret_token }),
  });
  return true;
}

export function deleteWebhook(ctx: BotApiContext, params: ApiParams): true {
  const p = parseParams(deleteWebhookParams, params);
  if (p.drop_pending_updates) ctx.bot.updates.dropPending();
  ctx.disconnectWebhook();
  return true;
}

export function getWebhookInfo(ctx: BotApiContext): WebhookInfo {
  const { webhook, updates } = ctx.bot;
  const allowed = updates.allowedUpdates;
  return {
    url: webhook?.config.url ?? '',
    has_custom_certificate: false,
    pending_update_count: updates.pendingCount,
    ...(webhook ? { max_connections: webhook.config.maxConnections, ip_address: '127.0.0.1' } : {}),
    ...(webhook?.lastError ? { last_error_date: webhook.lastError.date, last_error_message: webhook.lastError.message } : {}),
    ...(allowed ? { allowed_updates: allowed } : {}),
  };
}
