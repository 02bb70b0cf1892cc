import type { WorkflowHandle } from '@temporalio/client';
import { chatSteps } from '../temporal/chat-messages';
import type { ChatStep } from '../workflows/chat/types';

/**
 * Follows a chat's steps after `after`, handing each to `send` as it happens, until `open()`
 * turns false or the chat is closed for good. Across continue-as-new the query fails for a
 * moment; the chat is then asked again, and the stream ends only once it is no longer running.
 */
export async function followChatSteps(
  handle: WorkflowHandle,
  after: number,
  send: (step: ChatStep) => void,
  open: () => boolean,
  pollMs = 150,
): Promise<void> {
  let last = after;
  while (open()) {
    let steps: ChatStep[];
    try {
      steps = await handle.query(chatSteps, last);
    } catch {
      const now = await handle.describe().catch(() => undefined);
      if (!now || now.status.name !== 'RUNNING') return;
      steps = [];
    }
    for (const step of steps) {
      send(step);
      last = step.seq;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
