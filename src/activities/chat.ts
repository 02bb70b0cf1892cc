import crypto from 'node:crypto';
import { CancelledFailure, Context } from '@temporalio/activity';
import { and, eq, sql } from 'drizzle-orm';
import { ensureChatUser } from '../bots/chat-users';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { analyticsEvents, botVariables, bots, chatStates, flowVersions, flows, users, userVariables } from '../db/schema';
import { applyVariableUpdate, type FlowVersion, type Value, type VariableType } from '../flow';
import { generationSettings } from '../generation/request';
import { fillSecrets, markedSecretNames, maskSecrets } from '../http-node/flow-secrets-fill';
import { performHttpNodeRequest, type HttpNodeRequest, type HttpNodeResponse } from '../http-node/request';
import { readFlowSecrets } from '../bots/flow-secrets';
import type { TokenCipher } from '../bots/token-cipher';
import type { Logger } from '../logger';
import { callbackAnswerLatency, chatEvents, recordFlowSteps, replyLatency } from '../metrics';
import type { AttemptBudget, TelegramGateway } from '../telegram/gateway';
import type { TelegramCall } from '../telegram/outbound';
import { chatOfWorkflowId, generationWorkflowId } from '../temporal/workflow-ids';
import type { ChatStep, ChatVariables } from '../workflows/chat/types';
import type { GenerationInput } from '../workflows/generation';

export interface ChatActivityDeps {
  db: Database;
  logger: Logger;
  telegram: TelegramGateway;
  /** Decrypts flow secrets for HTTP nodes. */
  cipher: TokenCipher;
  config: Pick<
    Config,
    | 'HTTP_NODE_ALLOWLIST'
    | 'GENERATION_PRICES'
    | 'TEMPORAL_TASK_QUEUE'
    | 'GENERATION_HEARTBEAT_TIMEOUT_MS'
    | 'GENERATION_ATTEMPT_TIMEOUT_MS'
    | 'GENERATION_MAX_ATTEMPTS'
  >;
}

export interface ScopedVariable {
  scope: 'user' | 'bot';
  name: string;
  type: VariableType;
  default: Value;
}

/**
 * The chat workflow's side effects. All are idempotent or harmless to repeat, since a local
 * activity may run again when its workflow task is retried.
 */
export function createChatActivities(deps: ChatActivityDeps) {
  const { db, logger, telegram } = deps;
  // Published versions never change, so a version read once is good for the worker's lifetime.
  const versionCache = new Map<string, FlowVersion>();

  async function version(versionId: string): Promise<FlowVersion> {
    const cached = versionCache.get(versionId);
    if (cached) return cached;
    const [row] = await db.select({ definition: flowVersions.definition }).from(flowVersions).where(eq(flowVersions.id, versionId));
    if (!row) throw new Error(`flow version ${versionId} does not exist`);
    versionCache.set(versionId, row.definition as FlowVersion);
    return row.definition as FlowVersion;
  }

  async function restoreChat(botId: string, chatId: string): Promise<{ variables: ChatVariables; blocked: boolean }> {
    const [row] = await db
      .select()
      .from(chatStates)
      .where(and(eq(chatStates.botId, botId), eq(chatStates.chatId, chatId)));
    return { variables: (row?.variables as ChatVariables | undefined) ?? {}, blocked: Boolean(row?.blockedAt) };
  }

  /** One Bot API call; `receivedAt` (of the update being answered) feeds the latency metrics. */
  // `_isGroup` is kept for recorded histories' arguments; the pace follows the target chat's id.
  async function sendTelegram(
    botId: string,
    call: TelegramCall,
    _isGroup: boolean,
    receivedAt: number | null,
  ): Promise<{ messageId?: number }> {
    const context = Context.current();
    // A callback answer carries no chat id; the chat workflow calling this is the chat.
    const chatId = call.method === 'answerCallbackQuery' ? chatOfWorkflowId(context.info.workflowExecution?.workflowId ?? '') : undefined;
    const result = await telegram.call(botId, call, attemptBudget(context), chatId);
    if (receivedAt !== null) {
      const seconds = Math.max(0, Date.now() - receivedAt) / 1000;
      if (call.method === 'answerCallbackQuery') callbackAnswerLatency.observe(seconds);
      else if (call.method !== 'sendChatAction') replyLatency.observe(seconds);
    }
    return result;
  }

  return {
    /**
     * The active version of a flow of the bot (its main flow when `flowId` is null). The
     * definition is returned only when the workflow does not hold it yet (`known`).
     */
    async resolveFlow(botId: string, flowId: string | null, known: string[]): Promise<{ versionId: string | null; flow?: FlowVersion }> {
      const [row] = await db
        .select({ versionId: flows.activeVersionId })
        .from(bots)
        .innerJoin(flows, and(eq(flows.botId, bots.id), eq(flows.id, flowId ?? bots.mainFlowId)))
        .where(eq(bots.id, botId));
      const versionId = row?.versionId ?? null;
      if (!versionId) return { versionId: null };
      return known.includes(versionId) ? { versionId } : { versionId, flow: await version(versionId) };
    },

    async loadFlowVersion(versionId: string): Promise<FlowVersion> {
      return version(versionId);
    },

    restoreChat,

    /**
     * What a run's first input needs, in one local activity instead of three: the chat's saved
     * variables, the sender's user id (null: no sender to look up) and the definition of the flow
     * version the update runs (null: none given).
     */
    async openChat(
      botId: string,
      chatId: string,
      first: { from: { id: number; firstName: string; username: string | null } | null; versionId: string | null },
    ): Promise<{ variables: ChatVariables; blocked: boolean; userId: string | null; flow: FlowVersion | null }> {
      const [saved, userId, flow] = await Promise.all([
        restoreChat(botId, chatId),
        first.from ? ensureChatUser(db, botId, first.from) : null,
        first.versionId ? version(first.versionId) : null,
      ]);
      return { ...saved, userId, flow };
    },

    async saveChat(botId: string, chatId: string, variables: ChatVariables): Promise<void> {
      await db
        .insert(chatStates)
        .values({ botId, chatId, variables })
        .onConflictDoUpdate({ target: [chatStates.botId, chatStates.chatId], set: { variables, updatedAt: sql`now()` } });
    },

    async markChatBlocked(botId: string, chatId: string): Promise<void> {
      await db
        .insert(chatStates)
        .values({ botId, chatId, variables: {}, blockedAt: sql`now()` })
        .onConflictDoUpdate({ target: [chatStates.botId, chatStates.chatId], set: { blockedAt: sql`now()`, updatedAt: sql`now()` } });
      chatEvents.inc({ event: 'chat_blocked' });
      logger.info({ botId, chatId }, 'chat blocked the bot');
    },

    async unblockChat(botId: string, chatId: string): Promise<void> {
      await db
        .update(chatStates)
        .set({ blockedAt: null, updatedAt: sql`now()` })
        .where(and(eq(chatStates.botId, botId), eq(chatStates.chatId, chatId)));
      chatEvents.inc({ event: 'chat_unblocked' });
      logger.info({ botId, chatId }, 'chat came back after blocking the bot');
    },

    /** The user behind a Telegram user of this bot, created on first contact. */
    async ensureChatUser(botId: string, from: { id: number; firstName: string; username: string | null }): Promise<string> {
      return ensureChatUser(db, botId, from);
    },

    /** Current user- and bot-scoped values (defaults where unset or expired at workflow time `now`). */
    async loadScopedVariables(
      botId: string,
      userId: string,
      declared: ScopedVariable[],
      now: number,
    ): Promise<{ user: Record<string, Value>; bot: Record<string, Value> }> {
      const result = { user: {} as Record<string, Value>, bot: {} as Record<string, Value> };
      for (const v of declared) result[v.scope][v.name] = v.default;
      if (declared.length === 0) return result;
      const live = (expiresAt: Date | null) => expiresAt === null || expiresAt.getTime() > now;
      const userRows = await db
        .select()
        .from(userVariables)
        .where(and(eq(userVariables.botId, botId), eq(userVariables.userId, userId)));
      for (const row of userRows) if (row.name in result.user && live(row.expiresAt)) result.user[row.name] = row.value as Value;
      const botRows = await db.select().from(botVariables).where(eq(botVariables.botId, botId));
      for (const row of botRows) if (row.name in result.bot && live(row.expiresAt)) result.bot[row.name] = row.value as Value;
      return result;
    },

    /**
     * Applies action.set to a user or bot variable atomically: the row is locked, so two chats
     * incrementing a shared counter at once both count. Returns the new value.
     */
    async updateScopedVariable(input: {
      botId: string;
      userId: string;
      variable: ScopedVariable;
      op: 'set' | 'increment' | 'append';
      operand: Value;
      expiresAt: number | null;
      now: number;
    }): Promise<Value> {
      const { botId, userId, variable, op, operand, now } = input;
      const expiresAt = input.expiresAt === null ? null : new Date(input.expiresAt);
      return db.transaction(async (tx) => {
        const table = variable.scope === 'user' ? userVariables : botVariables;
        const where =
          variable.scope === 'user'
            ? and(eq(userVariables.botId, botId), eq(userVariables.userId, userId), eq(userVariables.name, variable.name))
            : and(eq(botVariables.botId, botId), eq(botVariables.name, variable.name));
        const [row] = await tx.select().from(table).where(where).for('update');
        const current = row && (row.expiresAt === null || row.expiresAt.getTime() > now) ? (row.value as Value) : variable.default;
        const next = applyVariableUpdate(variable.type, op, current, operand);
        if (variable.scope === 'user') {
          await tx
            .insert(userVariables)
            .values({ botId, userId, name: variable.name, value: next, expiresAt })
            .onConflictDoUpdate({
              target: [userVariables.botId, userVariables.userId, userVariables.name],
              set: { value: next, expiresAt, updatedAt: sql`now()` },
            });
        } else {
          await tx
            .insert(botVariables)
            .values({ botId, name: variable.name, value: next, expiresAt })
            .onConflictDoUpdate({
              target: [botVariables.botId, botVariables.name],
              set: { value: next, expiresAt, updatedAt: sql`now()` },
            });
        }
        return next;
      });
    },

    sendTelegram,

    /**
     * A press's answer and the reply it led to, in one local activity: one workflow activation less
     * per press. Only the first try answers (a retry is for the reply, and the answer went out or
     * was refused then); a refused answer is logged and never fails the reply.
     */
    async answerAndSend(
      botId: string,
      answer: TelegramCall,
      call: TelegramCall,
      isGroup: boolean,
      receivedAt: number | null,
    ): Promise<{ messageId?: number }> {
      if (Context.current().info.attempt === 1) {
        try {
          await sendTelegram(botId, answer, isGroup, receivedAt);
        } catch (err) {
          logger.info({ botId, err: err instanceof Error ? err.message : String(err) }, 'callback answer refused');
        }
      }
      return sendTelegram(botId, call, isGroup, receivedAt);
    },

    /** Node executions and their durations, per bot and node type, from one input's steps (histories before the metrics sink). */
    async recordStepMetrics(botId: string, steps: ChatStep[]): Promise<void> {
      recordFlowSteps(botId, steps);
    },

    /** Counts something the workflow noticed (histories before the metrics sink). */
    async countChatMetric(name: 'duplicate_update' | 'flood_dropped'): Promise<void> {
      chatEvents.inc({ event: name });
    },

    async httpRequest(request: HttpNodeRequest): Promise<HttpNodeResponse> {
      // Flow secrets are filled in here, at the last moment, and masked in what comes back.
      const names = markedSecretNames(request);
      const values =
        request.secrets && names.length > 0
          ? await readFlowSecrets(db, deps.cipher, request.secrets.botId, names)
          : new Map<string, string>();
      const missing = names.filter((name) => !values.has(name));
      if (missing.length > 0) return { ok: false, status: null, error: `flow secret ${missing.join(', ')} is not set for this bot` };
      const response = maskSecrets(await performHttpNodeRequest(fillSecrets(request, values), deps.config.HTTP_NODE_ALLOWLIST), values);
      logger.info({ method: request.method, host: safeHost(request.url), ok: response.ok, status: response.status }, 'flow HTTP request');
      return response;
    },

    /** One row per (workflow run, step): a retried activity records its event once. */
    async recordAnalytics(input: {
      botId: string;
      chatId: string;
      userId: string;
      event: string;
      properties: Record<string, Value>;
      step: string;
    }): Promise<void> {
      const { workflowExecution } = Context.current().info;
      await db
        .insert(analyticsEvents)
        .values({
          botId: input.botId,
          chatId: input.chatId,
          userId: input.userId,
          event: input.event,
          properties: input.properties,
          dedupeKey: `${workflowExecution?.runId ?? 'standalone'}:${input.step}`,
        })
        .onConflictDoNothing();
    },

    async readBalance(userId: string): Promise<number> {
      const [user] = await db.select({ balance: users.balance }).from(users).where(eq(users.id, userId));
      return user?.balance ?? 0;
    },

    /** The child workflow's id and input for an action.generation node; the price comes from configuration. */
    async prepareGeneration(input: {
      botId: string;
      chatId: string;
      userId: string;
      kind: string;
      prompt: string;
      key: string;
    }): Promise<{ workflowId: string; input: GenerationInput; taskQueue: string } | { unknownKind: string }> {
      const settings = generationSettings(deps.config as Config);
      const cost = settings.prices[input.kind];
      if (cost === undefined) return { unknownKind: input.kind };
      const workflowId = generationWorkflowId(input.userId, input.key);
      const requestHash = crypto
        .createHash('sha256')
        .update(JSON.stringify([input.userId, input.kind, input.prompt]))
        .digest('hex');
      return {
        workflowId,
        taskQueue: settings.taskQueue,
        input: {
          job: {
            id: workflowId,
            userId: input.userId,
            kind: input.kind,
            prompt: input.prompt,
            params: {},
            cost,
            idempotencyKey: input.key,
            requestHash,
            botId: input.botId,
            chatId: input.chatId,
          },
          policy: settings.policy,
        },
      };
    },
  };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}

export type ChatActivities = ReturnType<typeof createChatActivities>;

/**
 * The time an attempt may wait for its send slot: what is left of its start-to-close timeout,
 * less a margin for the call itself. Context.sleep rejects when the attempt is cancelled (a local
 * activity that times out is cancelled), so a late attempt never sends.
 */
function attemptBudget(context: Context): AttemptBudget {
  const { startToCloseTimeoutMs, currentAttemptScheduledTimestampMs } = context.info;
  const left = currentAttemptScheduledTimestampMs + startToCloseTimeoutMs - Date.now();
  return {
    maxWaitMs: Math.max(0, left - Math.min(5_000, startToCloseTimeoutMs / 4)),
    async sleep(ms) {
      await context.sleep(ms);
      if (context.cancellationSignal.aborted) throw new CancelledFailure('cancelled while waiting for a send slot');
    },
  };
}
