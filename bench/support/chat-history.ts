/**
 * Where an update's time goes inside Temporal, read back from a chat workflow's history: when the
 * ingress received it (the `receivedAt` it stamps on the update), when the server persisted its
 * signal, and when the workflow task that handled it was scheduled, picked up by the worker and
 * completed. The server stamps events with its own wall clock, which on one machine is the
 * bench's clock too.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';

export interface UpdateTiming {
  updateId: number;
  /** Epoch ms the ingress stamped when it accepted the webhook request (after the secret check). */
  receivedAt: number;
  /** The WorkflowExecutionSignaled event. */
  signaledAt: number;
  /** The first workflow task after the signal: scheduled, started by a worker, completed. */
  taskScheduledAt?: number;
  taskStartedAt?: number;
  taskCompletedAt?: number;
}

export interface ChatHistory {
  updates: UpdateTiming[];
  events: number;
  /** Workflow tasks that failed or timed out (a worker too busy to finish one in time). */
  taskFailures: number;
  taskTimeouts: number;
}

/** The timings of every `chatUpdate` signal in the history of `workflowId` (continue-as-new not followed). */
export async function chatHistory(client: Client, workflowId: string, signalName = 'chatUpdate'): Promise<ChatHistory> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const updates: UpdateTiming[] = [];
  let open: UpdateTiming[] = [];
  let taskFailures = 0;
  let taskTimeouts = 0;
  for (const event of events) {
    const at = tsToMs(event.eventTime);
    const signaled = event.workflowExecutionSignaledEventAttributes;
    if (signaled && signaled.signalName === signalName) {
      const payload = signaled.input?.payloads?.[0];
      const update = payload ? defaultPayloadConverter.fromPayload<{ updateId?: unknown; receivedAt?: unknown }>(payload) : undefined;
      if (typeof update?.updateId === 'number' && typeof update.receivedAt === 'number') {
        const timing: UpdateTiming = { updateId: update.updateId, receivedAt: update.receivedAt, signaledAt: at };
        updates.push(timing);
        open.push(timing);
      }
    } else if (event.workflowTaskScheduledEventAttributes) {
      for (const t of open) t.taskScheduledAt ??= at;
    } else if (event.workflowTaskStartedEventAttributes) {
      for (const t of open) if (t.taskScheduledAt !== undefined) t.taskStartedAt ??= at;
    } else if (event.workflowTaskCompletedEventAttributes) {
      for (const t of open) if (t.taskStartedAt !== undefined) t.taskCompletedAt ??= at;
      open = open.filter((t) => t.taskCompletedAt === undefined);
    } else if (event.workflowTaskFailedEventAttributes) {
      taskFailures += 1;
    } else if (event.workflowTaskTimedOutEventAttributes) {
      taskTimeouts += 1;
    }
  }
  return { updates, events: events.length, taskFailures, taskTimeouts };
}

export interface PendingTask {
  /** The execution's status name (RUNNING, COMPLETED, …), or NOT_FOUND. */
  status: string;
  /** Its workflow task not yet completed, if any: still queued (scheduled) or being run (started). */
  pendingTask: 'scheduled' | 'started' | null;
  /** How long that task has waited since it was scheduled, ms. */
  pendingForMs: number | null;
}

/** Whether a workflow still has work queued in Temporal (a lag, not a loss). */
export async function pendingTask(client: Client, workflowId: string): Promise<PendingTask> {
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    const task = description.raw.pendingWorkflowTask;
    // PendingWorkflowTaskState: 1 scheduled, 2 started.
    const state = task?.state === 1 ? 'scheduled' : task?.state === 2 ? 'started' : null;
    const scheduledAt = task?.scheduledTime ? tsToMs(task.scheduledTime) : undefined;
    return {
      status: description.status.name,
      pendingTask: state,
      pendingForMs: scheduledAt === undefined ? null : Date.now() - scheduledAt,
    };
  } catch (err) {
    if (err instanceof Error && err.name === 'WorkflowNotFoundError') return { status: 'NOT_FOUND', pendingTask: null, pendingForMs: null };
    throw err;
  }
}
