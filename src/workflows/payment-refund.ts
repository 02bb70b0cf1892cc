import { ActivityFailure, ApplicationFailure, CancellationScope, proxyActivities } from '@temporalio/workflow';
import type { PaymentRefundActivities } from '../activities/payment-refund';
import { telegramErrors } from '../telegram/failure-types';

/**
 * Refunds a Stars payment as a saga: hold (take the credits back, if the balance allows) →
 * refundStarPayment → complete; when Telegram refuses, the compensation gives the credits back.
 * Its workflow id is its refund id, one per Idempotency-Key: a repeated request finds this run
 * and its result. A payment refunded already (by another request, or by Telegram) is refused at
 * the hold, so the Stars are never refunded twice; Telegram answering "already refunded" to our
 * own call (a retry after a lost answer) counts as done.
 */

export interface PaymentRefundInput {
  chargeId: string;
  refundId: string;
}

export type PaymentRefundOutcome =
  | { status: 'refunded'; credits: number }
  | { status: 'already-refunded' | 'in-progress' | 'unknown-payment' }
  | { status: 'insufficient-balance'; balance: number; credits: number }
  | { status: 'refused'; reason: string };

const steps = proxyActivities<PaymentRefundActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

// Telegram is retried for as long as it takes when it is down or slow: compensating then could
// give credits back for Stars that were in fact refunded. Only a refusal (400) ends it.
const telegram = proxyActivities<PaymentRefundActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: [telegramErrors.badRequest] },
});

export async function paymentRefundWorkflow(input: PaymentRefundInput): Promise<PaymentRefundOutcome> {
  const { chargeId, refundId } = input;
  const hold = await steps.holdPaymentRefund(chargeId, refundId);
  if (hold.status !== 'held') return hold;
  try {
    await telegram.refundStars({ botId: hold.botId, telegramUserId: hold.telegramUserId, chargeId });
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (!(cause instanceof ApplicationFailure) || cause.type !== telegramErrors.badRequest) throw err;
    // Terminal from here: the compensation runs even if the saga is cancelled meanwhile.
    await CancellationScope.nonCancellable(() => steps.releasePaymentRefund(chargeId, refundId));
    return { status: 'refused', reason: cause.message };
  }
  await CancellationScope.nonCancellable(() => steps.completePaymentRefund(chargeId, refundId));
  return { status: 'refunded', credits: hold.credits };
}
