import { WorkflowNotFoundError } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { jobStatus, terminalJobStatuses } from '../db/schema';
import { UserNotFoundError } from '../credits/ledger';
import { getJob, jobMoneyTrail } from '../generation/jobs';
import {
  IdempotencyConflictError,
  requestGeneration,
  UnknownKindError,
  type GenerationDeps,
  type JobSnapshot,
} from '../generation/request';
import { ApiError } from '../http/errors';
import { idempotencyKeyHeaders, routeTo } from '../http/route';
import { userIdSchema } from './users';
import { botIdSchema, chatIdSchema } from './bot-lookup';

export const createGenerationBody = z.object({
  userId: userIdSchema,
  kind: z.string().min(1).max(32),
  prompt: z.string().min(1).max(20_000),
  params: z.record(z.string(), z.unknown()).optional(),
  /** A chat to tell the outcome (its trigger.event `generation_finished` runs). */
  chat: z
    .object({
      botId: botIdSchema,
      chatId: chatIdSchema,
    })
    .optional(),
});
export const generationParams = z.object({ id: z.string().min(1).max(300) });

const nullableDateTime = z.iso.datetime().nullable();
export const jobSchema = z.object({
  id: z.string(),
  userId: z.string(),
  kind: z.string(),
  prompt: z.string(),
  status: z.enum(jobStatus.enumValues),
  cost: z.number().int(),
  result: z.unknown().describe('what the provider returned (null until completed)'),
  error: z.string().nullable(),
  createdAt: nullableDateTime,
  finishedAt: nullableDateTime,
  money: z.object({
    debitedAt: nullableDateTime,
    debitedAmount: z.number().int().nullable(),
    refundedAt: nullableDateTime,
    refundedAmount: z.number().int().nullable(),
  }),
  links: z.object({ self: z.string(), cancel: z.string() }),
});

type MoneyEntry = Awaited<ReturnType<typeof jobMoneyTrail>>[number];

function jobView(job: JobSnapshot, trail: MoneyEntry[]): z.infer<typeof jobSchema> {
  const debit = trail.find((e) => e.reason === 'debit');
  const refund = trail.find((e) => e.reason === 'refund');
  const self = `/api/generations/${encodeURIComponent(job.id)}`;
  return {
    id: job.id,
    userId: job.userId,
    kind: job.kind,
    prompt: job.prompt,
    status: job.status,
    cost: job.cost,
    result: job.result ?? null,
    error: job.error ?? null,
    createdAt: job.createdAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    money: {
      debitedAt: debit?.createdAt.toISOString() ?? null,
      debitedAmount: debit ? -debit.amount : null,
      refundedAt: refund?.createdAt.toISOString() ?? null,
      refundedAmount: refund?.amount ?? null,
    },
    links: { self, cancel: `${self}/cancel` },
  };
}

/** Paid generations: start (idempotent per key), inspect with the money trail, cancel. */
export function generationsRouter(deps: GenerationDeps): Router {
  const router = Router();
  const route = routeTo(router, '/api');

  route(
    {
      method: 'post',
      path: '/generations',
      summary: 'Start a paid generation (idempotent per key)',
      tag: 'generations',
      auth: 'bearer',
      body: createGenerationBody,
      headers: idempotencyKeyHeaders,
      responses: {
        202: { description: 'the job', schema: jobSchema },
        400: { description: 'invalid request or unknown kind' },
        404: { description: 'no such user' },
        409: { description: 'the key was used with another body' },
      },
    },
    async ({ headers: { 'Idempotency-Key': key }, body }, _req, res) => {
      try {
        const { job, created } = await requestGeneration(deps, body, key);
        // A job just started is shown in its start state (pending, nothing debited yet).
        res.status(202).json(jobView(job, created ? [] : await jobMoneyTrail(deps.db, job.id)));
      } catch (err) {
        if (err instanceof UnknownKindError) {
          throw new ApiError(400, 'invalid_request', `body.kind: ${err.message}`, [{ field: 'body.kind', message: err.message }]);
        }
        if (err instanceof UserNotFoundError) throw ApiError.notFound(`user ${err.userId}`);
        if (err instanceof IdempotencyConflictError) throw new ApiError(409, 'idempotency_key_reused', err.message);
        throw err;
      }
    },
  );

  route(
    {
      method: 'get',
      path: '/generations/:id',
      summary: 'A job with its result or error and money trail',
      tag: 'generations',
      auth: 'bearer',
      params: generationParams,
      responses: { 200: { description: 'the job', schema: jobSchema }, 404: { description: 'no such job' } },
    },
    async ({ params: { id } }, _req, res) => {
      const job = await getJob(deps.db, id);
      if (!job) throw ApiError.notFound(`generation ${id}`);
      res.json(jobView(job, await jobMoneyTrail(deps.db, id)));
    },
  );

  route(
    {
      method: 'post',
      path: '/generations/:id/cancel',
      summary: 'Cancel a job; the refund follows as compensation',
      tag: 'generations',
      auth: 'bearer',
      params: generationParams,
      responses: {
        202: { description: 'cancel requested', schema: jobSchema },
        404: { description: 'no such job' },
        409: { description: 'already finished' },
      },
    },
    async ({ params: { id } }, _req, res) => {
      const job = await getJob(deps.db, id);
      if (!job) throw ApiError.notFound(`generation ${id}`);
      if ((terminalJobStatuses as readonly string[]).includes(job.status)) {
        throw new ApiError(409, 'already_finished', `generation ${id} is already ${job.status}`);
      }
      try {
        await deps.temporal.workflow.getHandle(id).cancel();
      } catch (err) {
        // The workflow closed between our read and the cancel: report what it became.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      const current = (await getJob(deps.db, id)) ?? job;
      res.status(202).json(jobView(current, await jobMoneyTrail(deps.db, id)));
    },
  );

  return router;
}
