import type { Telegram } from 'telegraf';
import { preCheckoutVerdict } from '../credits/purchases';
import type { Database } from '../db/client';
import type { Logger } from '../logger';
import { preCheckoutLatency } from '../metrics';
import type { PreCheckoutQuery } from '../telegram/inbound';

/**
 * Pre-checkout queries are answered here, at the ingress, from the database – never by the chat
 * workflow. Telegram cancels a purchase not answered within 10 seconds, and a chat may be busy
 * for longer (a generation, a queue of updates); the query names no chat anyway. The invoice row
 * written before the invoice was sent holds everything the answer needs.
 */

export interface PreCheckoutAnswer {
  ok: boolean;
  errorMessage?: string;
}

const UNAVAILABLE = 'Payments are unavailable right now. Please try again in a minute.';

/** The answer to give: ok, or the reason the user sees (also when the database cannot be asked). */
export async function decidePreCheckout(db: Database, botId: string, query: PreCheckoutQuery, logger: Logger): Promise<PreCheckoutAnswer> {
  try {
    const verdict = await preCheckoutVerdict(
      db,
      {
        botId,
        payload: query.invoice_payload,
        telegramUserId: query.from.id,
        currency: query.currency,
        totalAmount: query.total_amount,
      },
      new Date(),
    );
    if (verdict.ok) return { ok: true };
    logger.info({ botId, reason: verdict.reason }, 'pre-checkout refused');
    return { ok: false, errorMessage: verdict.errorMessage };
  } catch (err) {
    logger.error({ err, botId }, 'pre-checkout could not be checked; refused');
    return { ok: false, errorMessage: UNAVAILABLE };
  }
}

export function observePreCheckout(answer: PreCheckoutAnswer | 'failed', receivedAt: number): void {
  const verdict = answer === 'failed' ? 'failed' : answer.ok ? 'ok' : 'refused';
  preCheckoutLatency.observe({ verdict }, Math.max(0, Date.now() - receivedAt) / 1000);
}

/** Polling: decides and answers with answerPreCheckoutQuery. Never throws: the batch goes on. */
export async function answerPreCheckout(
  deps: { db: Database; logger: Logger },
  telegram: Telegram,
  botId: string,
  query: PreCheckoutQuery,
  receivedAt: number,
): Promise<void> {
  const answer = await decidePreCheckout(deps.db, botId, query, deps.logger);
  try {
    await telegram.answerPreCheckoutQuery(query.id, answer.ok, answer.errorMessage);
    observePreCheckout(answer, receivedAt);
  } catch (err) {
    observePreCheckout('failed', receivedAt);
    deps.logger.warn({ err, botId }, 'answerPreCheckoutQuery failed; Telegram cancels the purchase');
  }
}
