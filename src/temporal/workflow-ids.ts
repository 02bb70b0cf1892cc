/**
 * Workflow ids are derived, never stored: the same request or chat always maps to the same
 * execution, which is what makes retries and duplicate deliveries harmless.
 */
export function generationWorkflowId(userId: string, idempotencyKey: string): string {
  return `generation:${userId}:${idempotencyKey}`;
}

export function chatWorkflowId(botId: string, chatId: string | number): string {
  return `chat:${botId}:${chatId}`;
}

/** The chat id of a chat workflow id (`chat:<botId>:<chatId>`), or undefined for any other id. */
export function chatOfWorkflowId(workflowId: string): string | undefined {
  return /^chat:[^:]+:(.+)$/.exec(workflowId)?.[1];
}
