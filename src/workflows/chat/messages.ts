/**
 * TEMPORARY: the chat workflow's messages are in src/temporal/chat-messages.ts. This alias is only
 * for src/api/executions.ts, which another branch is rewriting: import from there and delete it.
 */
export { chatState, chatSteps } from '../../temporal/chat-messages';
