import type { Client } from '@temporalio/client';
import { updatesReceived } from '../metrics';
import type { InboundUpdate } from '../telegram/inbound';
import { BotId, ChatId } from '../temporal/search-attributes';
import { chatWorkflowId } from '../temporal/workflow-ids';
import type { chatWorkflow } from '../workflows/chat/chat-workflow';
import { chatUpdate } from '../workflows/chat/messages';
import { inSpan } from '../tracing';

export interface DeliveryTarget {
  temporal: Client;
  taskQueue: string;
  floodLimitPerMinute: number;
}

/**
 * Hands an update to its chat's workflow with signal-with-start: it reaches the running
 * workflow, or starts it and is its first input, atomically. Once this returns the update is
 * durable in Temporal (no worker needs to be up), so only then may Telegram be told it arrived.
 */
export async function deliverUpdate(target: DeliveryTarget, botId: string, update: InboundUpdate, mode: 'polling' | 'webhook'): Promise<void> {
  // The root of a conversation step's trace: update → chat workflow → activities.
  await inSpan('telegram update', { 'bot.id': botId, 'chat.id': update.chatId, 'telegram.update_id': String(update.updateId) }, () => signalChat(target, botId, update));
  updatesReceived.inc({ bot: botId, mode });
}

function signalChat(target: DeliveryTarget, botId: string, update: InboundUpdate) {
  return target.temporal.workflow.signalWithStart<typeof chatWorkflow, [InboundUpdate]>('chatWorkflow', {
    workflowId: chatWorkflowId(botId, update.chatId),
    taskQueue: target.taskQueue,
    args: [{ botId, chatId: update.chatId, chatType: update.chatType, floodLimitPerMinute: target.floodLimitPerMinute }],
    signal: chatUpdate,
    signalArgs: [update],
    typedSearchAttributes: [
      { key: BotId, value: botId },
      { key: ChatId, value: update.chatId },
    ],
  });
}
