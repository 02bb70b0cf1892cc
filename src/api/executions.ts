import crypto from 'node:crypto';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../db/client';
import { jobStatus } from '../db/schema';
import { historyTimeline } from '../executions/history-timeline';
import { asChatSnapshot, asChatStep, executionSchema, executionSummarySchema } from '../executions/schemas';
import { followChatSteps } from '../executions/step-stream';
import { executionStatuses, executionSummary, visibilityQuery, workflowTypes, type ExecutionStatus } from '../executions/visibility';
import { getJob } from '../generation/jobs';
import { requestGeneration, type GenerationDeps } from '../generation/request';
import { ApiError } from '../http/errors';
import { routeTo } from '../http/route';
import { chatTypeOfId, signalChat, type DeliveryTarget } from '../temporal/chat-delivery';
import { BotId, ChatId, JobKind, UserId } from '../temporal/search-attributes';
import { chatRefOfWorkflowId } from '../temporal/workflow-ids';
import { chatState, chatSteps } from '../temporal/chat-messages';

const keyword = z.string().regex(/^[A-Za-z0-9._:@-]{1,200}$/, 'letters, digits and . _ : @ -');

export const listExecutionsQuery = z.object({
  type: z.enum(['chat', 'generation']).optional(),
  bot: keyword.optional(),
  chat: keyword.optional(),
  user: keyword.optional(),
  kind: keyword.optional(),
  status: z.enum(Object.keys(executionStatuses) as [ExecutionStatus, ...ExecutionStatus[]]).optional(),
  startedAfter: z.iso.datetime().optional(),
  startedBefore: z.iso.datetime().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .max(4_000)
    .regex(/^[A-Za-z0-9_-]*$/, 'not a cursor this API gave out')
    .optional(),
});
export const executionParams = z.object({ workflowId: z.string().min(1).max(400) });
export const restartBody = z.object({ fromNode: z.string().min(1).max(128).optional(), userId: z.number().int().positive().optional() });
/** Where a live stream resumes: the last step seen (an EventSource sends it as Last-Event-ID when it reconnects). */
const lastEventId = z.coerce.number().int().min(0).optional();

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
      responses: {
        200: {
          description: 'a page of executions',
          schema: z.object({ items: z.array(executionSummarySchema), nextCursor: z.string().nullable() }),
        },
      },
    },
    async ({ query }, _req, res) => {
      const page = await client.workflowService.listWorkflowExecutions({
        namespace: client.options.namespace,
        // The filters' schemas allow no quote: they cannot leave their string in the query.
        query: visibilityQuery(query),
        pageSize: query.limit,
        nextPageToken: query.cursor ? Buffer.from(query.cursor, 'base64url') : undefined,
      });
      const token = page.nextPageToken && page.nextPageToken.length > 0 ? Buffer.from(page.nextPageToken).toString('base64url') : null;
      res.json({ items: (page.executions ?? []).map(executionSummary), nextCursor: token });
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
      responses: { 200: { description: 'the execution', schema: executionSchema }, 404: { description: 'no such execution' } },
    },
    async ({ params: { workflowId } }, _req, res) => {
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
        res.json({ ...base, chat: asChatSnapshot(state), steps: steps.map(asChatStep) });
        return;
      }
      if (description.type === workflowTypes.generation) {
        res.json({ ...base, job: (await getJob(deps.db, workflowId)) ?? null, steps: await historyTimeline(client, workflowId) });
        return;
      }
      res.json({ ...base, steps: await historyTimeline(client, workflowId) });
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
      query: z.object({ lastEventId: lastEventId.describe('as the Last-Event-ID header, for clients that cannot set it') }),
      headers: z.object({ 'Last-Event-ID': lastEventId }),
      responses: {
        200: {
          description: "a stream of `step` events: `id` the step's sequence number, `data` the step (as in the execution's `steps`)",
          contentType: 'text/event-stream',
        },
        400: { description: 'not a chat' },
        404: { description: 'no such execution' },
        429: { description: 'this token has API_MAX_STREAMS_PER_TOKEN streams open already' },
      },
    },
    async ({ params: { workflowId }, query, headers }, req, res) => {
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
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(': stream of chat steps\n\n');
      let streaming = true;
      req.on('close', () => (streaming = false));
      await followChatSteps(
        client.workflow.getHandle(workflowId),
        headers['Last-Event-ID'] ?? query.lastEventId ?? 0,
        (step) => res.write(`id: ${step.seq}\nevent: step\ndata: ${JSON.stringify(step)}\n\n`),
        () => streaming,
      );
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
      responses: {
        202: { description: 'cancel requested', schema: z.object({ workflowId: z.string(), cancelRequested: z.literal(true) }) },
        404: { description: 'no such execution' },
        409: { description: 'not running' },
      },
    },
    async ({ params: { workflowId } }, _req, res) => {
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
        202: {
          description: 'restarted (a chat at rest, idle or blocked, is started)',
          schema: z.union([
            z.object({ workflowId: z.string(), restartFrom: z.string().describe('a node id, or `first command`'), requestId: z.string() }),
            z.object({ restartedFrom: z.string(), job: z.object({ id: z.string(), status: z.enum(jobStatus.enumValues) }) }),
          ]),
        },
        404: { description: 'no such execution' },
        409: { description: 'a job that did not fail' },
      },
    },
    async ({ params: { workflowId }, body: { fromNode, userId } }, _req, res) => {
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
