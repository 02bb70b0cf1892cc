/*
 * Telegram Stars as the emulator plays them: invoices the bot sent, the user's pre-checkout
 * queries with their deadline, and the charges paid payments leave (each refundable once).
 */

/** How long Telegram waits for answerPreCheckoutQuery before it cancels the purchase. */
export const PRE_CHECKOUT_TIMEOUT_MS = 10_000;

/**
 * The verdict on one purchase attempt: `pending` until the bot answers; `paid` when it answered
 * ok in time (the successful_payment message is then in the chat); `declined` when it answered
 * with an error; `expired` when no answer came within the deadline (a later answer changes nothing).
 */
export interface CheckoutVerdict {
  queryId: string;
  bot: number;
  chatId: number;
  userId: number;
  invoicePayload: string;
  totalAmount: number;
  status: 'pending' | 'paid' | 'declined' | 'expired';
  /** When the query was handed to the bot (emulator clock, ms). */
  createdAt: number;
  /** Milliseconds from the query to the bot's answer, whether in time or late. */
  answeredAfterMs?: number;
  errorMessage?: string;
  /** The charge the payment left (status `paid`). */
  chargeId?: string;
}

/** A payment made: what refundStarPayment can refund, once. */
export interface StarCharge {
  chargeId: string;
  bot: number;
  userId: number;
  chatId: number;
  totalAmount: number;
  invoicePayload: string;
  refunded: boolean;
}

/** A pre-checkout query handed to the bot and not yet settled. */
export interface OpenCheckout {
  readonly verdict: CheckoutVerdict;
  /** Emulator time after which an answer is too late. */
  readonly deadlineAt: number;
  /** Settles the verdict (once); `paid` also completes the payment and records the charge. */
  settle(status: 'paid' | 'declined' | 'expired', answeredAt?: number, errorMessage?: string): void;
}

/** A charge with the way to tell its chat it was refunded (the refunded_payment message). */
export interface HeldCharge {
  readonly charge: StarCharge;
  announceRefund(): void;
}

/** What the user's app keeps of an invoice message to pay it later. */
export interface SentInvoice {
  payload: string;
  totalAmount: number;
  currency: 'XTR';
}
