import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes set on every execution, so that the API's execution list and the
 * Temporal Web UI can filter chats and jobs the same way. Keyword only: SQL visibility allows ten.
 */
export const BotId = defineSearchAttributeKey('BotId', SearchAttributeType.KEYWORD);
export const ChatId = defineSearchAttributeKey('ChatId', SearchAttributeType.KEYWORD);
export const UserId = defineSearchAttributeKey('UserId', SearchAttributeType.KEYWORD);
export const JobKind = defineSearchAttributeKey('JobKind', SearchAttributeType.KEYWORD);

export const customSearchAttributes = [BotId, ChatId, UserId, JobKind];
