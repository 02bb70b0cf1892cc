import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Database } from '../db/client';
import { chatTypeOfId, signalChat, type DeliveryTarget } from '../temporal/chat-delivery';
import type { ExternalEvent } from '../workflows/chat/types';
import {
  completeJob,
  createAndDebitJob,
  createJob,
  debitJob,
  refundAndCloseJob,
  type DebitOutcome,
  type JobStatus,
  type NewJob,
} from '../generation/jobs';
import {
  PermanentProviderError,
  TransientProviderError,
  type GenerationProvider,
  type GenerationRequest,
  type GenerationResult,
} from '../generation/provider';
import { generationErrors } from '../generation/failure-types';
import type { Logger } from '../logger';
import { creditOperations, generationDuration } from '../metrics';

/**
 * The generation saga's steps. Each is idempotent, keyed by the job id: Temporal retries an
 * activity whose worker died, and the retry must find the work done rather than do it again.
 */
export function createGenerationActivities(deps: { db: Database; provider: GenerationProvider; logger: Logger; chats?: DeliveryTarget }) {
  const { db, provider, logger } = deps;
  /** Turns a debit's outcome into the workflow's non-retryable failures, or counts it. */
  const settleDebit = (jobId: string, outcome: DebitOutcome): void => {
    if (outcome === 'insufficient-credits') {
      throw ApplicationFailure.nonRetryable('not enough credits for this generation', generationErrors.insufficientCredits);
    }
    if (outcome === 'settled') {
      // Its outcome stands; the compensation step finds nothing to do and reports it.
      throw ApplicationFailure.nonRetryable(`job ${jobId} was settled already`, generationErrors.alreadySettled);
    }
    creditOperations.inc({ operation: 'debit' });
    logger.debug({ jobId }, 'credits debited');
  };
  return {
    /** For workflows from before 'generation-create-and-debit' (see debitCredits). */
    async createGenerationJob(job: NewJob): Promise<void> {
      await createJob(db, job);
    },

    /** For workflows from before 'generation-create-and-debit'; new ones use createAndDebitJob. */
    async debitCredits(jobId: string): Promise<void> {
      settleDebit(jobId, await debitJob(db, jobId));
    },

    /** The job's row and its debit in one transaction; as idempotent as the two steps were. */
    async createAndDebitJob(job: NewJob): Promise<void> {
      settleDebit(job.id, await createAndDebitJob(db, job));
    },

    async generate(request: GenerationRequest): Promise<GenerationResult> {
      const context = Context.current();
      const started = performance.now();
      const observe = (outcome: string) =>
        generationDuration.observe({ kind: request.kind, outcome }, (performance.now() - started) / 1000);
      try {
        const result = await provider.generate(request, {
          heartbeat: (details) => context.heartbeat(details),
          signal: context.cancellationSignal,
          attempt: context.info.attempt,
        });
        observe('completed');
        return result;
      } catch (err) {
        observe('failed');
        if (err instanceof PermanentProviderError) {
          throw ApplicationFailure.nonRetryable(err.message, generationErrors.providerRefused);
        }
        if (err instanceof TransientProviderError) {
          throw ApplicationFailure.create({
            message: err.message,
            type: generationErrors.providerUnavailable,
            nextRetryDelay: err.retryAfterMs,
          });
        }
        throw err;
      }
    },

    async completeGenerationJob(jobId: string, result: GenerationResult): Promise<JobStatus> {
      return completeJob(db, jobId, result);
    },

    /** Tells a chat a job's outcome; signal-with-start, so a chat at rest is started for it. */
    async notifyChat(chat: { botId: string; chatId: string }, event: ExternalEvent): Promise<void> {
      if (!deps.chats)
        throw ApplicationFailure.nonRetryable('this worker has no Temporal client to reach chats', generationErrors.noChatDelivery);
      await signalChat(deps.chats, { ...chat, chatType: chatTypeOfId(chat.chatId) }, { kind: 'event', event });
    },

    async refundAndCloseGenerationJob(
      jobId: string,
      status: 'failed' | 'cancelled' | 'rejected',
      error: string,
    ): Promise<{ status: JobStatus; refunded: boolean; result?: unknown }> {
      const outcome = await refundAndCloseJob(db, jobId, status, error);
      if (outcome.refunded) {
        creditOperations.inc({ operation: 'refund' });
        logger.info({ jobId, status: outcome.status }, 'credits refunded');
      }
      return outcome;
    },
  };
}

export type GenerationActivities = ReturnType<typeof createGenerationActivities>;
