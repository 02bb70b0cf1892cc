import type { Client } from '@temporalio/client';
import type { InboundUpdate } from '../telegram/inbound';
import type { chatWorkflow } from '../workflows/chat/chat-workflow';
import { chatEvent, chatRestart, chatUpdate } from './chat-messages';
import type { ChatInput, ChatMessage, ExternalEvent, RestartRequest } from '../workflows/chat/types';
import { BotId, ChatId } from './search-attributes';
import { chatWorkflowId } from './workflow-ids';

/** Where chat workflows run, and what a new one is started with. */
export interface DeliveryTarget {
  temporal: Client;
  taskQueue: string;
  floodLimitPerMinute: number;
}

/** A chat as signal-with-start needs it: its id and its type (which sets its outbound pace). */
export interface ChatRef {
  botId: string;
  chatId: string;
  chatType: InboundUpdate['chatType'];
}

/**
 * Any message to a chat (an update, an API event, an operator's restart), the same way: a chat
 * at rest (idle, blocked) is started for it, a running one receives it.
 */
export function signalChat(target: DeliveryTarget, chat: ChatRef, message: ChatMessage) {
  const common = {
    workflowId: chatWorkflowId(chat.botId, chat.chatId),
    taskQueue: target.taskQueue,
    args: [{ botId: chat.botId, chatId: chat.chatId, chatType: chat.chatType, floodLimitPerMinute: target.floodLimitPerMinute }] as [
      ChatInput,
    ],
    typedSearchAttributes: [
      { key: BotId, value: chat.botId },
      { key: ChatId, value: chat.chatId },
    ],
  };
  const start = target.temporal.workflow;
  switch (message.kind) {
    case 'update':
      return start.signalWithStart<typeof chatWorkflow, [InboundUpdate]>('chatWorkflow', {
        ...common,
        signal: chatUpdate,
        signalArgs: [message.update],
      });
    case 'event':
      return start.signalWithStart<typeof chatWorkflow, [ExternalEvent]>('chatWorkflow', {
        ...common,
        signal: chatEvent,
        signalArgs: [message.event],
      });
    case 'restart':
      return start.signalWithStart<typeof chatWorkflow, [RestartRequest]>('chatWorkflow', {
        ...common,
        signal: chatRestart,
        signalArgs: [message.restart],
      });
  }
}

/**
 * The type of a chat known only by its id (an API event, a restart): Telegram gives groups,
 * supergroups and channels negative ids and private chats positive ones. 'group' stands for all
 * of the former; it only sets the pace of sends, which is the same for them.
 */
export function chatTypeOfId(chatId: string): InboundUpdate['chatType'] {
  return chatId.startsWith('-') ? 'group' : 'private';
}
