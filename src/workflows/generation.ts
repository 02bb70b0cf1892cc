import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  setWorkflowOptions,
} from '@temporalio/workflow';
import type { GenerationActivities } from '../activities/generation';
import { generationErrors } from '../generation/failure-types';
import type { GenerationResult } from '../generation/provider';
import type { GenerationInput } from '../generation/request';
import type { ExternalEvent } from './chat/types';
import { onVersionedWorkers } from './versioning';

/**
 * A paid generation as a saga: create the job and debit → generate → complete; on failure, timeout
 * or cancellation, refund and close the job, whatever interrupted it. The workflow is started
 * before anything is debited, so there is no moment where money is taken and nothing owns it.
 */

export type GenerationStatus = 'completed' | 'failed' | 'cancelled' | 'rejected';

export interface GenerationOutcome {
  jobId: string;
  status: GenerationStatus;
  result?: GenerationResult;
  error?: string;
  refunded: boolean;
}

type Step = 'creating' | 'debiting' | 'generating' | 'completing' | 'compensating' | 'done';

export const generationStep = defineQuery<Step>('generationStep');
/** Sent to `notifyWorkflowId` when the job settles. */
export const generationFinished = defineSignal<[GenerationOutcome]>('generationFinished');

/** The outcome as the chat's event `generation_finished`: what a flow reads as `event.payload`. */
export function generationFinishedEvent(outcome: GenerationOutcome): ExternalEvent {
  return {
    name: 'generation_finished',
    payload: {
      jobId: outcome.jobId,
      status: outcome.status,
      refunded: outcome.refunded,
      text: outcome.result?.text ?? null,
      error: outcome.error ?? null,
    },
    eventId: `generation:${outcome.jobId}`,
  };
}

// Bookkeeping talks to our own PostgreSQL: retried until it answers, since giving up would
// leave a job half-settled. Local activities: each is one short transaction, and running it in
// the worker saves a round trip through the server per step (measured: bench/generations-throughput.ts).
const books = proxyLocalActivities<GenerationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '500 ms',
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: [generationErrors.insufficientCredits, generationErrors.alreadySettled],
  },
});

// With worker versioning on (WORKER_DEPLOYMENT_NAME), a job finishes on the build that started
// it: it lives minutes, so the old build's workers only have to outlast the jobs in flight, and a
// rollback never hands a newer job to older code. Without versioning, patched() still guards it.
setWorkflowOptions(onVersionedWorkers('PINNED'), generationWorkflow);

export async function generationWorkflow(input: GenerationInput): Promise<GenerationOutcome> {
  const { job, policy } = input;
  let step: Step = 'creating';
  setHandler(generationStep, () => step);

  // The provider is somebody else's service: bounded attempts, each one heartbeating so that a
  // stalled attempt is noticed and replaced, and cancellable so a cancel stops the work.
  const provider = proxyActivities<GenerationActivities>({
    startToCloseTimeout: policy.attemptTimeoutMs,
    heartbeatTimeout: policy.heartbeatTimeoutMs,
    cancellationType: ActivityCancellationType.TRY_CANCEL,
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: policy.maxAttempts,
      nonRetryableErrorTypes: [generationErrors.providerRefused],
    },
  });

  // The row must exist before anything can be compensated, so even a cancel cannot skip it.
  // Since 'generation-create-and-debit', the row is written with the debit, in one local activity
  // and one transaction (one step less per job); histories from before keep their two steps.
  const createAndDebit = patched('generation-create-and-debit');
  if (!createAndDebit) await CancellationScope.nonCancellable(() => books.createGenerationJob(job));

  let outcome: GenerationOutcome;
  let cancellation: unknown;
  try {
    step = 'debiting';
    // A cancel that arrives meanwhile takes effect right after, at the generation: the
    // compensation then finds the row, and the debit if there was one.
    if (createAndDebit) await CancellationScope.nonCancellable(() => books.createAndDebitJob(job));
    else await books.debitCredits(job.id);
    step = 'generating';
    const result = await provider.generate({ jobId: job.id, kind: job.kind, prompt: job.prompt, params: job.params });
    step = 'completing';
    // Once the result exists, storing it is the only right thing left to do.
    const status = await CancellationScope.nonCancellable(() => books.completeGenerationJob(job.id, result));
    outcome = { jobId: job.id, status: status as GenerationStatus, result, refunded: false };
  } catch (err) {
    step = 'compensating';
    if (isCancellation(err)) cancellation = err;
    const status = failureStatus(err);
    const error = failureMessage(err);
    log.warn('generation did not complete; compensating', { jobId: job.id, status, error });
    const closed = await CancellationScope.nonCancellable(() => books.refundAndCloseGenerationJob(job.id, status, error));
    // A job settled before (see debitJob) keeps its outcome, its result included.
    outcome = {
      jobId: job.id,
      status: closed.status as GenerationStatus,
      error,
      refunded: closed.refunded,
      ...(closed.result === undefined ? {} : { result: closed.result as GenerationResult }),
    };
  }

  step = 'done';
  if (input.notifyChat) {
    const chat = input.notifyChat;
    await CancellationScope.nonCancellable(() => books.notifyChat(chat, generationFinishedEvent(outcome)));
  } else if (input.notifyWorkflowId) await notify(input.notifyWorkflowId, outcome);
  // A cancelled job ends as a cancelled execution (as Temporal's UI and list filters expect),
  // after its compensation has run; the outcome is in the database either way.
  if (cancellation && outcome.status === 'cancelled') throw cancellation;
  return outcome;
}

function failureStatus(err: unknown): 'failed' | 'cancelled' | 'rejected' {
  if (isCancellation(err)) return 'cancelled';
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type === generationErrors.insufficientCredits) return 'rejected';
  return 'failed';
}

function failureMessage(err: unknown): string {
  if (isCancellation(err)) return 'cancelled';
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

async function notify(workflowId: string, outcome: GenerationOutcome): Promise<void> {
  try {
    await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(workflowId).signal(generationFinished, outcome));
  } catch (err) {
    // The chat may have ended meanwhile; the job's state is in the database either way.
    log.warn('could not notify the chat of the generation outcome', { workflowId, error: String(err) });
  }
}
