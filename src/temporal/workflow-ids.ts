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

/** The bot and chat of a chat workflow id, or undefined for any other id. */
export function chatRefOfWorkflowId(workflowId: string): { botId: string; chatId: string } | undefined {
  const match = /^chat:([^:]+):(.+)$/.exec(workflowId);
  return match ? { botId: match[1] as string, chatId: match[2] as string } : undefined;
}
