import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { findPayment, paymentsOf, type StarPayment } from '../credits/purchases';
import type { Database } from '../db/client';
import { paymentStatus, users } from '../db/schema';
import { ApiError } from '../http/errors';
import { idempotencyKeyHeaders, routeTo } from '../http/route';
import type { PaymentRefundOutcome } from '../workflows/payment-refund';
import { userParams } from './users';

export const chargeParams = z.object({ chargeId: z.string().min(1).max(256) });
export const paymentsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50) });

const nullableDateTime = z.iso.datetime().nullable();
export const paymentSchema = z.object({
  chargeId: z.string().describe("Telegram's telegram_payment_charge_id"),
  invoiceId: z.string(),
  botId: z.string(),
  chatId: z.string(),
  userId: z.string(),
  telegramUserId: z.number().int(),
  stars: z.number().int(),
  credits: z.number().int(),
  status: z.enum(paymentStatus.enumValues),
  refund: z
    .object({
      credits: z.number().int().describe('credits taken back'),
      source: z.enum(['api', 'telegram']).nullable(),
      refundedAt: nullableDateTime,
    })
    .nullable()
    .describe('null while the payment is not refunded (nor being refunded)'),
  createdAt: z.iso.datetime(),
});

function paymentView(payment: StarPayment): z.infer<typeof paymentSchema> {
  return {
    chargeId: payment.chargeId,
    invoiceId: payment.invoiceId,
    botId: payment.botId,
    chatId: payment.chatId,
    userId: payment.userId,
    telegramUserId: payment.telegramUserId,
    stars: payment.stars,
    credits: payment.credits,
    status: payment.status,
    refund:
      payment.status === 'paid'
        ? null
        : {
            credits: payment.refundedCredits,
            source: payment.refundSource === 'api' || payment.refundSource === 'telegram' ? payment.refundSource : null,
            refundedAt: payment.refundedAt?.toISOString() ?? null,
          },
    createdAt: payment.createdAt.toISOString(),
  };
}

/** How long the request waits for the saga; Telegram being down makes it wait longer (202 then). */
const ANSWER_WITHIN_MS = 15_000;

/** Stars payments: the list of a user's, and refunds (a saga, exactly once per payment). */
export function paymentsRouter(deps: { db: Database; temporal: Client; taskQueue: string }): Router {
  const { db } = deps;
  const router = Router();
  const route = routeTo(router, '/api');

  route(
    {
      method: 'post',
      path: '/payments/:chargeId/refund',
      summary: 'Refund a Stars payment: takes its credits back and returns the Stars (once; idempotent per key)',
      tag: 'payments',
      auth: 'bearer',
      params: chargeParams,
      headers: idempotencyKeyHeaders,
      responses: {
        200: { description: 'refunded: the credits are taken back and Telegram returned the Stars', schema: paymentSchema },
        202: { description: 'the refund is under way (Telegram did not answer yet); ask again with the same key', schema: paymentSchema },
        404: { description: 'no such payment' },
        409: { description: 'already refunded, another refund in progress, or the balance is below the credits to take back' },
        502: { description: 'Telegram refused the refund; the credits were given back' },
      },
    },
    async ({ params: { chargeId }, headers: { 'Idempotency-Key': key } }, _req, res) => {
      const payment = await findPayment(db, chargeId);
      if (!payment) throw ApiError.notFound(`payment ${chargeId}`);
      const refundId = `payment-refund:${chargeId}:${key}`;
      let handle;
      try {
        handle = await deps.temporal.workflow.start('paymentRefundWorkflow', {
          workflowId: refundId,
          taskQueue: deps.taskQueue,
          args: [{ chargeId, refundId }],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        });
      } catch (err) {
        // The same key again: the answer is that refund's.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        handle = deps.temporal.workflow.getHandle(refundId);
      }
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        handle.result() as Promise<PaymentRefundOutcome>,
        new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ANSWER_WITHIN_MS))),
      ]).finally(() => clearTimeout(timer));
      const current = (await findPayment(db, chargeId)) ?? payment;
      if (outcome === 'pending') {
        res.status(202).json(paymentView(current));
        return;
      }
      switch (outcome.status) {
        case 'refunded':
          res.json(paymentView(current));
          return;
        case 'unknown-payment':
          throw ApiError.notFound(`payment ${chargeId}`);
        case 'already-refunded':
          throw new ApiError(409, 'already_refunded', `payment ${chargeId} is refunded already`);
        case 'in-progress':
          throw new ApiError(409, 'refund_in_progress', `another refund of payment ${chargeId} is under way`);
        case 'insufficient-balance':
          throw new ApiError(
            409,
            'insufficient_balance',
            `the balance (${outcome.balance}) is below the ${outcome.credits} credits the refund takes back`,
          );
        case 'refused':
          throw new ApiError(502, 'telegram_refused', `Telegram refused the refund (${outcome.reason}); the credits were given back`);
      }
    },
  );

  route(
    {
      method: 'get',
      path: '/users/:id/payments',
      summary: "A user's Stars purchases and their refunds, newest first",
      tag: 'payments',
      auth: 'bearer',
      params: userParams,
      query: paymentsQuery,
      responses: {
        200: { description: 'the payments', schema: z.object({ items: z.array(paymentSchema) }) },
        404: { description: 'no such user' },
      },
    },
    async ({ params: { id }, query: { limit } }, _req, res) => {
      const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, id));
      if (!user) throw ApiError.notFound(`user ${id}`);
      res.json({ items: (await paymentsOf(db, id, limit)).map(paymentView) });
    },
  );

  return router;
}
