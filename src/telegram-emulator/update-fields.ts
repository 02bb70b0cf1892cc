import type { QueuedUpdate } from './types';

/**
 * Reads fields of updates generically, because injected updates may be any shape and the queue
 * and the webhook ordering must still cope with them.
 */
function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** The update's kind as `allowed_updates` names it ("message", "callback_query", ...). */
export function updateType(update: QueuedUpdate): string | undefined {
  return Object.keys(update).find((key) => key !== 'update_id');
}

/**
 * The chat an update belongs to, as a key for per-chat webhook ordering. Telegram orders
 * deliveries within a chat; an update with no chat (or a malformed one) gets a queue of its own kind.
 */
export function updateChatKey(update: QueuedUpdate): string {
  const type = updateType(update);
  const payload = type === undefined ? undefined : field(update, type);
  const chat = field(payload, 'chat') ?? field(field(payload, 'message'), 'chat');
  const id = field(chat, 'id') ?? field(field(payload, 'from'), 'id');
  return typeof id === 'number' ? String(id) : 'no-chat';
}
