import type { InlineKeyboardButton, KeyboardButton } from 'telegraf/types';
import { z } from 'zod';
import { BotApiError } from './errors';
import { UploadedFile } from './multipart';
import type { ApiParams } from './types';

/*
 * Parameters of the Bot API methods the emulator plays. Each schema lists its fields in the order
 * Telegram checks them, and each message is Telegram's own wording, because bots (and tests of
 * bots) branch on those descriptions.
 */

/** A form carries every value as text; Telegram reads it as the type the method wants. */
function fromFormInteger(value: unknown): unknown {
  return typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
}

function fromFormBoolean(value: unknown): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

/**
 * Objects such as reply_markup travel as JSON text in forms. Text that does not parse is left as
 * it is, and then fails the object schema with Telegram's "can't parse" wording.
 */
function fromJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

const integer = (emptyMessage: string, invalidMessage = emptyMessage) =>
  z.preprocess(
    fromFormInteger,
    z.number({ error: (issue) => (issue.input === undefined ? emptyMessage : invalidMessage) }).int(invalidMessage),
  );

const flag = z.preprocess(fromFormBoolean, z.boolean());

/** Any integer chat id is accepted; "@channel" names are not emulated, so they are chats not found. */
const chatId = integer('chat_id is empty', 'chat not found');
const messageId = integer('message identifier is not specified');

const PARSE_MODES = ['', 'markdown', 'markdownv2', 'html'];
const parseMode = z.string().refine((mode) => PARSE_MODES.includes(mode.toLowerCase()), 'unsupported parse_mode');

const text = z
  .string({ error: 'message text is empty' })
  .refine((value) => value.trim().length > 0, 'message text is empty')
  .refine((value) => value.length <= 4096, 'message is too long');

const caption = z.string().max(1024, 'message caption is too long');

const INLINE_BUTTON_ACTIONS = [
  'callback_data',
  'url',
  'web_app',
  'login_url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'callback_game',
  'pay',
];

const inlineButton = z
  .object(
    {
      text: z.string({ error: `can't parse inline keyboard button: Field "text" must be of type String` }),
      callback_data: z.string().optional(),
    },
    { error: `can't parse inline keyboard button: InlineKeyboardButton must be an Object` },
  )
  .loose()
  .refine(
    (button) => INLINE_BUTTON_ACTIONS.some((action) => action in button),
    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
  )
  .refine((button) => {
    if (button.callback_data === undefined) return true;
    const bytes = Buffer.byteLength(button.callback_data);
    return bytes >= 1 && bytes <= 64;
  }, 'BUTTON_DATA_INVALID');

const REPLY_BUTTON_FIELDS = ['text', 'request_users', 'request_chat', 'request_contact', 'request_location', 'request_poll', 'web_app'];

/** Telegram echoes a button with its known fields only; extras such as telegraf's `hide` are dropped. */
function knownFields<B extends { text: string }>(button: B, fields: readonly string[]): B {
  return Object.fromEntries(Object.entries(button).filter(([field]) => fields.includes(field))) as B;
}

// The schemas check what the emulator relies on (text, one action, the callback_data size) and pass
// the other known fields through as sent, so the rows are handed on as telegraf's button types.
const inlineKeyboard = z
  .array(z.array(inlineButton), {
    error: 'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays',
  })
  .transform((rows) => rows.map((row) => row.map((b) => knownFields(b, ['text', ...INLINE_BUTTON_ACTIONS]))) as InlineKeyboardButton[][]);

const replyKeyboard = z
  .array(z.array(z.union([z.string(), z.object({ text: z.string() }).loose()])), {
    error: 'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays',
  })
  .transform(
    (rows) => rows.map((row) => row.map((b) => (typeof b === 'string' ? b : knownFields(b, REPLY_BUTTON_FIELDS)))) as KeyboardButton[][],
  );

const MARKUP_KINDS = ['inline_keyboard', 'keyboard', 'remove_keyboard', 'force_reply'];

/** One object with every kind optional, so a bad button inside reports its own error. */
const replyMarkup = z.preprocess(
  fromJsonText,
  z
    .object(
      {
        inline_keyboard: inlineKeyboard.optional(),
        keyboard: replyKeyboard.optional(),
        remove_keyboard: flag.optional(),
        force_reply: flag.optional(),
        is_persistent: flag.optional(),
        resize_keyboard: flag.optional(),
        one_time_keyboard: flag.optional(),
        input_field_placeholder: z.string().optional(),
      },
      { error: "can't parse reply keyboard markup JSON object" },
    )
    .loose()
    .refine((markup) => MARKUP_KINDS.some((kind) => kind in markup), "can't parse reply keyboard markup JSON object"),
);

export type ReplyMarkupParam = z.output<typeof replyMarkup>;

const replyParameters = z.preprocess(
  fromJsonText,
  z
    .object(
      {
        message_id: messageId,
        chat_id: z.union([integer('chat not found'), z.string()]).optional(),
        allow_sending_without_reply: flag.optional(),
      },
      { error: "can't parse reply parameters JSON object" },
    )
    .loose(),
);

/** The reply target, whether given as reply_parameters or the older reply_to_message_id. */
const replyFields = z.object({
  reply_markup: replyMarkup.optional(),
  reply_parameters: replyParameters.optional(),
  reply_to_message_id: integer('message identifier is not specified').optional(),
  allow_sending_without_reply: flag.optional(),
});

export type ReplyFields = z.output<typeof replyFields>;

const media = (kind: string) => z.union([z.string().min(1), z.instanceof(UploadedFile)], { error: `there is no ${kind} in the request` });

export type MediaInput = string | UploadedFile;

const allowedUpdates = z.preprocess(fromJsonText, z.array(z.string(), { error: "can't parse allowed updates" }));

export const getUpdatesParams = z.object({
  offset: integer('offset must be an integer').optional(),
  limit: integer('limit must be an integer').optional(),
  timeout: integer('timeout must be an integer').optional(),
  allowed_updates: allowedUpdates.optional(),
});

export const setWebhookParams = z.object({
  url: z.string({ error: 'bad webhook: An HTTPS URL must be provided for webhook' }),
  secret_token: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/, 'bad webhook: secret token contains unallowed characters')
    .optional(),
  max_connections: integer('max_connections must be an integer').optional(),
  drop_pending_updates: flag.optional(),
  allowed_updates: allowedUpdates.optional(),
});

export const deleteWebhookParams = z.object({ drop_pending_updates: flag.optional() });

export const sendMessageParams = z.object({
  chat_id: chatId,
  text,
  parse_mode: parseMode.optional(),
  ...replyFields.shape,
});

export const sendPhotoParams = z.object({
  chat_id: chatId,
  photo: media('photo'),
  caption: caption.optional(),
  parse_mode: parseMode.optional(),
  ...replyFields.shape,
});

export const sendVideoParams = z.object({
  chat_id: chatId,
  video: media('video'),
  caption: caption.optional(),
  parse_mode: parseMode.optional(),
  width: integer('width must be an integer').optional(),
  height: integer('height must be an integer').optional(),
  duration: integer('duration must be an integer').optional(),
  ...replyFields.shape,
});

export const sendDocumentParams = z.object({
  chat_id: chatId,
  document: media('document'),
  caption: caption.optional(),
  parse_mode: parseMode.optional(),
  ...replyFields.shape,
});

export const editMessageTextParams = z.object({
  chat_id: chatId,
  message_id: messageId,
  text,
  parse_mode: parseMode.optional(),
  reply_markup: replyMarkup.optional(),
});

export const editMessageReplyMarkupParams = z.object({
  chat_id: chatId,
  message_id: messageId,
  reply_markup: replyMarkup.optional(),
});

export const deleteMessageParams = z.object({ chat_id: chatId, message_id: messageId });

export const answerCallbackQueryParams = z.object({
  callback_query_id: z.string({ error: 'query is too old and response timeout expired or query ID is invalid' }),
  text: z.string().max(200, 'MESSAGE_TOO_LONG').optional(),
  show_alert: flag.optional(),
  url: z.string().optional(),
  cache_time: integer('cache_time must be an integer').optional(),
});

/** Stars only: the emulator plays no payment providers, so the currency is XTR and the token empty. */
const labeledPrices = z.preprocess(
  fromJsonText,
  z
    .array(z.object({ label: z.string(), amount: integer('CURRENCY_TOTAL_AMOUNT_INVALID') }), { error: "can't parse prices JSON object" })
    .length(1, 'STARS_INVOICE_INVALID')
    .refine((prices) => prices.every((price) => price.amount >= 1), 'CURRENCY_TOTAL_AMOUNT_INVALID'),
);

export const sendInvoiceParams = z.object({
  chat_id: chatId,
  title: z.string({ error: 'INVOICE_TITLE_EMPTY' }).min(1, 'INVOICE_TITLE_EMPTY').max(32, 'INVOICE_TITLE_INVALID'),
  description: z.string({ error: 'INVOICE_DESCRIPTION_EMPTY' }).min(1, 'INVOICE_DESCRIPTION_EMPTY').max(255, 'INVOICE_DESCRIPTION_INVALID'),
  payload: z
    .string({ error: 'INVOICE_PAYLOAD_INVALID' })
    .refine((value) => Buffer.byteLength(value) >= 1 && Buffer.byteLength(value) <= 128, 'INVOICE_PAYLOAD_INVALID'),
  provider_token: z.literal('', { error: 'PAYMENT_PROVIDER_INVALID' }).optional(),
  currency: z.literal('XTR', { error: 'CURRENCY_INVALID' }),
  prices: labeledPrices,
  start_parameter: z.string().optional(),
  ...replyFields.shape,
});

export const answerPreCheckoutQueryParams = z
  .object({
    pre_checkout_query_id: z.string({ error: 'QUERY_ID_INVALID' }),
    ok: flag,
    error_message: z.string().max(255, 'ERROR_MESSAGE_TOO_LONG').optional(),
  })
  .refine((p) => p.ok || (p.error_message !== undefined && p.error_message.length > 0), 'ERROR_MESSAGE_EMPTY');

export const refundStarPaymentParams = z.object({
  user_id: integer('user_id is empty', 'USER_ID_INVALID'),
  telegram_payment_charge_id: z.string({ error: 'CHARGE_ID_EMPTY' }).min(1, 'CHARGE_ID_EMPTY'),
});

const CHAT_ACTIONS = [
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
] as const;

export const sendChatActionParams = z.object({
  chat_id: chatId,
  action: z.enum(CHAT_ACTIONS, { error: 'wrong parameter action in request' }),
});

/** Validates a method's parameters; the first problem becomes Telegram's 400 "Bad Request: ...". */
export function parseParams<T extends z.ZodType>(schema: T, params: ApiParams): z.output<T> {
  const result = schema.safeParse(params);
  if (!result.success) throw BotApiError.badRequest(result.error.issues[0]?.message ?? 'invalid parameters');
  return result.data;
}
