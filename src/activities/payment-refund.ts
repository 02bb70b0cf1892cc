import { ApplicationFailure } from '@temporalio/activity';
import { completeRefund, holdRefund, releaseRefund } from '../credits/purchases';
import type { Database } from '../db/client';
import { creditOperations, starsRefunds } from '../metrics';
import { telegramErrors } from '../telegram/failure-types';
import { refundStarPayment, type TelegramGateway } from '../telegram/gateway';

/** What the refund saga reports of its hold step: only `held` goes on to Telegram. */
export type RefundHold =
  | { status: 'held'; botId: string; telegramUserId: number; credits: number }
  | { status: 'already-refunded' | 'in-progress' | 'unknown-payment' }
  | { status: 'insufficient-balance'; balance: number; credits: number };

/**
 * The steps of the Stars refund saga (src/workflows/payment-refund.ts), each idempotent by the
 * refund's id: Temporal retries a step whose worker died, and the retry finds it done.
 */
export function createPaymentRefundActivities(deps: { db: Database; telegram: TelegramGateway }) {
  const { db } = deps;
  return {
    async holdPaymentRefund(chargeId: string, refundId: string): Promise<RefundHold> {
      const hold = await holdRefund(db, chargeId, refundId);
      switch (hold.status) {
        case 'held':
          creditOperations.inc({ operation: 'purchase_refund' });
          return { status: 'held', botId: hold.payment.botId, telegramUserId: hold.payment.telegramUserId, credits: hold.payment.credits };
        case 'insufficient-balance':
          return { status: hold.status, balance: hold.balance, credits: hold.payment.credits };
        default:
          return { status: hold.status };
      }
    },

    /**
     * refundStarPayment. Telegram's "already refunded" counts as done (a retry after a lost answer,
     * or Telegram refunded on its own); another 400 is a refusal the saga compensates.
     */
    async refundStars(input: { botId: string; telegramUserId: number; chargeId: string }): Promise<'refunded' | 'already-refunded'> {
      try {
        await refundStarPayment(deps.telegram, input.botId, input.telegramUserId, input.chargeId);
        return 'refunded';
      } catch (err) {
        if (err instanceof ApplicationFailure && err.type === telegramErrors.badRequest && /CHARGE_ALREADY_REFUNDED/.test(err.message)) {
          return 'already-refunded';
        }
        throw err;
      }
    },

    async completePaymentRefund(chargeId: string, refundId: string): Promise<void> {
      await completeRefund(db, chargeId, refundId, 'api');
      starsRefunds.inc({ source: 'api', outcome: 'refunded' });
    },

    /** The compensation: the held credits go back, once. */
    async releasePaymentRefund(chargeId: string, refundId: string): Promise<void> {
      await releaseRefund(db, chargeId, refundId);
      starsRefunds.inc({ source: 'api', outcome: 'refused' });
    },
  };
}

export type PaymentRefundActivities = ReturnType<typeof createPaymentRefundActivities>;
