import type { Client } from '@temporalio/client';
import { updatesReceived } from '../metrics';
import type { InboundUpdate } from '../telegram/inbound';
import { BotId, ChatId } from '../temporal/search-attributes';
import { chatWorkflowId } from '../temporal/workflow-ids';
import type { chatWorkflow } from '../workflows/chat/chat-workflow';
import { chatUpdate } from '../workflows/chat/messages';

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
  await target.temporal.workflow.signalWithStart<typeof chatWorkflow, [InboundUpdate]>('chatWorkflow', {
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
  updatesReceived.inc({ bot: botId, mode });
}
