import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The domain's durable state: what must outlive a workflow or be shared between workflows.
 * Conversation state itself lives in the chat workflows, not here. drizzle-kit generates the
 * migrations in drizzle/ from this file (`npm run db:generate`).
 */

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const telegramMode = pgEnum('telegram_mode', ['polling', 'webhook']);
/**
 * Whether the chat simulator serves a bot: `off`; `on` – a real bot that can also be tried in the
 * simulator (its simulated chats have ids Telegram never uses, so real chats are untouched);
 * `only` – a bot that exists only in the simulator (the demo bot).
 */
export const botSimulator = pgEnum('bot_simulator', ['off', 'on', 'only']);

/** A Telegram bot; its id is Telegram's numeric bot id (the token's prefix). */
export const bots = pgTable('bots', {
  id: text('id').primaryKey(),
  username: text('username'),
  /** The bot token, encrypted with a key from configuration; never returned by the API. */
  tokenCiphertext: text('token_ciphertext').notNull(),
  mode: telegramMode('mode').notNull().default('polling'),
  /** SHA-256 (hex) of the webhook secret: incoming updates are checked against it. */
  webhookSecretHash: text('webhook_secret_hash'),
  /** The webhook secret encrypted like the token, for setWebhook (src/bots/webhook-secret.ts). */
  webhookSecretCiphertext: text('webhook_secret_ciphertext'),
  /** The flow whose triggers start runs; other flows are reached as sub-flows. */
  mainFlowId: text('main_flow_id').notNull().default('main'),
  simulator: botSimulator('simulator').notNull().default('off'),
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * Who polls a polling-mode bot: one API replica at a time holds its lease until `expires_at`,
 * renewing it every few seconds (src/ingress/polling-lease.ts). The row outlives its holders: it
 * keeps the offset the last holder confirmed, so the next continues there.
 */
export const pollingLeases = pgTable('polling_leases', {
  botId: text('bot_id')
    .primaryKey()
    .references(() => bots.id, { onDelete: 'cascade' }),
  holder: text('holder').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  /** The getUpdates offset after the last batch delivered to Temporal (0: none yet). */
  nextUpdateId: bigint('next_update_id', { mode: 'number' }).notNull().default(0),
  offsetSavedAt: timestamp('offset_saved_at', { withTimezone: true }),
});

/**
 * A flow of a bot, named by an author-chosen id (`main`, `onboarding`), with its editable draft
 * and the published version new runs use. Published versions are immutable rows below.
 */
export const flows = pgTable(
  'flows',
  {
    botId: text('bot_id')
      .notNull()
      .references(() => bots.id),
    id: text('id').notNull(),
    draft: jsonb('draft'),
    /** Bumped on every draft save: the draft's ETag, so two editors cannot silently overwrite each other. */
    draftRevision: integer('draft_revision').notNull().default(0),
    activeVersionId: uuid('active_version_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.botId, t.id] })],
);

export const flowVersions = pgTable(
  'flow_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    botId: text('bot_id')
      .notNull()
      .references(() => bots.id),
    flowId: text('flow_id').notNull(),
    version: integer('version').notNull(),
    definition: jsonb('definition').notNull(),
    /** SHA-256 of the canonical definition, to tell whether a file differs from what is published. */
    checksum: text('checksum').notNull(),
    publishedAt: timestamp('published_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('flow_versions_flow_version').on(t.botId, t.flowId, t.version)],
);

/** Flow secrets of a bot (src/bots/flow-secrets.ts): encrypted, bound to the bot and the name. */
export const botSecrets = pgTable(
  'bot_secrets',
  {
    botId: text('bot_id')
      .notNull()
      .references(() => bots.id),
    name: text('name').notNull(),
    ciphertext: text('ciphertext').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.botId, t.name] })],
);

/** Chat-scoped variables of a conversation that went idle, restored when it resumes. */
export const chatStates = pgTable(
  'chat_states',
  {
    botId: text('bot_id')
      .notNull()
      .references(() => bots.id),
    chatId: text('chat_id').notNull(),
    variables: jsonb('variables').notNull(),
    blockedAt: timestamp('blocked_at', { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.botId, t.chatId] })],
);

/**
 * The outbound pace of each bot and each chat, shared by every worker process: the theoretical
 * arrival time of the next message (GCRA). `reserve_send_slot()` (drizzle/0005_send_pace.sql)
 * reads and moves it under a row lock; a row untouched for an hour means nothing and is pruned.
 * The migration makes it UNLOGGED: no WAL, no flush per reservation, emptied by a crash.
 */
export const sendPace = pgTable('send_pace', {
  key: text('key').primaryKey(),
  tat: timestamp('tat', { withTimezone: true, precision: 3 }).notNull(),
});

/** Events recorded by action.analytics nodes. */
export const analyticsEvents = pgTable(
  'analytics_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    botId: text('bot_id').notNull(),
    chatId: text('chat_id').notNull(),
    userId: text('user_id'),
    event: text('event').notNull(),
    properties: jsonb('properties').notNull(),
    /** Deduplicates a retried activity: one row per (chat workflow run, step). */
    dedupeKey: text('dedupe_key').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('analytics_events_dedupe').on(t.dedupeKey), index('analytics_events_bot_event').on(t.botId, t.event)],
);

/** Whoever holds credits: an API-created user or a bot's chat user, created on first contact. */
export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    displayName: text('display_name'),
    /** Kept equal to the sum of the user's ledger entries, in the same transaction. */
    balance: bigint('balance', { mode: 'number' }).notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [check('users_balance_not_negative', sql`${t.balance} >= 0`)],
);

/** Maps a Telegram user of a bot to the user who holds their credits and variables. */
export const botUsers = pgTable(
  'bot_users',
  {
    botId: text('bot_id')
      .notNull()
      .references(() => bots.id),
    telegramUserId: bigint('telegram_user_id', { mode: 'number' }).notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    blockedAt: timestamp('blocked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.botId, t.telegramUserId] }), index('bot_users_user').on(t.userId)],
);

/** Flow variables of scope `user`: one value per bot, user and name. */
export const userVariables = pgTable(
  'user_variables',
  {
    botId: text('bot_id')
      .notNull()
      .references(() => bots.id),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    value: jsonb('value').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.botId, t.userId, t.name] })],
);

/** Flow variables of scope `bot`: shared by all users of a bot. */
export const botVariables = pgTable(
  'bot_variables',
  {
    botId: text('bot_id')
      .notNull()
      .references(() => bots.id),
    name: text('name').notNull(),
    value: jsonb('value').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.botId, t.name] })],
);

/**
 * `purchase`: credits bought with Telegram Stars; `purchase_refund`: taken back when the Stars are
 * refunded (negative), or given back when a refund failed at Telegram (positive, its compensation).
 */
export const ledgerReason = pgEnum('ledger_reason', ['topup', 'debit', 'refund', 'purchase', 'purchase_refund']);

/**
 * Append-only credit ledger. `entryKey` is unique, so an operation retried by Temporal (or sent
 * twice by a client) can only ever be written once: `debit:<jobId>`, `refund:<jobId>`,
 * `topup:<userId>:<Idempotency-Key>`, `purchase:<chargeId>`, `purchase_refund:<refundId>` and
 * `purchase_refund_undo:<refundId>` (src/credits/purchases.ts).
 */
export const creditLedger = pgTable(
  'credit_ledger',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    reason: ledgerReason('reason').notNull(),
    entryKey: text('entry_key').notNull(),
    jobId: text('job_id'),
    /** The Stars payment (telegram_payment_charge_id) of a `purchase` or `purchase_refund` entry. */
    chargeId: text('charge_id'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('credit_ledger_entry_key').on(t.entryKey),
    index('credit_ledger_charge').on(t.chargeId),
    index('credit_ledger_user').on(t.userId, t.id),
    check('credit_ledger_amount_not_zero', sql`${t.amount} <> 0`),
  ],
);

export const jobStatus = pgEnum('job_status', ['pending', 'processing', 'completed', 'failed', 'cancelled', 'rejected']);

/** Statuses a job never leaves; the database refuses any change out of them. */
export const terminalJobStatuses = ['completed', 'failed', 'cancelled', 'rejected'] as const;

/** A paid generation. Only its workflow writes `status`, and only out of a non-terminal one. */
export const generationJobs = pgTable(
  'generation_jobs',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    kind: text('kind').notNull(),
    prompt: text('prompt').notNull(),
    params: jsonb('params').notNull().default({}),
    cost: bigint('cost', { mode: 'number' }).notNull(),
    status: jobStatus('status').notNull().default('pending'),
    result: jsonb('result'),
    error: text('error'),
    idempotencyKey: text('idempotency_key').notNull(),
    /** Hash of the request body, so a reused Idempotency-Key with another body is refused. */
    requestHash: text('request_hash').notNull(),
    botId: text('bot_id'),
    chatId: text('chat_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('generation_jobs_user_key').on(t.userId, t.idempotencyKey), index('generation_jobs_status').on(t.status)],
);

/** Who changed bots and flows, and when: written with each change through the API. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** The role of the bearer token that made the change. */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    /** What was changed, e.g. `bot:123` or `flow:123/main`. */
    target: text('target').notNull(),
    details: jsonb('details').notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('audit_log_target').on(t.target, t.id)],
);

/**
 * A Telegram Stars invoice a flow's payment.invoice node sent: a credit pack for one user. Its id
 * is the invoice payload, so a pre-checkout query (which names no chat) is answered from this row.
 */
export const invoices = pgTable(
  'invoices',
  {
    id: text('id').primaryKey(),
    botId: text('bot_id')
      .notNull()
      .references(() => bots.id),
    chatId: text('chat_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    /** Only this Telegram user may pay it. */
    telegramUserId: bigint('telegram_user_id', { mode: 'number' }).notNull(),
    title: text('title').notNull(),
    description: text('description').notNull(),
    stars: integer('stars').notNull(),
    credits: bigint('credits', { mode: 'number' }).notNull(),
    /** Pre-checkout refuses the invoice after this. */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [check('invoices_stars_positive', sql`${t.stars} >= 1`), check('invoices_credits_positive', sql`${t.credits} >= 1`)],
);

/** `paid`; `refunding` while a refund holds the credits and asks Telegram; `refunded`. */
export const paymentStatus = pgEnum('payment_status', ['paid', 'refunding', 'refunded']);

/**
 * A Stars payment Telegram confirmed (successful_payment), keyed by its charge id: credited once,
 * with one `purchase` ledger entry; refunded at most once.
 */
export const starPayments = pgTable(
  'star_payments',
  {
    chargeId: text('charge_id').primaryKey(),
    invoiceId: text('invoice_id')
      .notNull()
      .references(() => invoices.id),
    botId: text('bot_id').notNull(),
    chatId: text('chat_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    telegramUserId: bigint('telegram_user_id', { mode: 'number' }).notNull(),
    stars: integer('stars').notNull(),
    credits: bigint('credits', { mode: 'number' }).notNull(),
    status: paymentStatus('status').notNull().default('paid'),
    /** The refund holding or done (`purchase_refund:<refundId>` in the ledger). */
    refundId: text('refund_id'),
    /** Credits the refund took back: all of them for the API's; for Telegram's own, what the balance had. */
    refundedCredits: bigint('refunded_credits', { mode: 'number' }).notNull().default(0),
    /** `api` (POST /api/payments/:chargeId/refund) or `telegram` (a refunded_payment it reported). */
    refundSource: text('refund_source'),
    refundedAt: timestamp('refunded_at', { withTimezone: true }),
    /** When the chat took the payment (resumed its run or told the user): a redelivery is then silent. */
    handledAt: timestamp('handled_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('star_payments_user').on(t.userId, t.createdAt), index('star_payments_invoice').on(t.invoiceId)],
);
