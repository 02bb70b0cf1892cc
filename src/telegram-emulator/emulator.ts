import { EventEmitter } from 'node:events';
import type { ReplyKeyboardMarkup, User } from 'telegraf/types';
import { AwaitableLog } from './awaitable-log';
import { emulatedMethodNames, findMethod } from './bot-api';
import type { BotApiContext, EmulatorControl } from './context';
import { botIdFromToken, generateToken } from './bot-token';
import type { Conversation } from './conversation';
import { EmulatedBot, type PollStats } from './emulated-bot';
import { EmulatedUser } from './emulated-user';
import { BotApiError, EmulatorUsageError, UnknownBotError } from './errors';
import { FaultPlan } from './fault-plan';
import { serveEmulator } from './http-app';
import { chatIdParam } from './request-params';
import { PRE_CHECKOUT_TIMEOUT_MS, type CheckoutVerdict, type StarCharge } from './stars';
import type {
  ApiParams,
  ApiResponse,
  BotIdentity,
  BotRef,
  CallbackAnswer,
  CallFilter,
  CallMatcher,
  CallTransport,
  ChatMessage,
  Clock,
  CreateBotOptions,
  DeliveryAttempt,
  EmulatorEvents,
  EmulatorOptions,
  Fault,
  FaultScope,
  InjectedUpdate,
  QueuedUpdate,
  RawUpdate,
  RecordedCall,
  RunningEmulator,
  StartOptions,
  UserProfile,
} from './types';
import { WebhookSender, type WebhookConfig } from './webhook-delivery';

/** Bot ids the emulator makes up start here, clear of the user ids below. */
const FIRST_GENERATED_BOT_ID = 7_000_000_000;
const FIRST_GENERATED_USER_ID = 100_000_000;
const DEFAULT_WAIT_MS = 5000;

function callMatches(matcher: CallMatcher, call: RecordedCall, botId: (ref: BotRef) => number | undefined): boolean {
  if (typeof matcher === 'function') return matcher(call);
  const { bot, method, chatId }: CallFilter = matcher;
  return (
    (bot === undefined || call.bot === botId(bot)) &&
    (method === undefined || call.method.toLowerCase() === method.toLowerCase()) &&
    (chatId === undefined || chatIdParam(call.params) === chatId)
  );
}

function describeCall(call: RecordedCall): string {
  return call.response.ok ? call.method : `${call.method} (${call.response.error_code})`;
}

function describeAttempt(attempt: DeliveryAttempt): string {
  return `update ${attempt.updateId} try ${attempt.attempt}: ${attempt.status ?? attempt.error ?? ''}`;
}

/**
 * Telegram's Bot API for any number of bots, and the people who talk to them. Bots reach it over
 * HTTP (start() gives the apiRoot for telegraf); tests play users with user(), inject faults with
 * failNext(), and read what the bots did with calls(), messages() and waitFor().
 *
 * Events: 'call' after every Bot API call, 'update' for every update handed to a bot, 'delivery'
 * for every webhook try.
 */
export class TelegramEmulator extends EventEmitter<EmulatorEvents> implements EmulatorControl {
  private readonly clock: Clock;
  private readonly delivery: { retryDelayMs: number; maxAttempts: number; timeoutMs: number };
  private readonly botsById = new Map<number, EmulatedBot>();
  private readonly users = new Map<number, User>();
  private readonly faults = new FaultPlan();
  private readonly callLog = new AwaitableLog<RecordedCall>('call', describeCall);
  private readonly deliveryLog = new AwaitableLog<DeliveryAttempt>('webhook delivery', describeAttempt);
  private lastBotId = FIRST_GENERATED_BOT_ID;
  private lastUserId = FIRST_GENERATED_USER_ID;
  private lastCallbackQueryNumber = 0;
  private lastPreCheckoutNumber = 0;
  private lastChargeNumber = 0;
  private readonly preCheckoutTimeoutMs: number;

  constructor(options: EmulatorOptions = {}) {
    super();
    this.clock = options.clock ?? Date.now;
    this.delivery = {
      retryDelayMs: options.webhookRetryDelayMs ?? 500,
      maxAttempts: options.webhookMaxAttempts ?? 5,
      timeoutMs: options.webhookTimeoutMs ?? 60_000,
    };
    this.preCheckoutTimeoutMs = options.preCheckoutTimeoutMs ?? PRE_CHECKOUT_TIMEOUT_MS;
  }

  /** Registers a bot. Registering a token again returns the bot already there, so a simulator page can reload. */
  createBot(options: CreateBotOptions = {}): BotIdentity {
    const token = options.token ?? generateToken(this.nextBotId());
    const id = botIdFromToken(token);
    if (id === undefined) throw new EmulatorUsageError('a bot token looks like <digits>:<letters, digits, _ or ->');
    const existing = this.botsById.get(id);
    if (existing) {
      if (existing.identity.token !== token) throw new EmulatorUsageError(`bot ${id} already exists with another token`, 409);
      return existing.identity;
    }
    const identity: BotIdentity = { id, token, username: options.username ?? `emulated_${id}_bot` };
    this.botsById.set(id, new EmulatedBot(identity, options.firstName ?? 'Emulated Bot'));
    return identity;
  }

  /**
   * Gives the bot a new token, as BotFather's /revoke does: the old one is refused (401) from now
   * on. Without a token one is made up. Answers the bot's new identity.
   */
  replaceToken(bot: BotRef, token?: string): BotIdentity {
    const target = this.bot(bot);
    const next = token ?? generateToken(target.id);
    if (botIdFromToken(next) !== target.id) throw new EmulatorUsageError(`a token of bot ${target.id} starts with ${target.id}:`);
    target.identity = { ...target.identity, token: next };
    return target.identity;
  }

  /** The bot's getUpdates calls so far: how many, how many run now, and the most at once. */
  polls(bot: BotRef): PollStats {
    return { ...this.bot(bot).polls };
  }

  bots(): BotIdentity[] {
    return [...this.botsById.values()].map((bot) => bot.identity);
  }

  /**
   * A person talking to the bot in a private chat. Without an id a new person is made up; with a
   * known id the person is the same one, with any given fields updated.
   */
  user(bot: BotRef, profile: UserProfile = {}): EmulatedUser {
    const target = this.bot(bot);
    const id = profile.id ?? this.nextUserId();
    const known = this.users.get(id);
    const lastName = profile.lastName ?? known?.last_name;
    const username = profile.username ?? known?.username;
    const user: User = {
      id,
      is_bot: false,
      first_name: profile.firstName ?? known?.first_name ?? `User ${id}`,
      ...(lastName === undefined ? {} : { last_name: lastName }),
      ...(username === undefined ? {} : { username }),
      language_code: profile.languageCode ?? known?.language_code ?? 'en',
    };
    this.users.set(id, user);
    return new EmulatedUser(user, {
      groupId: profile.groupId,
      bot: target,
      now: this.clock,
      post: (update) => this.post(target, update),
      nextCallbackQueryId: () => this.nextCallbackQueryId(),
      nextPreCheckoutQueryId: () => this.nextPreCheckoutQueryId(),
      nextChargeId: () => this.nextChargeId(),
      preCheckoutTimeoutMs: this.preCheckoutTimeoutMs,
      settled: (verdict) => this.emit('checkout', verdict),
    });
  }

  /** Hands the bot an update exactly as given (malformed or duplicate on purpose); update_id is added if missing. */
  injectUpdate(bot: BotRef, update: RawUpdate): QueuedUpdate {
    const target = this.bot(bot);
    const queued: InjectedUpdate = { ...update, update_id: update.update_id ?? target.updates.nextUpdateId() };
    this.post(target, queued);
    return queued;
  }

  /** Posts an earlier update to the webhook again, as Telegram does when it did not see the first answer. */
  async redeliver(bot: BotRef, updateId: number): Promise<DeliveryAttempt[]> {
    const target = this.bot(bot);
    if (!target.webhook) throw new EmulatorUsageError(`bot ${target.id} has no webhook to redeliver to`, 409);
    const update = target.updates.find(updateId);
    if (!update) throw new EmulatorUsageError(`bot ${target.id} has no update ${updateId}`, 404);
    const result = await target.webhook.send(update, true);
    return result.attempts;
  }

  /** The next `times` calls of that method (in that chat, if scoped) fail with the fault instead of running. */
  failNext(bot: BotRef, method: string, fault: Fault, times = 1, scope: FaultScope = {}): void {
    const target = this.bot(bot);
    const known = findMethod(method);
    if (!known) throw new EmulatorUsageError(`no emulated method ${method}; known: ${emulatedMethodNames().join(', ')}`);
    this.faults.add(target.id, known.name, fault, times, scope);
  }

  calls(filter?: CallMatcher): RecordedCall[] {
    const all = this.callLog.all();
    return filter === undefined ? all : all.filter((call) => callMatches(filter, call, this.botIdOf));
  }

  /** The first call matching, already recorded or still to come; rejects with WaitTimeoutError. */
  waitFor(matcher: CallMatcher, timeoutMs = DEFAULT_WAIT_MS): Promise<RecordedCall> {
    return this.callLog.waitFor((call) => callMatches(matcher, call, this.botIdOf), timeoutMs);
  }

  deliveries(filter: { bot?: BotRef; updateId?: number } = {}): DeliveryAttempt[] {
    const botId = filter.bot === undefined ? undefined : this.botIdOf(filter.bot);
    return this.deliveryLog
      .all()
      .filter((a) => (botId === undefined || a.bot === botId) && (filter.updateId === undefined || a.updateId === filter.updateId));
  }

  waitForDelivery(matches: (attempt: DeliveryAttempt) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<DeliveryAttempt> {
    return this.deliveryLog.waitFor(matches, timeoutMs);
  }

  /** The chat as it stands: bot and user messages in order, after edits and deletes. */
  messages(chatId: number, bot?: BotRef): ChatMessage[] {
    return this.findConversation(chatId, bot)?.messages() ?? [];
  }

  /** The reply keyboard the user in that chat currently sees, if any. */
  replyKeyboard(chatId: number, bot?: BotRef): ReplyKeyboardMarkup | undefined {
    return this.findConversation(chatId, bot)?.replyKeyboard;
  }

  /** What the bot answered to that button press: one answer, or none yet. */
  callbackAnswers(callbackQueryId: string): CallbackAnswer[] {
    for (const bot of this.botsById.values()) {
      const issued = bot.callbackQueries.get(callbackQueryId);
      if (issued) return issued.answer ? [issued.answer] : [];
    }
    return [];
  }

  /** The verdict on a purchase attempt (a pre-checkout query id), as it stands now. */
  checkout(queryId: string): CheckoutVerdict {
    for (const bot of this.botsById.values()) {
      const open = bot.checkouts.get(queryId);
      if (open) return { ...open.verdict };
    }
    throw new EmulatorUsageError(`no pre-checkout query ${queryId}`, 404);
  }

  /** The verdict once the purchase attempt is settled (paid, declined or expired). */
  waitForCheckout(queryId: string, timeoutMs = DEFAULT_WAIT_MS + this.preCheckoutTimeoutMs): Promise<CheckoutVerdict> {
    const now = this.checkout(queryId);
    if (now.status !== 'pending') return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const onCheckout = (verdict: CheckoutVerdict) => {
        if (verdict.queryId !== queryId) return;
        clearTimeout(timer);
        this.off('checkout', onCheckout);
        resolve(verdict);
      };
      const timer = setTimeout(() => {
        this.off('checkout', onCheckout);
        reject(new Error(`pre-checkout query ${queryId} was not settled within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('checkout', onCheckout);
    });
  }

  /** Every payment made to the bot, with whether it was refunded. */
  charges(bot: BotRef): StarCharge[] {
    return [...this.bot(bot).charges.values()].map((held) => ({ ...held.charge }));
  }

  /**
   * Runs a Bot API method as Telegram would for that token, records the call and returns the
   * envelope. The HTTP route and webhook replies come through here.
   */
  async callApi(
    token: string,
    methodName: string,
    params: ApiParams = {},
    options: { signal?: AbortSignal; via?: CallTransport } = {},
  ): Promise<ApiResponse> {
    const at = this.clock();
    const botId = botIdFromToken(token);
    const bot = botId === undefined ? undefined : this.botsById.get(botId);
    const method = findMethod(methodName);
    let response: ApiResponse;
    if (!bot || bot.identity.token !== token) response = new BotApiError(401, 'Unauthorized').toResponse();
    else if (!method) response = new BotApiError(404, 'Not Found').toResponse();
    else response = await this.runMethod(bot, method, params, options.signal ?? new AbortController().signal);
    const call: RecordedCall = { bot: botId, method: method?.name ?? methodName, params, at, response, via: options.via ?? 'http' };
    this.callLog.add(call);
    this.emit('call', call);
    return response;
  }

  /** Serves the Bot API and the /emulator control API; close() also ends waiting polls and webhook deliveries. */
  async start(options: StartOptions = {}): Promise<RunningEmulator> {
    const server = await serveEmulator(this, options);
    return {
      apiRoot: server.url,
      close: async () => {
        this.stopBackgroundWork();
        await server.close();
      },
    };
  }

  private async runMethod(
    bot: EmulatedBot,
    method: NonNullable<ReturnType<typeof findMethod>>,
    params: ApiParams,
    signal: AbortSignal,
  ): Promise<ApiResponse> {
    const fault = this.faults.take(bot.id, method.name, params);
    if (fault) return BotApiError.fromFault(fault).toResponse();
    try {
      return { ok: true, result: await method.handler(this.contextFor(bot, signal), params) };
    } catch (error) {
      if (error instanceof BotApiError) return error.toResponse();
      // A bug in the emulator: answered like a Telegram outage, with the cause in the description
      // so that the TelegramError a test sees says what went wrong.
      const cause = error instanceof Error ? error.message : String(error);
      return new BotApiError(500, `Internal Server Error: ${cause}`).toResponse();
    }
  }

  private contextFor(bot: EmulatedBot, signal: AbortSignal): BotApiContext {
    return {
      bot,
      clock: this.clock,
      signal,
      connectWebhook: (config) => this.connectWebhook(bot, config),
      disconnectWebhook: () => this.disconnectWebhook(bot),
    };
  }

  private post(bot: EmulatedBot, update: QueuedUpdate): void {
    const queued = bot.updates.push(update);
    this.emit('update', { bot: bot.id, update });
    if (queued && bot.webhook) void bot.webhook.send(update);
  }

  /**
   * Updates waiting in the queue go to the new webhook first, in order. An update leaves the queue
   * when the webhook takes it or every try failed; one still undelivered when the webhook is
   * removed stays for getUpdates.
   */
  private connectWebhook(bot: EmulatedBot, config: WebhookConfig): void {
    bot.webhook?.stop();
    const sender = new WebhookSender(config, {
      botId: bot.id,
      clock: this.clock,
      ...this.delivery,
      onAttempt: (attempt) => {
        this.deliveryLog.add(attempt);
        this.emit('delivery', attempt);
      },
      onDone: (update) => bot.updates.remove(update.update_id),
      onReply: async (method, params) => {
        await this.callApi(bot.identity.token, method, params, { via: 'webhook-reply' });
      },
    });
    bot.webhook = sender;
    for (const update of bot.updates.pendingUpdates()) void sender.send(update);
  }

  private disconnectWebhook(bot: EmulatedBot): void {
    bot.webhook?.stop();
    bot.webhook = undefined;
  }

  private stopBackgroundWork(): void {
    for (const bot of this.botsById.values()) {
      this.disconnectWebhook(bot);
      bot.updates.releaseReader();
    }
  }

  private findConversation(chatId: number, bot: BotRef | undefined): Conversation | undefined {
    if (bot !== undefined) return this.bot(bot).findConversation(chatId);
    const found = [...this.botsById.values()].flatMap((b) => b.findConversation(chatId) ?? []);
    if (found.length > 1) throw new EmulatorUsageError(`chat ${chatId} exists with ${found.length} bots; name the bot`);
    return found[0];
  }

  private bot(ref: BotRef): EmulatedBot {
    const id = this.botIdOf(ref);
    const bot = id === undefined ? undefined : this.botsById.get(id);
    if (!bot || (typeof ref === 'string' && bot.identity.token !== ref)) throw new UnknownBotError(ref);
    return bot;
  }

  private readonly botIdOf = (ref: BotRef): number | undefined => (typeof ref === 'number' ? ref : botIdFromToken(ref));

  private nextBotId(): number {
    do this.lastBotId += 1;
    while (this.botsById.has(this.lastBotId));
    return this.lastBotId;
  }

  private nextUserId(): number {
    do this.lastUserId += 1;
    while (this.users.has(this.lastUserId));
    return this.lastUserId;
  }

  /** Unique across bots, digits only like Telegram's. */
  private nextPreCheckoutQueryId(): string {
    this.lastPreCheckoutNumber += 1;
    return String(5_000_000_000_000_000n + BigInt(this.lastPreCheckoutNumber));
  }

  private nextChargeId(): string {
    this.lastChargeNumber += 1;
    return `stxemu${String(this.lastChargeNumber).padStart(10, '0')}`;
  }

  /** Unique across bots, digits only like Telegram's. */
  private nextCallbackQueryId(): string {
    this.lastCallbackQueryNumber += 1;
    return String(4_000_000_000_000_000n + BigInt(this.lastCallbackQueryNumber));
  }
}
