import crypto from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { UserNotFoundError } from '../credits/ledger';
import { generationJobs, users } from '../db/schema';
import { ChatId, BotId, JobKind, UserId } from '../temporal/search-attributes';
import { generationWorkflowId } from '../temporal/workflow-ids';
import { getJob, type Job, type NewJob } from './jobs';

/** How the generation workflow treats its provider: heartbeats, attempt timeout, attempts. */
export interface GenerationPolicy {
  heartbeatTimeoutMs: number;
  attemptTimeoutMs: number;
  maxAttempts: number;
}

/** What the generation workflow (src/workflows/generation.ts) is started with. */
export interface GenerationInput {
  job: NewJob;
  policy: GenerationPolicy;
  /** A chat workflow to tell the outcome by signal (histories from before notifyChat). */
  notifyWorkflowId?: string;
  /**
   * A chat to tell the outcome, as the event `generation_finished` (for its trigger.event): by
   * signal-with-start, so a chat that went idle meanwhile is started for it.
   */
  notifyChat?: { botId: string; chatId: string };
}

export interface GenerationRequestBody {
  userId: string;
  kind: string;
  prompt: string;
  params?: Record<string, unknown>;
  chat?: { botId: string; chatId: string };
}

export class UnknownKindError extends Error {
  constructor(
    readonly kind: string,
    readonly known: string[],
  ) {
    super(`unknown generation kind "${kind}" (known: ${known.join(', ')})`);
    this.name = 'UnknownKindError';
  }
}

export class IdempotencyConflictError extends Error {
  constructor(readonly key: string) {
    super(`Idempotency-Key ${key} was already used with a different request`);
    this.name = 'IdempotencyConflictError';
  }
}

export interface GenerationDeps {
  db: Database;
  temporal: Client;
  taskQueue: string;
  prices: Record<string, number>;
  policy: GenerationPolicy;
}

/** What the caller gets back: the job row once the workflow has written it, else its start state. */
export type JobSnapshot = Pick<Job, 'id' | 'userId' | 'kind' | 'prompt' | 'cost' | 'status'> & Partial<Job>;

/**
 * Starts the generation workflow for (user, Idempotency-Key), or finds the one already started.
 * Nothing is charged here: the workflow debits as its first paid step, so a crash anywhere in
 * this function cannot lose credits. A key reused with a different body is refused.
 */
export async function requestGeneration(
  deps: GenerationDeps,
  body: GenerationRequestBody,
  idempotencyKey: string,
): Promise<{ job: JobSnapshot; created: boolean }> {
  const job = newGenerationJob(deps.prices, body, idempotencyKey);
  const { requestHash, id: workflowId } = job;

  // The user and the job of this key, in one round trip (a job's row names its user, so there is
  // no job without the user).
  const [found] = await deps.db
    .select({ userId: users.id, job: generationJobs })
    .from(users)
    .leftJoin(generationJobs, eq(generationJobs.id, workflowId))
    .where(eq(users.id, body.userId));
  if (!found) throw new UserNotFoundError(body.userId);
  const existing = found.job;
  if (existing) {
    if (existing.requestHash !== requestHash) throw new IdempotencyConflictError(idempotencyKey);
    return { job: existing, created: false };
  }

  const input: GenerationInput = {
    job,
    policy: deps.policy,
    ...(body.chat ? { notifyChat: body.chat } : {}),
  };
  try {
    await deps.temporal.workflow.start('generationWorkflow', {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [input],
      memo: { requestHash },
      // Never a second execution for the same key, even after the first one closed.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: UserId, value: body.userId },
        { key: JobKind, value: body.kind },
        ...(body.chat
          ? [
              { key: BotId, value: body.chat.botId },
              { key: ChatId, value: body.chat.chatId },
            ]
          : []),
      ],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    // A concurrent request with the same key won the start; it must have asked the same thing.
    const description = await deps.temporal.workflow.getHandle(workflowId).describe();
    if (description.memo?.requestHash !== requestHash) throw new IdempotencyConflictError(idempotencyKey);
    return { job: (await getJob(deps.db, workflowId)) ?? { ...input.job, status: 'pending' }, created: false };
  }
  return { job: { ...input.job, status: 'pending' }, created: true };
}

/**
 * The job a request makes, for the API and for a flow's action.generation alike: its id (the
 * workflow's, derived from user and key), its price from configuration, and the hash that tells a
 * request repeated under the same key from a different one.
 *
 * The hash is only ever compared by requestGeneration, when the same (user, key) comes again; it
 * takes no part in deduplication or charging, which hang on the job id alone (the workflow id,
 * REJECT_DUPLICATE, and the ledger key `debit:<job id>`). So chat jobs could move to this hash
 * from their own (sha256 of [userId, kind, prompt] in plain JSON) without any risk to jobs in
 * flight: a workflow replays the job it recorded, a prepareGeneration retried across the deploy
 * only changes the hash stored with its job, and rows written before keep theirs (an API request
 * reusing such a chat key was refused as a conflict then, and still is).
 */
export function newGenerationJob(prices: Record<string, number>, body: GenerationRequestBody, idempotencyKey: string): NewJob {
  const cost = prices[body.kind];
  if (cost === undefined) throw new UnknownKindError(body.kind, Object.keys(prices));
  return {
    id: generationWorkflowId(body.userId, idempotencyKey),
    userId: body.userId,
    kind: body.kind,
    prompt: body.prompt,
    params: body.params ?? {},
    cost,
    idempotencyKey,
    requestHash: hashRequest(body),
    botId: body.chat?.botId,
    chatId: body.chat?.chatId,
  };
}

/** Canonical hash of what was asked, independent of JSON key order. */
function hashRequest(body: GenerationRequestBody): string {
  return crypto
    .createHash('sha256')
    .update(canonicalJson([body.userId, body.kind, body.prompt, body.params ?? {}, body.chat ?? null]))
    .digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The generation settings the API needs, from configuration. */
export function generationSettings(
  config: Pick<
    Config,
    | 'TEMPORAL_TASK_QUEUE'
    | 'GENERATION_PRICES'
    | 'GENERATION_HEARTBEAT_TIMEOUT_MS'
    | 'GENERATION_ATTEMPT_TIMEOUT_MS'
    | 'GENERATION_MAX_ATTEMPTS'
  >,
): Omit<GenerationDeps, 'db' | 'temporal'> {
  return {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    prices: config.GENERATION_PRICES,
    policy: {
      heartbeatTimeoutMs: config.GENERATION_HEARTBEAT_TIMEOUT_MS,
      attemptTimeoutMs: config.GENERATION_ATTEMPT_TIMEOUT_MS,
      maxAttempts: config.GENERATION_MAX_ATTEMPTS,
    },
  };
}
