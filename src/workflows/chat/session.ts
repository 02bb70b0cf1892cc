import { log } from '@temporalio/workflow';
import type { ScopedVariable } from '../../activities/chat';
import { renderTemplate } from '../../flow/expression';
import type { NodeType } from '../../flow/nodes';
import { NEXT } from '../../flow/next-handle';
import type { FlowNode, FlowVersion, VariableDeclaration } from '../../flow/schema';
import {
  applyVariableUpdate,
  jsonBytes,
  MAX_CHAT_VARIABLES_BYTES,
  MAX_KNOWN_USERS,
  MAX_RUN_VARIABLES_BYTES,
  MAX_VALUE_BYTES,
} from '../../flow/variables';
import { telegramErrors } from '../../telegram/failure-types';
import type { TelegramCall } from '../../telegram/outbound';
import { describe, failureType, local } from './activities';
import { chatMetrics } from './metrics-sink';
import { dueParkedMember, earliestUntil, switchToMember } from './member-runs';
import { lean, since } from './patches';
import { handlerOf, type NodeRuntime, type Outcome, type TriggerMatch } from './nodes';
import { chatValuesWithDefaults, declaredIn, expressionScope, initialRunValues, liveChatValues, redact } from './scope';
import type {
  ChatInput,
  ChatMessage,
  ChatSnapshot,
  ChatState,
  ChatStep,
  ExternalEvent,
  InboundUpdate,
  InputContext,
  RestartRequest,
  RunFrame,
  RunState,
  Value,
} from './types';

/** Nodes one input may run before the run is stopped; the validator already forbids busy loops. */
const MAX_STEPS_PER_INPUT = 500;
/** How many recent update ids are remembered to drop Telegram's redeliveries. */
const SEEN_UPDATES = 500;
const FLOOD_WINDOW_MS = 60_000;
/** Steps kept in state for the timeline and the live stream. */
const KEPT_STEPS = 200;
const DEFAULT_IDLE_MS = 24 * 60 * 60 * 1000;

/**
 * Nodes that do nothing slow before their first send (or send nothing): a press's answer may wait
 * for them and go out with the reply. Any other node (an HTTP call, a generation, a wait, a
 * notification to another chat) gets the answer sent first, so Telegram's spinner never waits on it.
 */
const ANSWER_MAY_WAIT_FOR: ReadonlySet<NodeType> = new Set<NodeType>([
  'trigger.command',
  'trigger.text',
  'trigger.callback',
  'trigger.event',
  'message.text',
  'message.edit',
  'message.delete',
  'logic.condition',
  'logic.switch',
  'logic.jump',
  'logic.end',
  'action.set',
]);

class ChatBlocked extends Error {}

class VariableTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VariableTooLargeError';
  }
}

/**
 * One chat's conversation: the state carried between updates and the interpreter of its flow.
 * The workflow feeds it one input at a time; it never runs two at once.
 */
export class ChatSession implements NodeRuntime {
  readonly state: ChatState;
  blocked = false;
  private readonly flows = new Map<string, FlowVersion>();
  private readonly nodeIndex = new Map<string, Map<string, FlowNode>>();
  private scoped: { user: Record<string, Value>; bot: Record<string, Value> } = { user: {}, bot: {} };
  private idleMs = DEFAULT_IDLE_MS;
  private debounceWindow = 0;
  private lastActivityAt: number;
  private steps = 0;
  /** The button that cancels the paid job now running, if the node offers one. */
  private jobCancel: { data: string; cancel: () => void } | null = null;
  /** A press's answer waiting to go out with the first reply to it (see dispatch). */
  private pendingAnswer: { call: TelegramCall; receivedAt: number } | null = null;
  /** The active flow version as last resolved, for toasts of presses answered early. */
  private lastActiveVersion: string | null = null;

  constructor(private readonly input: ChatInput) {
    this.state = input.state ?? {
      chat: {},
      run: null,
      seenUpdateIds: [],
      seenEventIds: [],
      users: {},
      sentBy: {},
      flood: { windowStart: 0, count: 0, noticeSent: false },
      restored: false,
      steps: [],
      lastSeq: 0,
    };
    this.lastActivityAt = Date.now();
  }

  get botId(): string {
    return this.input.botId;
  }
  get chatId(): string {
    return this.input.chatId;
  }
  private get isGroup(): boolean {
    return this.input.chatType !== 'private';
  }

  onPressDuringJob(data: string, cancel: () => void): () => void {
    this.jobCancel = { data, cancel };
    return () => {
      this.jobCancel = null;
    };
  }

  /**
   * A press seen by the signal handler while a paid job runs: its cancel button cancels the job
   * at once (the press itself is still taken in its turn, like any other).
   */
  pressedDuringJob(data: string): void {
    if (this.jobCancel?.data !== data) return;
    const { cancel } = this.jobCancel;
    this.jobCancel = null;
    cancel();
  }

  /** Nodes run so far for the current input. */
  get stepCount(): number {
    return this.steps;
  }

  /**
   * Loads chat variables saved when the conversation last went idle, and with them (one local
   * activity) what the run's first update will need: its sender's user id and its flow version.
   * Histories from before (no marker) loaded the variables alone.
   */
  async restore(first: ChatMessage | undefined): Promise<void> {
    if (this.state.restored) return;
    if (lean()) {
      // A membership change (block, unblock) looks up no user.
      const update = first?.kind === 'update' && first.update.membership === undefined ? first.update : undefined;
      const opened = await local.openChat(this.botId, this.chatId, {
        from: update ? { id: update.from.id, firstName: update.from.firstName, username: update.from.username } : null,
        versionId: update?.activeVersionId ?? null,
      });
      this.state.chat = opened.variables;
      this.blocked = opened.blocked;
      if (update && opened.userId) this.state.users[String(update.from.id)] = opened.userId;
      if (update?.activeVersionId && opened.flow) this.remember(update.activeVersionId, opened.flow);
    } else {
      const saved = await local.restoreChat(this.botId, this.chatId);
      this.state.chat = saved.variables;
      this.blocked = saved.blocked;
    }
    this.state.restored = true;
  }

  /** Saves chat variables so the next update, in a new execution, resumes from them. */
  async persist(): Promise<void> {
    await local.saveChat(this.botId, this.chatId, this.state.chat);
  }

  /** The workflow time at which something is due: a wait's timeout, a delay, or going idle. */
  nextWake(): number {
    const until = earliestUntil(this.state);
    const idleAt = this.lastActivityAt + this.idleMs;
    if (until === null || until === undefined) return idleAt;
    if (until > idleAt && this.timersOutliveIdleness()) return until;
    return Math.min(until, idleAt);
  }

  timerDue(now: number): boolean {
    const until = earliestUntil(this.state);
    return until !== null && until !== undefined && now >= until;
  }

  /** Quiet for the idle timeout, with no timer of the run still to fire. */
  idle(now: number): boolean {
    if (now < this.lastActivityAt + this.idleMs) return false;
    const until = earliestUntil(this.state);
    return until === null || until === undefined || until <= now || !this.timersOutliveIdleness();
  }

  /**
   * A pending delay or wait timeout keeps the chat running past its idle timeout (up to the 30
   * days a node allows; continue-as-new keeps the history short meanwhile). Histories recorded
   * before (no marker) went idle first and dropped the run; they replay that way.
   */
  private timersOutliveIdleness(): boolean {
    return since('timers-outlive-idleness');
  }

  snapshot(queued: number): ChatSnapshot {
    const run = this.state.run;
    const frame = run?.frames[run.frames.length - 1];
    return {
      botId: this.botId,
      chatId: this.chatId,
      status: this.blocked ? 'blocked' : !run ? 'idle' : run.suspended.kind === 'wait' ? 'waiting' : 'delayed',
      flowVersionId: frame?.flowVersionId ?? null,
      currentNode: run?.suspended.nodeId ?? null,
      waitingUntil: run?.suspended.until ?? null,
      variables: { run: redact(frame?.run ?? {}), chat: redact(liveChatValues(this.state.chat, Date.now())) },
      queued,
    };
  }

  /** Whether this update was handled already (Telegram redelivers after errors and timeouts). */
  seen(updateId: number): boolean {
    return this.state.seenUpdateIds.includes(updateId);
  }

  /** The active flow's debounce window, as last seen. */
  debounceMs(): number {
    return this.debounceWindow;
  }

  /**
   * Handles one Telegram update (with the ids of updates merged into it by the debounce):
   * duplicates and floods are dropped, callbacks always answered.
   */
  async handleUpdate(update: InboundUpdate, mergedIds: number[] = []): Promise<void> {
    if (this.seen(update.updateId)) {
      log.info('dropping a repeated update', { updateId: update.updateId });
      await this.count('duplicate_update');
      return;
    }
    pruneExpired(this.state.chat, Date.now());
    this.state.seenUpdateIds.push(update.updateId, ...mergedIds);
    while (this.state.seenUpdateIds.length > SEEN_UPDATES) this.state.seenUpdateIds.shift();
    this.lastActivityAt = Date.now();

    if (update.membership !== undefined) {
      await this.handleMembership(update.membership);
      return;
    }

    // Money is never flood-dropped: a payment is credited (and a refund booked) in any case.
    if (update.payment || update.refundedPayment) {
      await this.guard(() => this.handlePayment(update));
      return;
    }

    await this.guard(async () => {
      // Telegram shows a spinner until a press is answered, so every press is answered, first
      // thing. Since the toast was added, "first" means once the node taking it is known;
      // histories from before (no patch marker) answered before anything else.
      const answerWithToast = update.callback !== null && since('callback-toast');
      if (update.callback && !answerWithToast) await this.answerCallback(update.callback, update.receivedAt);
      if (this.flooding()) {
        if (update.callback && answerWithToast) await this.answerCallback(update.callback, update.receivedAt);
        await this.count('flood_dropped');
        if (!this.state.flood.noticeSent) {
          this.state.flood.noticeSent = true;
          await this.send({ method: 'sendMessage', chatId: this.chatId, text: 'You are sending messages too fast. Please wait a minute.' });
        }
        return;
      }
      await this.dispatch(update, answerWithToast);
    });
  }

  /**
   * The user blocked the bot (or a group removed it): the run ends and the chat rests until they
   * come back. Unblocking while the chat still runs needs nothing more than noting it.
   */
  private async handleMembership(membership: 'member' | 'left'): Promise<void> {
    if (membership === 'member') {
      this.record('input', null, 'the bot was unblocked or added');
      return;
    }
    this.record('blocked', null, 'the user blocked the bot or the group removed it');
    this.blocked = true;
    this.state.run = null;
    if (this.state.memberRuns) this.state.memberRuns = {};
    await local.markChatBlocked(this.botId, this.chatId);
  }

  /**
   * A Stars payment Telegram confirmed: credited once per charge id (an idempotent activity, so a
   * redelivered update or a retried task adds nothing), then the run waiting for this invoice takes
   * `paid`; when no run waits for it (it timed out, or moved on) the user is told instead – once:
   * a later delivery finds the payment handled. A refunded_payment is booked the same way.
   */
  private async handlePayment(update: InboundUpdate): Promise<void> {
    if (update.refundedPayment) {
      const { chargeId } = update.refundedPayment;
      const booked = await local.bookTelegramRefund(chargeId);
      this.record('input', null, `payment ${chargeId} refunded by Telegram: ${booked.status}`);
      if (booked.status === 'booked' && booked.takenBack > 0) {
        await this.send({
          method: 'sendMessage',
          chatId: this.chatId,
          text: `Your payment was refunded; ${booked.takenBack} credits were taken back.`,
        });
      }
      return;
    }
    const paid = update.payment;
    if (!paid) return;
    const outcome = await local.creditPurchase({
      botId: this.botId,
      chatId: this.chatId,
      telegramUserId: update.from.id,
      chargeId: paid.chargeId,
      invoiceId: paid.invoiceId,
      currency: paid.currency,
      stars: paid.stars,
    });
    if (outcome.status === 'unknown-invoice') {
      this.record('error', null, `payment ${paid.chargeId} is for no invoice of this bot: not credited`);
      return;
    }
    this.record('input', null, `payment of ${outcome.stars} Stars: ${outcome.credits} credits`);
    const userId = await this.userFor(update.from);
    if (this.isGroup) switchToMember(this.state, userId);
    const run = this.state.run;
    if (run && run.suspended.kind === 'wait' && run.suspended.invoiceId === outcome.invoiceId) {
      const { credits, stars, balance, chargeId } = outcome;
      run.context = { ...run.context, payment: { credits, stars, balance, chargeId }, receivedAt: update.receivedAt };
      await local.markPaymentHandled(chargeId);
      await this.loadScoped(run.userId);
      await this.advance(run.suspended.nodeId, 'paid');
      return;
    }
    if (outcome.handled) return;
    // Told first, marked after: a task retried in between tells twice rather than never.
    await this.send({
      method: 'sendMessage',
      chatId: this.chatId,
      text: `Payment received: ${outcome.credits} credits added. Your balance: ${outcome.balance} credits.`,
    });
    await local.markPaymentHandled(outcome.chargeId);
  }

  /** The user is back after a block (a message, a press, an unblock, an operator's restart). */
  async unblock(): Promise<void> {
    await local.unblockChat(this.botId, this.chatId);
    this.blocked = false;
    this.record('input', null, 'the user is back: the block is lifted');
  }

  /** Handles an external event delivered through the API: it starts the matching trigger.event. */
  async handleEvent(event: ExternalEvent): Promise<void> {
    if (this.state.seenEventIds.includes(event.eventId)) {
      log.info('dropping a repeated event', { eventId: event.eventId });
      return;
    }
    this.state.seenEventIds.push(event.eventId);
    while (this.state.seenEventIds.length > SEEN_UPDATES) this.state.seenEventIds.shift();
    this.lastActivityAt = Date.now();
    await this.guard(async () => {
      const active = await this.activeFlow(null);
      if (!active) return;
      const trigger = active.flow.nodes.find((n) => n.type === 'trigger.event' && n.data.name === event.name);
      if (!trigger) {
        log.info('no trigger for event', { name: event.name });
        return;
      }
      const named = await this.namedUser(event.userId);
      const context = this.state.run?.context ?? emptyContext(this.chatId, active.flow);
      const userId = named ?? this.state.run?.userId ?? Object.values(this.state.users)[0] ?? (await this.privateChatUser());
      if (!userId) {
        log.info('event for a chat with no known user', { name: event.name });
        return;
      }
      await this.startRun(active.versionId, active.flow, trigger.id, context, userId, { name: event.name, payload: event.payload });
    });
  }

  /**
   * The user an event or a restart names (by Telegram id), made the current member in a group:
   * their run is the one started or replaced, and they are the one charged.
   */
  private async namedUser(telegramUserId: number | undefined): Promise<string | undefined> {
    if (telegramUserId === undefined) return undefined;
    const userId = await this.userFor({
      id: telegramUserId,
      firstName: `user ${telegramUserId}`,
      lastName: null,
      username: null,
      languageCode: null,
    });
    if (this.isGroup) switchToMember(this.state, userId);
    return userId;
  }

  /**
   * In a private chat the user is the chat (same id), so an event can reach a chat that has not
   * written yet. Histories from before (no marker) ignored such an event.
   */
  private async privateChatUser(): Promise<string | undefined> {
    if (this.isGroup || !since('event-user-of-private-chat')) return undefined;
    return this.userFor({ id: Number(this.chatId), firstName: `user ${this.chatId}`, lastName: null, username: null, languageCode: null });
  }

  /** Resumes the run whose wait timed out or whose delay passed. */
  async handleTimer(): Promise<void> {
    const due = dueParkedMember(this.state, Date.now());
    if (due !== undefined) switchToMember(this.state, due);
    const run = this.state.run;
    if (!run) return;
    await this.guard(async () => {
      const { suspended } = run;
      await this.loadScoped(run.userId);
      await this.advance(suspended.nodeId, suspended.kind === 'wait' ? 'timeout' : NEXT);
    });
  }

  /** Steps after `afterSeq`, oldest first. */
  stepsAfter(afterSeq: number): ChatStep[] {
    return this.state.steps.filter((step) => step.seq > afterSeq);
  }

  record(kind: ChatStep['kind'], node: FlowNode | null, detail: string, startedAt = Date.now()): void {
    this.state.lastSeq += 1;
    this.state.steps.push({
      seq: this.state.lastSeq,
      at: startedAt,
      kind,
      nodeId: node?.id ?? null,
      nodeType: node?.type ?? null,
      detail,
      durationMs: Date.now() - startedAt,
    });
    if (this.state.steps.length > KEPT_STEPS) this.state.steps.shift();
  }

  /**
   * An operator's restart: the current run is dropped and a new one starts at the chosen node of
   * the active flow, or at its first command trigger.
   */
  async handleRestart(restart: RestartRequest): Promise<void> {
    this.lastActivityAt = Date.now();
    await this.guard(async () => {
      const active = await this.activeFlow(null);
      const named = await this.namedUser(restart.userId);
      const userId = named ?? this.state.run?.userId ?? Object.values(this.state.users)[0] ?? (await this.privateChatUser());
      if (!active || !userId) {
        this.record('error', null, 'restart ignored: no active flow or no known user');
        return;
      }
      const start = restart.nodeId ?? active.flow.nodes.find((n) => n.type === 'trigger.command')?.id;
      const node = start === undefined ? undefined : active.flow.nodes.find((n) => n.id === start);
      if (!node) {
        this.record('error', null, `restart ignored: no node ${restart.nodeId ?? '(first command)'}`);
        return;
      }
      this.record('input', node, `restart from ${node.id}`);
      const context = this.state.run?.context ?? emptyContext(this.chatId, active.flow);
      this.state.run = {
        frames: [
          { flowVersionId: active.versionId, run: initialRunValues(active.flow), event: { name: null, payload: null }, returnTo: null },
        ],
        suspended: { nodeId: node.id, kind: 'wait', until: null },
        context,
        userId,
      };
      await this.loadScoped(userId);
      // A trigger continues after itself; any other node runs itself first.
      if (node.type.startsWith('trigger.')) await this.advance(node.id, NEXT);
      else await this.advanceAt(node.id);
    });
  }

  /** Runs `body`, turning failures into a stopped run (logged) rather than a stuck chat. */
  private async guard(body: () => Promise<void>): Promise<void> {
    this.steps = 0;
    const firstSeq = this.state.lastSeq;
    try {
      await body();
    } catch (err) {
      if (isTemporalControl(err)) throw err;
      if (err instanceof ChatBlocked) {
        this.record('blocked', null, 'the user blocked the bot');
        this.blocked = true;
        this.state.run = null;
        await local.markChatBlocked(this.botId, this.chatId);
      } else {
        log.warn('the run stopped on an error', { error: describe(err), node: this.state.run?.suspended.nodeId });
        this.record('error', null, `run stopped: ${describe(err)}`);
        this.state.run = null;
      }
    }
    await this.flushAnswer();
    // Each input's steps go to the worker's metrics through the sink. Histories recorded before it
    // reported them with one local activity per input, or before that not at all (the markers tell).
    const steps = this.stepsAfter(firstSeq);
    if (steps.length === 0) return;
    if (lean()) chatMetrics.steps(this.botId, steps);
    else if (since('step-metrics')) await local.recordStepMetrics(this.botId, steps);
  }

  /** Counts something noticed, through the sink (histories from before it: a local activity). */
  private async count(name: 'duplicate_update' | 'flood_dropped'): Promise<void> {
    if (lean()) chatMetrics.count(name);
    else await local.countChatMetric(name);
  }

  private flooding(): boolean {
    const now = Date.now();
    const flood = this.state.flood;
    if (now - flood.windowStart >= FLOOD_WINDOW_MS) {
      flood.windowStart = now;
      flood.count = 0;
      flood.noticeSent = false;
    }
    flood.count += 1;
    return flood.count > this.input.floodLimitPerMinute;
  }

  private async dispatch(update: InboundUpdate, answerCallback: boolean): Promise<void> {
    this.record('input', null, describeUpdate(update));
    const userId = await this.userFor(update.from);
    if (this.isGroup) switchToMember(this.state, userId);
    const active = await this.activeFlowOf(update);
    const context = contextOf(update, active?.flow);
    if (answerCallback && update.callback) {
      const toast = this.toastFor(update, active?.flow, context);
      // The answer travels with the first reply (one local activity for both), or alone before any
      // step that may take long, or at the end of the input. Histories from before (no marker)
      // answered here.
      if (lean()) this.deferAnswer(update.callback, update.receivedAt, toast);
      else await this.answerCallback(update.callback, update.receivedAt, toast);
    }
    // A command always starts its trigger, even mid-conversation (/start must always work).
    if (update.command && active && (await this.tryTrigger(active, update, context, userId))) return;
    if (this.state.run?.suspended.kind === 'wait' && (await this.tryResume(update, context))) return;
    if (!update.command && active && (await this.tryTrigger(active, update, context, userId))) return;
    log.info('update matched no trigger and no wait', { updateId: update.updateId });
  }

  private async tryTrigger(
    active: { versionId: string; flow: FlowVersion },
    update: InboundUpdate,
    context: InputContext,
    userId: string,
  ): Promise<boolean> {
    for (const node of active.flow.nodes) {
      let match: ReturnType<typeof triggerMatch>;
      try {
        match = triggerMatch(node, update);
      } catch (err) {
        // A pattern published before the current rules (see nodes/patterns.ts) never matches.
        this.record('error', node, describe(err));
        continue;
      }
      if (!match) continue;
      context.message.match = match.groups;
      context.message.args = match.args ?? context.message.args;
      await this.startRun(active.versionId, active.flow, node.id, context, userId, { name: null, payload: null });
      return true;
    }
    return false;
  }

  private async startRun(
    versionId: string,
    flow: FlowVersion,
    triggerId: string,
    context: InputContext,
    userId: string,
    event: RunFrame['event'],
  ): Promise<void> {
    this.idleMs = flow.settings.idleTimeoutMs;
    this.state.run = {
      frames: [{ flowVersionId: versionId, run: initialRunValues(flow), event, returnTo: null }],
      suspended: { nodeId: triggerId, kind: 'wait', until: null },
      context,
      userId,
    };
    await this.loadScoped(userId);
    await this.advance(triggerId, NEXT);
  }

  /** Offers the update to the node the run waits at; false when that wait does not take it. */
  private async tryResume(update: InboundUpdate, context: InputContext): Promise<boolean> {
    const run = this.state.run as RunState;
    const node = this.node(this.frame().flowVersionId, run.suspended.nodeId);
    const resume = node && handlerOf(node).resume;
    if (!node || !resume) return false;
    const taken = await resume(node, update, { ...context, from: run.context.from }, this);
    if (taken === 'not-mine') return false;
    if (taken === 'advance') await this.advance(node.id, NEXT);
    return true;
  }

  /** Runs the flow from the node after `fromId`'s `handle` until it waits, pauses or ends. */
  private async advance(fromId: string, handle: string): Promise<void> {
    await this.advanceAt(this.edgeTarget(fromId, handle));
  }

  /** Runs the flow from node `target` (null: the frame ends) until it waits, pauses or ends. */
  private async advanceAt(first: string | null): Promise<void> {
    let target = first;
    for (;;) {
      const run = this.state.run;
      if (!run) return;
      if (target === null) {
        const finished = run.frames.pop() as RunFrame;
        if (run.frames.length === 0 || finished.returnTo === null) {
          this.state.run = null;
          return;
        }
        await this.loadScoped(run.userId);
        target = finished.returnTo;
        continue;
      }
      if (++this.steps > MAX_STEPS_PER_INPUT) throw new Error(`more than ${MAX_STEPS_PER_INPUT} nodes for one input`);
      const node = this.node(this.frame().flowVersionId, target);
      if (!node) throw new Error(`node ${target} does not exist`);
      if (this.pendingAnswer && !ANSWER_MAY_WAIT_FOR.has(node.type)) await this.flushAnswer();
      run.suspended = { nodeId: node.id, kind: 'wait', until: null };
      const started = Date.now();
      let outcome: Outcome;
      try {
        outcome = await this.execute(node);
      } catch (err) {
        if (!(err instanceof ChatBlocked) && !isTemporalControl(err)) this.record('error', node, describe(err), started);
        throw err;
      }
      this.record('node', node, describeOutcome(outcome), started);
      if ('suspend' in outcome) {
        run.suspended = outcome.suspend;
        return;
      }
      if ('end' in outcome) target = null;
      else if ('jump' in outcome) target = outcome.jump;
      else if ('enter' in outcome) {
        run.frames.push(outcome.enter);
        await this.loadScoped(run.userId);
        target = this.edgeTarget(outcome.at, NEXT);
      } else target = this.edgeTarget(node.id, outcome.handle);
    }
  }

  /** One node: each kind does exactly what docs/flows.md says it does (see nodes/). */
  private execute(node: FlowNode): Promise<Outcome> {
    return handlerOf(node).execute(node, this);
  }

  async setVariable(ref: string, op: 'set' | 'increment' | 'append', operand: Value): Promise<void> {
    const [scope, name] = splitRef(ref);
    const flow = this.flow();
    const declared = flow.variables.find((v) => v.scope === scope && v.name === name);
    if (!declared) throw new Error(`variable ${ref} is not declared`);
    const now = Date.now();
    const expiresAt = declared.ttlMs === undefined ? null : now + declared.ttlMs;
    switch (declared.scope) {
      case 'run': {
        const frame = this.frame();
        const value = applyVariableUpdate(declared.type, op, frame.run[name] ?? null, operand);
        this.checkSize(ref, value, { ...frame.run, [name]: value }, MAX_RUN_VARIABLES_BYTES, 'run');
        frame.run[name] = value;
        return;
      }
      case 'chat': {
        const current = chatValuesWithDefaults(flow, this.state.chat, now)[name] ?? null;
        const stored = { value: applyVariableUpdate(declared.type, op, current, operand), expiresAt };
        this.checkSize(ref, stored.value, { ...this.state.chat, [name]: stored }, MAX_CHAT_VARIABLES_BYTES, 'chat');
        this.state.chat[name] = stored;
        return;
      }
      case 'user':
      case 'bot':
        if (operand !== null && op !== 'increment') this.checkSize(ref, operand, {}, Infinity, declared.scope);
        this.scoped[declared.scope][name] = await local.updateScopedVariable({
          botId: this.botId,
          userId: this.run().userId,
          variable: scopedVariable(declared),
          op,
          operand,
          expiresAt,
          now,
        });
    }
  }

  /**
   * Refuses a value over the size caps (flow/variables.ts), before anything is stored: one payload
   * over Temporal's limit would fail this chat's workflow task for good. Histories from before (no
   * marker) had no caps.
   */
  private checkSize(ref: string, value: Value, all: object, maxAll: number, scope: string): void {
    const bytes = jsonBytes(value);
    const over = bytes > MAX_VALUE_BYTES ? `${bytes} bytes (at most ${MAX_VALUE_BYTES} per value)` : undefined;
    const total = over === undefined && maxAll !== Infinity ? jsonBytes(all) : 0;
    const overAll = total > maxAll ? `${total} bytes with the other ${scope} variables (at most ${maxAll})` : undefined;
    const problem = over ?? overAll;
    if (problem !== undefined && since('variable-size-caps')) throw new VariableTooLargeError(`variable ${ref} would be ${problem}`);
  }

  async loadScoped(userId: string): Promise<void> {
    const flow = this.flow();
    const declared = [...declaredIn(flow, 'user'), ...declaredIn(flow, 'bot')].map(scopedVariable);
    this.scoped = declared.length === 0 ? { user: {}, bot: {} } : await local.loadScopedVariables(this.botId, userId, declared, Date.now());
  }

  private async userFor(from: InboundUpdate['from']): Promise<string> {
    const known = this.state.users[String(from.id)];
    if (known) return known;
    const userId = await local.ensureChatUser(this.botId, { id: from.id, firstName: from.firstName, username: from.username });
    this.state.users[String(from.id)] = userId;
    // A group's members are unbounded: the map is a cache of ensureChatUser, cut back to its cap
    // (numeric keys iterate in numeric order, so which ones go is arbitrary; they are looked up
    // again if they write). Histories from before (no marker) kept them all.
    const remembered = Object.keys(this.state.users);
    if (remembered.length > MAX_KNOWN_USERS && since('bounded-known-users')) {
      for (const old of remembered.slice(0, remembered.length - MAX_KNOWN_USERS)) delete this.state.users[old];
    }
    return userId;
  }

  async activeFlow(flowId: string | null): Promise<{ versionId: string; flow: FlowVersion } | null> {
    const resolved = await local.resolveFlow(this.botId, flowId, [...this.flows.keys()]);
    if (!resolved.versionId) return null;
    if (resolved.flow) this.remember(resolved.versionId, resolved.flow);
    return flowId === null
      ? this.mainFlow(resolved.versionId)
      : { versionId: resolved.versionId, flow: await this.version(resolved.versionId) };
  }

  /**
   * The main flow an update runs: the version the ingress saw active when it arrived, with no
   * lookup (versions never change, so one known is loaded once per run), else looked up. Histories
   * from before (no marker) looked it up for every update.
   */
  private async activeFlowOf(update: InboundUpdate): Promise<{ versionId: string; flow: FlowVersion } | null> {
    if (update.activeVersionId === undefined || !lean()) return this.activeFlow(null);
    return update.activeVersionId === null ? null : this.mainFlow(update.activeVersionId);
  }

  private async mainFlow(versionId: string): Promise<{ versionId: string; flow: FlowVersion }> {
    const flow = await this.version(versionId);
    this.lastActiveVersion = versionId;
    this.debounceWindow = flow.settings.debounceMs;
    this.idleMs = flow.settings.idleTimeoutMs;
    return { versionId, flow };
  }

  private async version(versionId: string): Promise<FlowVersion> {
    const known = this.flows.get(versionId);
    if (known) return known;
    const flow = await local.loadFlowVersion(versionId);
    this.remember(versionId, flow);
    return flow;
  }

  private remember(versionId: string, flow: FlowVersion): void {
    this.flows.set(versionId, flow);
    this.nodeIndex.set(versionId, new Map(flow.nodes.map((n) => [n.id, n])));
  }

  /** Loads the definitions of every version the current run uses (after a worker restart). */
  async warm(): Promise<void> {
    for (const frame of this.state.run?.frames ?? []) await this.version(frame.flowVersionId);
  }

  private node(versionId: string, nodeId: string): FlowNode | undefined {
    return this.nodeIndex.get(versionId)?.get(nodeId);
  }

  edgeTarget(nodeId: string, handle: string): string | null {
    const edge = this.flow().edges.find((e) => e.source === nodeId && (e.sourceHandle ?? NEXT) === handle);
    return edge?.target ?? null;
  }

  run(): RunState {
    if (!this.state.run) throw new Error('no run in progress');
    return this.state.run;
  }
  frame(): RunFrame {
    const frames = this.run().frames;
    return frames[frames.length - 1] as RunFrame;
  }
  private flow(): FlowVersion {
    const flow = this.flows.get(this.frame().flowVersionId);
    if (!flow) throw new Error(`flow version ${this.frame().flowVersionId} is not loaded`);
    return flow;
  }

  scope(extra?: Record<string, unknown>): Record<string, unknown> {
    const run = this.run();
    return expressionScope({
      frame: this.frame(),
      chat: chatValuesWithDefaults(this.flow(), this.state.chat, Date.now()),
      user: this.scoped.user,
      bot: this.scoped.bot,
      context: run.context,
      extra,
    });
  }

  render(template: string, parseMode?: 'HTML' | 'MarkdownV2'): string {
    return renderTemplate(template, this.scope(), { parseMode });
  }

  targetMessage(target: string | undefined): number | null {
    if (target !== undefined) return this.state.sentBy[target] ?? null;
    return this.state.run?.context.message.callbackMessageId ?? null;
  }

  async sendText(template: string): Promise<void> {
    await this.send({ method: 'sendMessage', chatId: this.chatId, text: this.render(template) });
  }

  /** Sends to this chat; 403 means the user blocked the bot, which ends the conversation. */
  async send(call: TelegramCall): Promise<{ messageId?: number }> {
    const answer = this.pendingAnswer;
    this.pendingAnswer = null;
    const receivedAt = this.state.run?.context.receivedAt ?? null;
    try {
      if (answer) return await local.answerAndSend(this.botId, answer.call, call, this.isGroup, answer.receivedAt);
      return await local.sendTelegram(this.botId, call, this.isGroup, receivedAt);
    } catch (err) {
      const type = failureType(err);
      if (type === telegramErrors.blocked) throw new ChatBlocked();
      if (type === telegramErrors.badRequest) {
        log.warn('Telegram refused a message; the run goes on', { method: call.method, error: describe(err) });
        return {};
      }
      throw err;
    }
  }

  /** The toast of the node that will take this press (the waiting wait.button, else a trigger.callback). */
  private toastFor(update: InboundUpdate, active: FlowVersion | undefined, context: InputContext): string | undefined {
    const data = update.callback?.data;
    if (data === undefined) return undefined;
    const run = this.state.run;
    const waiting = run?.suspended.kind === 'wait' ? this.node(this.frame().flowVersionId, run.suspended.nodeId) : undefined;
    let takes = waiting ? handlerOf(waiting).toast?.(waiting, data) : undefined;
    for (const node of active?.nodes ?? []) {
      if (takes) break;
      if (node.type.startsWith('trigger.')) takes = handlerOf(node).toast?.(node, data);
    }
    const template = takes?.template;
    if (template === undefined) return undefined;
    return renderTemplate(template, {
      run: run ? this.frame().run : {},
      chat: liveChatValues(this.state.chat, Date.now()),
      user: this.scoped.user,
      bot: this.scoped.bot,
      message: context.message,
      from: context.from,
      event: { name: null, payload: null },
    });
  }

  /**
   * Answers a press that arrived while the chat is busy (an HTTP call, a generation, a debounce
   * window, earlier updates queued), at once instead of when its turn comes: Telegram shows a
   * spinner until then and refuses answers after its deadline. The toast is the one known now (the
   * waiting wait.button's, else a matching trigger.callback's of the flow last seen); what the
   * press does to the conversation still happens in order.
   */
  async answerEarly(update: InboundUpdate): Promise<void> {
    const callback = update.callback;
    if (!callback || callback.answeredEarly || this.seen(update.updateId)) return;
    callback.answeredEarly = true;
    const flow = this.lastActiveVersion === null ? undefined : this.flows.get(this.lastActiveVersion);
    let toast: string | undefined;
    try {
      toast = this.toastFor(update, flow, contextOf(update, flow));
    } catch (err) {
      log.info('no toast for an early answer', { error: describe(err) });
    }
    await this.answerCallback({ ...callback, answeredEarly: false }, update.receivedAt, toast);
  }

  private deferAnswer(callback: NonNullable<InboundUpdate['callback']>, receivedAt: number, text?: string): void {
    if (callback.answeredEarly) return;
    this.pendingAnswer = { call: { method: 'answerCallbackQuery', callbackQueryId: callback.id, ...(text ? { text } : {}) }, receivedAt };
  }

  /** Sends a deferred press answer on its own (nothing to send with it came first). */
  private async flushAnswer(): Promise<void> {
    const answer = this.pendingAnswer;
    if (!answer) return;
    this.pendingAnswer = null;
    try {
      await local.sendTelegram(this.botId, answer.call, this.isGroup, answer.receivedAt);
    } catch (err) {
      log.info('callback answer refused', { error: describe(err) });
    }
  }

  private async answerCallback(callback: NonNullable<InboundUpdate['callback']>, receivedAt: number, text?: string): Promise<void> {
    if (callback.answeredEarly) return;
    const callbackQueryId = callback.id;
    try {
      await local.sendTelegram(
        this.botId,
        { method: 'answerCallbackQuery', callbackQueryId, ...(text ? { text } : {}) },
        this.isGroup,
        receivedAt,
      );
    } catch (err) {
      // An answer can come too late (Telegram's deadline is undocumented); the run goes on.
      log.info('callback answer refused', { error: describe(err) });
    }
  }
}

function describeOutcome(outcome: Outcome): string {
  if ('handle' in outcome) return `took ${outcome.handle}`;
  if ('jump' in outcome) return `jumped to ${outcome.jump}`;
  if ('suspend' in outcome) return outcome.suspend.kind === 'wait' ? 'waiting' : 'paused';
  if ('enter' in outcome) return `called sub-flow at ${outcome.at}`;
  return 'ended';
}

function describeUpdate(update: InboundUpdate): string {
  if (update.callback) return `button ${update.callback.data}`;
  if (update.contact) return 'shared a contact';
  if (update.command) return `command ${update.command.name}`;
  return `text (${update.text?.length ?? 0} characters)`;
}

function triggerMatch(node: FlowNode, update: InboundUpdate): TriggerMatch | null {
  return handlerOf(node).match?.(node, update) ?? null;
}

function contextOf(update: InboundUpdate, flow: FlowVersion | undefined): InputContext {
  return {
    message: {
      text: update.text,
      args: update.command?.args ?? null,
      match: null,
      callbackData: update.callback?.data ?? null,
      phone: update.contact?.phone ?? null,
      chatId: update.chatId,
      callbackMessageId: update.callback?.messageId ?? null,
    },
    from: {
      id: update.from.id,
      firstName: update.from.firstName,
      lastName: update.from.lastName,
      username: update.from.username,
      languageCode: update.from.languageCode ?? flow?.settings.defaultLocale ?? 'en',
    },
    event: { name: null, payload: null },
    receivedAt: update.receivedAt,
  };
}

function emptyContext(chatId: string, flow: FlowVersion): InputContext {
  return {
    message: { text: null, args: null, match: null, callbackData: null, phone: null, chatId, callbackMessageId: null },
    from: { id: 0, firstName: '', lastName: null, username: null, languageCode: flow.settings.defaultLocale },
    event: { name: null, payload: null },
    receivedAt: null,
  };
}

/** Chat variables past their TTL read as absent already; dropping them keeps the state small. */
function pruneExpired(chat: ChatState['chat'], now: number): void {
  for (const [name, stored] of Object.entries(chat)) if (stored.expiresAt !== null && stored.expiresAt <= now) delete chat[name];
}

function splitRef(ref: string): [VariableDeclaration['scope'], string] {
  const dot = ref.indexOf('.');
  return [ref.slice(0, dot) as VariableDeclaration['scope'], ref.slice(dot + 1)];
}

function scopedVariable(v: VariableDeclaration): ScopedVariable {
  return { scope: v.scope as 'user' | 'bot', name: v.name, type: v.type, default: (v.default ?? null) as Value };
}

/** Errors the SDK uses to steer the workflow (cancellation, continue-as-new) pass through. */
function isTemporalControl(err: unknown): boolean {
  return err instanceof Error && (err.name === 'CancelledFailure' || err.name === 'ContinueAsNew');
}
