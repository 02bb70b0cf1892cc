import crypto from 'node:crypto';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../db/client';
import { getJob } from '../generation/jobs';
import { requestGeneration, type GenerationDeps } from '../generation/request';
import { chatTypeOfId, signalChat, type DeliveryTarget } from '../temporal/chat-delivery';
import { BotId, ChatId, JobKind, UserId } from '../temporal/search-attributes';
import { chatRefOfWorkflowId } from '../temporal/workflow-ids';
import { chatState, chatSteps } from '../workflows/chat/messages';
import type { ChatStep } from '../workflows/chat/types';
import { ApiError } from './errors';
import { parseRequest } from './validate';
import { routeTo } from './route';

const keyword = z.string().regex(/^[A-Za-z0-9._:@-]{1,200}$/, 'letters, digits and . _ : @ -');
const statuses = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  timed_out: 'TimedOut',
  continued_as_new: 'ContinuedAsNew',
} as const;

export const listExecutionsQuery = z.object({
  type: z.enum(['chat', 'generation']).optional(),
  bot: keyword.optional(),
  chat: keyword.optional(),
  user: keyword.optional(),
  kind: keyword.optional(),
  status: z.enum(Object.keys(statuses) as [keyof typeof statuses, ...(keyof typeof statuses)[]]).optional(),
  startedAfter: z.iso.datetime().optional(),
  startedBefore: z.iso.datetime().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(4_000).optional(),
});
export const executionParams = z.object({ workflowId: z.string().min(1).max(400) });
export const restartBody = z.object({ fromNode: z.string().min(1).max(128).optional(), userId: z.number().int().positive().optional() });

const workflowTypes = { chat: 'chatWorkflow', generation: 'generationWorkflow' } as const;

/** A visibility query from validated filters; values are restricted to safe characters above. */
function visibilityQuery(q: z.infer<typeof listExecutionsQuery>): string {
  const clauses: string[] = [];
  if (q.type) clauses.push(`WorkflowType = '${workflowTypes[q.type]}'`);
  if (q.bot) clauses.push(`${BotId.name} = '${q.bot}'`);
  if (q.chat) clauses.push(`${ChatId.name} = '${q.chat}'`);
  if (q.user) clauses.push(`${UserId.name} = '${q.user}'`);
  if (q.kind) clauses.push(`${JobKind.name} = '${q.kind}'`);
  if (q.status) clauses.push(`ExecutionStatus = '${statuses[q.status]}'`);
  if (q.startedAfter) clauses.push(`StartTime >= '${q.startedAfter}'`);
  if (q.startedBefore) clauses.push(`StartTime <= '${q.startedBefore}'`);
  return clauses.join(' AND ');
}

const statusName = (status: temporal.api.enums.v1.WorkflowExecutionStatus | null | undefined) =>
  (temporal.api.enums.v1.WorkflowExecutionStatus[status ?? 0] ?? 'UNSPECIFIED').replace('WORKFLOW_EXECUTION_STATUS_', '').toLowerCase();

function searchAttribute(description: Pick<WorkflowExecutionDescription, 'typedSearchAttributes'>, key: typeof BotId): string | null {
  return (description.typedSearchAttributes.get(key) as string | undefined) ?? null;
}

/**
 * Executions – chats and generation jobs alike – as Temporal's visibility lists them: filtered
 * and paged with a cursor; one in detail with its step timeline; a live stream of steps (SSE);
 * cancel and restart. The Temporal Web UI shows the same executions by the same search attributes.
 */
export function executionsRouter(deps: {
  db: Database;
  temporal: Client;
  generations: Omit<GenerationDeps, 'db' | 'temporal'>;
  maxStreamsPerToken: number;
  telegramTarget: DeliveryTarget;
}): Router {
  const { temporal: client } = deps;
  // Open live streams per token (role): each one polls Temporal several times a second for as
  // long as it stays open, so one token cannot hold an unbounded number.
  const openStreams = new Map<string, number>();
  const router = Router();
  const route = routeTo(router, '/api');

  route(
    {
      method: 'get',
      path: '/executions',
      summary: 'Chats and jobs from Temporal visibility, filtered, cursor-paged',
      tag: 'executions',
      auth: 'bearer',
      query: listExecutionsQuery,
      responses: { 200: 'a page of executions' },
    },
    async (req, res) => {
      const q = parseRequest(listExecutionsQuery, req, 'query');
      let nextPageToken: Uint8Array | undefined;
      if (q.cursor) {
        try {
          nextPageToken = Buffer.from(q.cursor, 'base64url');
        } catch {
          throw new ApiError(400, 'invalid_request', 'query.cursor: not a cursor this API gave out');
        }
      }
      const page = await client.workflowService.listWorkflowExecutions({
        namespace: client.options.namespace,
        query: visibilityQuery(q),
        pageSize: q.limit,
        nextPageToken,
      });
      const items = (page.executions ?? []).map((e) => {
        const attributes = e.searchAttributes?.indexedFields ?? {};
        const read = (name: string) => {
          const payload = attributes[name];
          return payload?.data ? (JSON.parse(Buffer.from(payload.data).toString('utf8')) as string) : null;
        };
        return {
          workflowId: e.execution?.workflowId ?? '',
          runId: e.execution?.runId ?? '',
          type:
            e.type?.name === workflowTypes.chat
              ? 'chat'
              : e.type?.name === workflowTypes.generation
                ? 'generation'
                : (e.type?.name ?? null),
          status: statusName(e.status),
          startedAt: e.startTime
            ? new Date(Number(e.startTime.seconds) * 1000 + Math.floor((e.startTime.nanos ?? 0) / 1e6)).toISOString()
            : null,
          closedAt: e.closeTime
            ? new Date(Number(e.closeTime.seconds) * 1000 + Math.floor((e.closeTime.nanos ?? 0) / 1e6)).toISOString()
            : null,
          botId: read(BotId.name),
          chatId: read(ChatId.name),
          userId: read(UserId.name),
          kind: read(JobKind.name),
        };
      });
      const token = page.nextPageToken && page.nextPageToken.length > 0 ? Buffer.from(page.nextPageToken).toString('base64url') : null;
      res.json({ items, nextCursor: token });
    },
  );

  async function describe(workflowId: string): Promise<WorkflowExecutionDescription> {
    try {
      return await client.workflow.getHandle(workflowId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw ApiError.notFound(`execution ${workflowId}`);
      throw err;
    }
  }

  route(
    {
      method: 'get',
      path: '/executions/:workflowId',
      summary: 'One execution: status, current node, variables (secrets redacted), step timeline',
      tag: 'executions',
      auth: 'bearer',
      params: executionParams,
      responses: { 200: 'the execution', 404: 'no such execution' },
    },
    async (req, res) => {
      const { workflowId } = parseRequest(executionParams, req, 'params');
      const description = await describe(workflowId);
      const base = {
        workflowId,
        runId: description.runId,
        type: description.type,
        status: description.status.name.toLowerCase(),
        startedAt: description.startTime.toISOString(),
        closedAt: description.closeTime?.toISOString() ?? null,
        botId: searchAttribute(description, BotId),
        chatId: searchAttribute(description, ChatId),
        userId: searchAttribute(description, UserId),
        kind: searchAttribute(description, JobKind),
        temporalUi: `/namespaces/${client.options.namespace}/workflows/${encodeURIComponent(workflowId)}/${description.runId}`,
      };
      if (description.type === workflowTypes.chat && description.status.name === 'RUNNING') {
        const handle = client.workflow.getHandle(workflowId);
        const [state, steps] = await Promise.all([handle.query(chatState), handle.query(chatSteps, 0)]);
        res.json({ ...base, chat: state, steps });
        return;
      }
      if (description.type === workflowTypes.generation) {
        res.json({ ...base, job: (await getJob(deps.db, workflowId)) ?? null, steps: await historySteps(client, workflowId) });
        return;
      }
      res.json({ ...base, steps: await historySteps(client, workflowId) });
    },
  );

  /**
   * Server-Sent Events of a chat's steps as they happen. Each event's id is the step's sequence
   * number: a client reconnecting with Last-Event-ID gets exactly the steps after it.
   */
  route(
    {
      method: 'get',
      path: '/executions/:workflowId/stream',
      summary: 'Live steps of a chat (Server-Sent Events; resume with Last-Event-ID)',
      tag: 'executions',
      auth: 'bearer',
      params: executionParams,
      eventStream: true,
      responses: {
        200: 'a stream of step events',
        400: 'not a chat',
        404: 'no such execution',
        429: 'this token has API_MAX_STREAMS_PER_TOKEN streams open already',
      },
    },
    async (req, res) => {
      const { workflowId } = parseRequest(executionParams, req, 'params');
      const open = openStreams.get(req.role) ?? 0;
      if (open >= deps.maxStreamsPerToken) {
        res.setHeader('retry-after', '5');
        throw new ApiError(
          429,
          'too_many_streams',
          `this token has ${open} live streams open already (at most ${deps.maxStreamsPerToken}); close one first`,
        );
      }
      // Counted from here, so concurrent opens cannot all pass the check while describing.
      openStreams.set(req.role, open + 1);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const left = (openStreams.get(req.role) ?? 1) - 1;
        if (left > 0) openStreams.set(req.role, left);
        else openStreams.delete(req.role);
      };
      res.on('close', release);
      let description: WorkflowExecutionDescription;
      try {
        description = await describe(workflowId);
      } catch (err) {
        release();
        throw err;
      }
      if (description.type !== workflowTypes.chat) {
        release();
        throw new ApiError(400, 'invalid_request', 'live streams are available for chat executions');
      }
      const lastEventId = Number(req.get('last-event-id') ?? req.query.lastEventId ?? 0);
      let after = Number.isInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(': stream of chat steps\n\n');
      let streaming = true;
      req.on('close', () => (streaming = false));
      const handle = client.workflow.getHandle(workflowId);
      while (streaming) {
        let steps: ChatStep[];
        try {
          steps = await handle.query(chatSteps, after);
        } catch {
          // Between runs (continue-as-new) or closed: try again, then end when it stays closed.
          const now = await handle.describe().catch(() => undefined);
          if (!now || now.status.name !== 'RUNNING') break;
          steps = [];
        }
        for (const step of steps) {
          res.write(`id: ${step.seq}\nevent: step\ndata: ${JSON.stringify(step)}\n\n`);
          after = step.seq;
        }
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      res.end();
    },
  );

  route(
    {
      method: 'post',
      path: '/executions/:workflowId/cancel',
      summary: 'Cancel an execution',
      tag: 'executions',
      auth: 'bearer',
      params: executionParams,
      responses: { 202: 'cancel requested', 409: 'not running' },
    },
    async (req, res) => {
      const { workflowId } = parseRequest(executionParams, req, 'params');
      const description = await describe(workflowId);
      if (description.status.name !== 'RUNNING')
        throw new ApiError(409, 'not_running', `execution ${workflowId} is ${description.status.name.toLowerCase()}`);
      await client.workflow.getHandle(workflowId).cancel();
      res.status(202).json({ workflowId, cancelRequested: true });
    },
  );

  /** A chat from its first command or a chosen node; a failed or cancelled generation as a new job. */
  route(
    {
      method: 'post',
      path: '/executions/:workflowId/restart',
      summary: 'Restart a chat (from a node) or a failed job (as a new job)',
      tag: 'executions',
      auth: 'bearer',
      params: executionParams,
      body: restartBody,
      responses: {
        202: 'restarted (a chat at rest, idle or blocked, is started)',
        404: 'no such execution',
        409: 'a job that did not fail',
      },
    },
    async (req, res) => {
      const { workflowId } = parseRequest(executionParams, req, 'params');
      const { fromNode, userId } = parseRequest(restartBody, req, 'body');
      const description = await describe(workflowId);
      const chat = chatRefOfWorkflowId(workflowId);
      if (description.type === workflowTypes.chat && chat) {
        // Signal-with-start: a chat at rest (idle, or blocked by its user) is started for it.
        const requestId = crypto.randomUUID();
        await signalChat(
          deps.telegramTarget,
          { ...chat, chatType: chatTypeOfId(chat.chatId) },
          { kind: 'restart', restart: { nodeId: fromNode ?? null, requestId, ...(userId === undefined ? {} : { userId }) } },
        );
        res.status(202).json({ workflowId, restartFrom: fromNode ?? 'first command', requestId });
        return;
      }
      const job = await getJob(deps.db, workflowId);
      if (!job) throw ApiError.notFound(`generation ${workflowId}`);
      if (job.status !== 'failed' && job.status !== 'cancelled')
        throw new ApiError(409, 'not_failed', `only failed or cancelled jobs are restarted; this one is ${job.status}`);
      const { job: restarted } = await requestGeneration(
        { ...deps.generations, db: deps.db, temporal: client },
        { userId: job.userId, kind: job.kind, prompt: job.prompt, params: job.params as Record<string, unknown> },
        `${job.idempotencyKey}.restart-${crypto.randomBytes(4).toString('hex')}`,
      );
      res.status(202).json({ restartedFrom: workflowId, job: { id: restarted.id, status: restarted.status } });
    },
  );

  return router;
}

/** A timeline from Temporal's history: activities scheduled and finished, timers, the end. */
async function historySteps(client: Client, workflowId: string) {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const Type = temporal.api.enums.v1.EventType;
  const names = new Map<string, string>();
  const steps: { seq: number; at: string; kind: string; detail: string }[] = [];
  for (const event of history.events ?? []) {
    const at = event.eventTime
      ? new Date(Number(event.eventTime.seconds) * 1000 + Math.floor((event.eventTime.nanos ?? 0) / 1e6)).toISOString()
      : '';
    const seq = Number(event.eventId);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      names.set(String(event.eventId), scheduled.activityType?.name ?? 'activity');
      steps.push({ seq, at, kind: 'activity-scheduled', detail: scheduled.activityType?.name ?? '' });
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) steps.push({ seq, at, kind: 'activity-completed', detail: names.get(String(completed.scheduledEventId)) ?? '' });
    const failed = event.activityTaskFailedEventAttributes;
    if (failed)
      steps.push({
        seq,
        at,
        kind: 'activity-failed',
        detail: `${names.get(String(failed.scheduledEventId)) ?? ''}: ${failed.failure?.message ?? ''}`,
      });
    const timedOut = event.activityTaskTimedOutEventAttributes;
    if (timedOut) steps.push({ seq, at, kind: 'activity-timed-out', detail: names.get(String(timedOut.scheduledEventId)) ?? '' });
    if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity')
      steps.push({ seq, at, kind: 'local-activity', detail: 'bookkeeping step' });
    if (event.eventType === Type.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED) steps.push({ seq, at, kind: 'completed', detail: '' });
    if (event.eventType === Type.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED) steps.push({ seq, at, kind: 'cancelled', detail: '' });
    if (event.eventType === Type.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED)
      steps.push({ seq, at, kind: 'failed', detail: event.workflowExecutionFailedEventAttributes?.failure?.message ?? '' });
  }
  return steps;
}
