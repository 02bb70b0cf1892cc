import { ActivityFailure, ApplicationFailure, proxyLocalActivities } from '@temporalio/workflow';
import type { ChatActivities } from '../../activities/chat';
import { variableUpdateFailure } from '../../flow/variables';
import { telegramErrors } from '../../telegram/failure-types';

// Replies and bookkeeping run as local activities: in the worker, without a round trip through
// the server per step, which is what makes the first reply fast.
export const local = proxyLocalActivities<ChatActivities>({
  startToCloseTimeout: '20 seconds',
  retry: {
    initialInterval: '200 ms',
    maximumInterval: '10 seconds',
    nonRetryableErrorTypes: [telegramErrors.blocked, telegramErrors.badRequest, telegramErrors.unknownBot, variableUpdateFailure],
  },
});

/** The failure type of an activity's error (ApplicationFailure.type), if it has one. */
export function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/** What went wrong, for logs and the timeline: an activity's cause rather than its wrapper. */
export function describe(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}
