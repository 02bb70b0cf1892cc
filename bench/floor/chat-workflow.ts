/**
 * The floor's chat workflow: the least a chat-as-workflow bot can do per update. One workflow per
 * chat, updates as signals taken in order, each answered by one local activity. No flow, no
 * variables beyond a click counter, no timers, no metrics: whatever the project spends above
 * this is the interpreter's cost.
 */
import { condition, defineSignal, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type * as activities from './chat-activities';

export interface FloorUpdate {
  updateId: number;
  chatId: number;
  text?: string;
  callbackId?: string;
}

export const floorUpdate = defineSignal<[FloorUpdate]>('floorUpdate');

const { answer } = proxyLocalActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

export async function floorChat(input: { botToken: string }): Promise<void> {
  const inbox: FloorUpdate[] = [];
  let clicks = 0;
  setHandler(floorUpdate, (update) => void inbox.push(update));
  for (;;) {
    await condition(() => inbox.length > 0);
    const update = inbox.shift() as FloorUpdate;
    if (update.callbackId !== undefined) clicks += 1;
    await answer(input.botToken, update, clicks);
  }
}
