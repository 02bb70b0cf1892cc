import { answerPreCheckoutQueryParams, parseParams, refundStarPaymentParams, sendInvoiceParams } from './bot-api-params';
import type { BotApiContext } from './context';
import { BotApiError } from './errors';
import { openBotMessage } from './message-methods';
import type { ApiParams, InvoiceMessage } from './types';

const TOO_OLD = 'query is too old and response timeout expired or query ID is invalid';

/**
 * A Stars invoice (currency XTR, one price, no provider): a message the user can pay from. The
 * payload goes back to the bot in the pre-checkout query and the successful payment.
 */
export function sendInvoice(ctx: BotApiContext, params: ApiParams): InvoiceMessage {
  const p = parseParams(sendInvoiceParams, params);
  const totalAmount = p.prices.reduce((sum, price) => sum + price.amount, 0);
  const { conversation, envelope } = openBotMessage(ctx, p.chat_id, p);
  const message: InvoiceMessage = {
    ...envelope,
    invoice: {
      title: p.title,
      description: p.description,
      start_parameter: p.start_parameter ?? '',
      currency: p.currency,
      total_amount: totalAmount,
    },
  };
  conversation.append(message);
  ctx.bot.invoices.set(`${p.chat_id}:${message.message_id}`, { payload: p.payload, totalAmount, currency: 'XTR' });
  return message;
}

/**
 * The bot's answer to a pre-checkout query. Telegram gives it 10 seconds: an answer after the
 * deadline is refused and the purchase stays cancelled; an ok in time completes the payment.
 */
export function answerPreCheckoutQuery(ctx: BotApiContext, params: ApiParams): true {
  const p = parseParams(answerPreCheckoutQueryParams, params);
  const open = ctx.bot.checkouts.get(p.pre_checkout_query_id);
  if (!open || open.verdict.status !== 'pending') {
    if (open && open.verdict.status === 'expired' && open.verdict.answeredAfterMs === undefined) {
      open.verdict.answeredAfterMs = ctx.clock() - open.verdict.createdAt;
    }
    throw BotApiError.badRequest(TOO_OLD);
  }
  const at = ctx.clock();
  if (at > open.deadlineAt) {
    open.settle('expired', at);
    throw BotApiError.badRequest(TOO_OLD);
  }
  if (p.ok) open.settle('paid', at);
  else open.settle('declined', at, p.error_message);
  return true;
}

/** Gives the Stars of a payment back, once; the chat gets a refunded_payment message. */
export function refundStarPayment(ctx: BotApiContext, params: ApiParams): true {
  const p = parseParams(refundStarPaymentParams, params);
  const held = ctx.bot.charges.get(p.telegram_payment_charge_id);
  if (!held || held.charge.userId !== p.user_id) throw BotApiError.badRequest('CHARGE_NOT_FOUND');
  if (held.charge.refunded) throw BotApiError.badRequest('CHARGE_ALREADY_REFUNDED');
  held.announceRefund();
  return true;
}
