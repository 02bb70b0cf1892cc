import { updatesReceived } from '../metrics';
import type { InboundUpdate } from '../telegram/inbound';
import { signalChat, type DeliveryTarget } from '../temporal/chat-delivery';
import { inSpan } from '../tracing';

/**
 * Hands an update to its chat's workflow with signal-with-start: it reaches the running
 * workflow, or starts it and is its first input, atomically. Once this returns the update is
 * durable in Temporal (no worker needs to be up), so only then may Telegram be told it arrived.
 */
export async function deliverUpdate(
  target: DeliveryTarget,
  botId: string,
  update: InboundUpdate,
  mode: 'polling' | 'webhook',
): Promise<void> {
  // The root of a conversation step's trace: update → chat workflow → activities.
  await inSpan('telegram update', { 'bot.id': botId, 'chat.id': update.chatId, 'telegram.update_id': String(update.updateId) }, () =>
    signalChat(target, { botId, chatId: update.chatId, chatType: update.chatType }, { kind: 'update', update }),
  );
  updatesReceived.inc({ bot: botId, mode });
}
