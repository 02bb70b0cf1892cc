import { workflowInfo } from '@temporalio/workflow';
import { local } from '../activities';
import type { Handlers } from './handler';

/** Without a timeout, an invoice can be paid for a day (also after its run moved on). */
export const DEFAULT_INVOICE_VALIDITY_MS = 24 * 60 * 60 * 1000;

const clip = (text: string, max: number) => (text.length > max ? text.slice(0, max) : text);

/**
 * payment.invoice: records the invoice (so the ingress can answer its pre-checkout query from
 * the database), sends it, and waits. The payment itself is taken by the session (handlePayment):
 * it credits the purchase, then resumes this wait through `paid` when the run still waits for
 * this invoice. The invoice id is the payload (at most 128 bytes).
 */
export const paymentHandlers: Handlers<'payment.invoice'> = {
  'payment.invoice': {
    async execute(node, rt) {
      const run = rt.run();
      const invoiceId = nextInvoiceId(rt.state);
      const title = clip(rt.render(node.data.title), 32) || 'Credits';
      const description = clip(rt.render(node.data.description), 255) || title;
      const now = Date.now();
      await local.openInvoice({
        id: invoiceId,
        botId: rt.botId,
        chatId: rt.chatId,
        userId: run.userId,
        // A run an event started has no sender; in a private chat the user is the chat.
        telegramUserId: run.context.from.id || Number(rt.chatId),
        title,
        description,
        stars: node.data.stars,
        credits: node.data.credits,
        expiresAt: now + (node.data.timeoutMs ?? DEFAULT_INVOICE_VALIDITY_MS),
      });
      await rt.send({ method: 'sendInvoice', chatId: rt.chatId, title, description, payload: invoiceId, stars: node.data.stars });
      const until = node.data.timeoutMs === undefined ? null : now + node.data.timeoutMs;
      return { suspend: { nodeId: node.id, kind: 'wait', until, invoiceId } };
    },
  },
};

/**
 * Unique per invoice: a counter kept in the chat's state (carried across continue-as-new) within
 * this chain of runs, whose first run id no other chain has. Not uuid4(): the workflow's random
 * numbers are shared with interceptors (tracing draws span ids from them), so the id would differ
 * between a run and its replay with tracing turned on.
 */
function nextInvoiceId(state: { invoices?: number }): string {
  state.invoices = (state.invoices ?? 0) + 1;
  return `inv-${workflowInfo().firstExecutionRunId}-${state.invoices}`;
}
