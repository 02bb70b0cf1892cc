import { z } from 'zod';

/**
 * The part of a Telegram update a chat workflow needs, normalised by the ingress. Keeping the
 * workflow's input small keeps its history small; the raw update is not stored.
 */
export interface InboundUpdate {
  updateId: number;
  chatId: string;
  chatType: 'private' | 'group' | 'supergroup' | 'channel';
  from: { id: number; firstName: string; lastName: string | null; username: string | null; languageCode: string | null };
  /** Text of the message or its caption. */
  text: string | null;
  command: { name: string; args: string | null } | null;
  /** `answeredEarly`: set by the chat workflow once it answered the press ahead of its turn. */
  callback: { id: string; data: string; messageId: number | null; answeredEarly?: boolean } | null;
  contact: { phone: string } | null;
  /**
   * The bot's membership changed (my_chat_member): 'left' when the user blocked the bot or a
   * group removed it, 'member' when they unblocked or re-added it. Absent for every other update.
   */
  membership?: 'member' | 'left';
  /** A Stars payment Telegram confirmed (successful_payment): the invoice is our payload. */
  payment?: { chargeId: string; invoiceId: string; currency: string; stars: number };
  /** A Stars payment Telegram refunded (refunded_payment). */
  refundedPayment?: { chargeId: string };
  /** When the ingress received it (ms since epoch), for reply-latency metrics. */
  receivedAt: number;
  /**
   * The bot's active main flow version when the ingress received it (null: none), so that the
   * chat need not look it up per update. Absent when the ingress did not know it (polling, older
   * histories): the chat looks it up then.
   */
  activeVersionId?: string | null;
}

const userSchema = z.object({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string(),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});
const chatSchema = z.object({ id: z.number().int(), type: z.enum(['private', 'group', 'supergroup', 'channel']) });
const messageSchema = z.object({
  message_id: z.number().int(),
  chat: chatSchema,
  from: userSchema.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  contact: z.object({ phone_number: z.string() }).optional(),
  successful_payment: z
    .object({
      currency: z.string(),
      total_amount: z.number().int(),
      invoice_payload: z.string(),
      telegram_payment_charge_id: z.string().min(1),
    })
    .optional(),
  refunded_payment: z.object({ telegram_payment_charge_id: z.string().min(1) }).optional(),
});
/** A user about to pay an invoice: it names no chat, and is answered by the ingress (src/ingress/pre-checkout.ts). */
const preCheckoutSchema = z.object({
  id: z.string(),
  from: userSchema,
  currency: z.string(),
  total_amount: z.number().int(),
  invoice_payload: z.string(),
});
export const telegramUpdateSchema = z.object({
  update_id: z.number().int().nonnegative(),
  message: messageSchema.optional(),
  edited_message: messageSchema.optional(),
  callback_query: z
    .object({
      id: z.string(),
      from: userSchema,
      data: z.string().optional(),
      message: z.object({ message_id: z.number().int(), chat: chatSchema }).optional(),
    })
    .optional(),
  my_chat_member: z
    .object({
      chat: chatSchema,
      from: userSchema,
      new_chat_member: z.object({ status: z.enum(['creator', 'administrator', 'member', 'restricted', 'left', 'kicked']) }),
    })
    .optional(),
  pre_checkout_query: preCheckoutSchema.optional(),
});

export type PreCheckoutQuery = z.output<typeof preCheckoutSchema>;

/** The updates the bots subscribe to (getUpdates and setWebhook); Telegram sends nothing else. */
export const subscribedUpdates = ['message', 'callback_query', 'my_chat_member', 'pre_checkout_query'] as const;

export class MalformedUpdateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedUpdateError';
  }
}

/**
 * Reads an update as Telegram sends it. Returns null for updates the bots do not handle
 * (channel posts, edits, polls…), which are acknowledged and dropped; throws for a body that is
 * not an update at all.
 */
export function normaliseUpdate(raw: unknown, receivedAt: number): InboundUpdate | null {
  const parsed = telegramUpdateSchema.safeParse(raw);
  if (!parsed.success) {
    throw new MalformedUpdateError(parsed.error.issues.map((i) => `${i.path.join('.') || 'update'}: ${i.message}`).join('; '));
  }
  return readUpdate(parsed.data, receivedAt);
}

export type TelegramUpdate = z.output<typeof telegramUpdateSchema>;

/** `normaliseUpdate` of an update already parsed with `telegramUpdateSchema` (the webhook route's body). */
export function readUpdate(update: TelegramUpdate, receivedAt: number): InboundUpdate | null {
  const from = (user: z.infer<typeof userSchema>) => ({
    id: user.id,
    firstName: user.first_name,
    lastName: user.last_name ?? null,
    username: user.username ?? null,
    languageCode: user.language_code ?? null,
  });
  if (update.callback_query) {
    const query = update.callback_query;
    if (!query.message || query.data === undefined) return null;
    return {
      updateId: update.update_id,
      chatId: String(query.message.chat.id),
      chatType: query.message.chat.type,
      from: from(query.from),
      text: null,
      command: null,
      callback: { id: query.id, data: query.data, messageId: query.message.message_id },
      contact: null,
      receivedAt,
    };
  }
  if (update.my_chat_member) {
    const change = update.my_chat_member;
    return {
      updateId: update.update_id,
      chatId: String(change.chat.id),
      chatType: change.chat.type,
      from: from(change.from),
      text: null,
      command: null,
      callback: null,
      contact: null,
      membership: change.new_chat_member.status === 'left' || change.new_chat_member.status === 'kicked' ? 'left' : 'member',
      receivedAt,
    };
  }
  const message = update.message;
  if (!message?.from) return null;
  const text = message.text ?? message.caption ?? null;
  const paid = message.successful_payment;
  const refunded = message.refunded_payment;
  return {
    updateId: update.update_id,
    chatId: String(message.chat.id),
    chatType: message.chat.type,
    from: from(message.from),
    text,
    command: parseCommand(text),
    callback: null,
    contact: message.contact ? { phone: message.contact.phone_number } : null,
    ...(paid
      ? {
          payment: {
            chargeId: paid.telegram_payment_charge_id,
            invoiceId: paid.invoice_payload,
            currency: paid.currency,
            stars: paid.total_amount,
          },
        }
      : {}),
    ...(refunded ? { refundedPayment: { chargeId: refunded.telegram_payment_charge_id } } : {}),
    receivedAt,
  };
}

/** The pre-checkout query of an update, if it is one (the ingress answers it; no chat sees it). */
export function preCheckoutOf(raw: unknown): PreCheckoutQuery | null {
  const query = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).pre_checkout_query : undefined;
  if (query === undefined) return null;
  const parsed = preCheckoutSchema.safeParse(query);
  return parsed.success ? parsed.data : null;
}

/** `/start ref_42` → {name: '/start', args: 'ref_42'}; `/start@my_bot` names the same command. */
function parseCommand(text: string | null): InboundUpdate['command'] {
  const match = text === null ? null : /^(\/[A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]+)?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return null;
  const args = match[2]?.trim();
  return { name: match[1] as string, args: args ? args : null };
}
