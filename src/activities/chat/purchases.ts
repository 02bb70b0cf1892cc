import {
  bookTelegramRefund,
  creditPurchase,
  markPaymentHandled,
  openInvoice,
  type ConfirmedPayment,
  type CreditOutcome,
  type NewInvoice,
} from '../../credits/purchases';
import type { Database } from '../../db/client';
import type { Logger } from '../../logger';
import { creditOperations, creditsSold, starsPurchases, starsRefunds, starsSold } from '../../metrics';

/**
 * What a flow's payment.invoice node and a chat's payments need. Each is one idempotent
 * transaction (src/credits/purchases.ts): a local activity may run again when its workflow task is
 * retried, e.g. after the worker died between the write and the reply.
 */
export function createPurchaseActivities(deps: { db: Database; logger: Logger }) {
  const { db } = deps;
  return {
    /** Records the invoice before it is sent, so a pre-checkout query can be answered from it. */
    async openInvoice(
      input: Omit<NewInvoice, 'expiresAt'> & {
        /** Workflow time (ms) after which it can no longer be paid. */
        expiresAt: number;
      },
    ): Promise<void> {
      await openInvoice(db, { ...input, expiresAt: new Date(input.expiresAt) });
    },

    /** Credits a successful_payment once per charge id; repeating it only reports. */
    async creditPurchase(input: ConfirmedPayment): Promise<CreditOutcome> {
      const outcome = await creditPurchase(db, input);
      if (outcome.status === 'unknown-invoice') {
        deps.logger.error({ botId: input.botId, chargeId: input.chargeId }, 'a Stars payment for an unknown invoice; not credited');
      } else if (outcome.created) {
        starsPurchases.inc({ bot: input.botId });
        starsSold.inc({ bot: input.botId }, outcome.stars);
        creditsSold.inc({ bot: input.botId }, outcome.credits);
        creditOperations.inc({ operation: 'purchase' });
      }
      return outcome;
    },

    async markPaymentHandled(chargeId: string): Promise<void> {
      await markPaymentHandled(db, chargeId);
    },

    /** A refunded_payment Telegram reported: the credits go back as far as the balance allows, once. */
    async bookTelegramRefund(chargeId: string): Promise<{ status: 'booked' | 'already-refunded' | 'unknown-payment'; takenBack: number }> {
      const booked = await bookTelegramRefund(db, chargeId);
      if (booked.status === 'unknown-payment') return { status: booked.status, takenBack: 0 };
      if (booked.status === 'booked') {
        starsRefunds.inc({ source: 'telegram', outcome: 'refunded' });
        if (booked.takenBack > 0) creditOperations.inc({ operation: 'purchase_refund' });
      }
      return { status: booked.status, takenBack: booked.takenBack };
    },
  };
}
