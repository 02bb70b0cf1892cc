import { z } from 'zod';
import { jobStatus } from '../db/schema';
import type { ChatSnapshot, ChatStep } from '../workflows/chat/types';

/** What the executions API and the simulator show of executions (their OpenAPI answers). */

export const executionSummarySchema = z.object({
  workflowId: z.string(),
  runId: z.string(),
  type: z.string().nullable().describe('`chat`, `generation`, or another workflow type'),
  status: z.string().describe('`running`, `completed`, `failed`, `canceled`, `terminated`, `timed_out`, `continued_as_new`'),
  startedAt: z.iso.datetime().nullable(),
  closedAt: z.iso.datetime().nullable(),
  botId: z.string().nullable(),
  chatId: z.string().nullable(),
  userId: z.string().nullable(),
  kind: z.string().nullable(),
});
export type ExecutionSummary = z.infer<typeof executionSummarySchema>;

/** A step of Temporal's history (generations, and chats that are not running). */
export const historyStepSchema = z.object({
  seq: z.number().int().describe('the history event id'),
  at: z.string().describe('ISO date-time of the event'),
  kind: z.enum([
    'activity-scheduled',
    'activity-completed',
    'activity-failed',
    'activity-timed-out',
    'local-activity',
    'completed',
    'cancelled',
    'failed',
  ]),
  detail: z.string(),
});
export type HistoryStep = z.infer<typeof historyStepSchema>;

/** A step of a running chat (`ChatStep` of the chat workflow, which cannot import zod). */
export const chatStepSchema = z.object({
  seq: z.number().int(),
  at: z.number().describe('workflow time (ms)'),
  kind: z.enum(['input', 'node', 'error', 'blocked']),
  nodeId: z.string().nullable(),
  nodeType: z.string().nullable(),
  detail: z.string(),
  durationMs: z.number(),
});

/** A running chat as its `chatState` query answers (`ChatSnapshot`). */
export const chatSnapshotSchema = z.object({
  botId: z.string(),
  chatId: z.string(),
  status: z.enum(['idle', 'waiting', 'delayed', 'blocked']),
  flowVersionId: z.string().nullable(),
  currentNode: z.string().nullable(),
  waitingUntil: z.number().nullable(),
  variables: z.object({ run: z.record(z.string(), z.unknown()), chat: z.record(z.string(), z.unknown()) }),
  queued: z.number().int(),
});

/** A generation job as stored (the executions view of a job; /api/generations shows it with its money trail). */
export const storedJobSchema = z.object({
  id: z.string(),
  userId: z.string(),
  kind: z.string(),
  prompt: z.string(),
  params: z.unknown(),
  cost: z.number().int(),
  status: z.enum(jobStatus.enumValues),
  result: z.unknown(),
  error: z.string().nullable(),
  idempotencyKey: z.string(),
  requestHash: z.string(),
  botId: z.string().nullable(),
  chatId: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
});
/** One execution in detail: a running chat with its state and steps, a generation with its job, or else the history's steps. */
export const executionSchema = executionSummarySchema.extend({
  type: z.string().describe('the workflow type (`chatWorkflow`, `generationWorkflow`)'),
  status: z.string(),
  startedAt: z.iso.datetime(),
  temporalUi: z.string().describe("the execution's path in the Temporal Web UI"),
  chat: chatSnapshotSchema.optional().describe('a running chat'),
  job: storedJobSchema.nullable().optional().describe('a generation'),
  steps: z.union([z.array(chatStepSchema), z.array(historyStepSchema)]).describe("a running chat's steps, or else from the history"),
});

// The workflow's types and these schemas describe the same values: a change to one side that the
// other does not allow fails to compile here.
export const asChatStep = (step: ChatStep): z.infer<typeof chatStepSchema> => step;
export const asChatSnapshot = (snapshot: ChatSnapshot): z.infer<typeof chatSnapshotSchema> => snapshot;
