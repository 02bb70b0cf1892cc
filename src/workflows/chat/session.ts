import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  executeChild,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  uuid4,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ChatActivities, ScopedVariable } from '../../activities/chat';
import { evaluateExpression, isTruthy, renderTemplate } from '../../flow/expression';
import { compileAuthorRegex, compileLegacyRegex } from '../../flow/regex';
import { secretMarker, secretNamesIn } from '../../flow/secret-markers';
import type { FlowNode, FlowVersion, NodeOf, VariableDeclaration } from '../../flow/schema';
import { applyVariableUpdate, jsonBytes, MAX_CHAT_VARIABLES_BYTES, MAX_KNOWN_USERS, MAX_RUN_VARIABLES_BYTES, MAX_VALUE_BYTES } from '../../flow/variables';
import { telegramErrors, type TelegramCall } from '../../telegram/outbound';
import { BotId, ChatId, JobKind, UserId } from '../../temporal/search-attributes';
import type { GenerationOutcome } from '../generation';
import { inlineMarkup, replyMarkup } from './keyboards';
import { chatValuesWithDefaults, declaredIn, expressionScope, initialRunValues, liveChatValues, redact } from './scope';
import type { ChatInput, ChatSnapshot, ChatState, ChatStep, ExternalEvent, InboundUpdate, InputContext, RestartRequest, RunFrame, RunState, Suspension, Value } from './types';

const NEXT = 'next';
/** Nodes one input may run before the run is stopped; the validator already forbids busy loops. */
const MAX_STEPS_PER_INPUT = 500;
/** How many recent update ids are remembered to drop Telegram's redeliveries. */
const SEEN_UPDATES = 500;
const FLOOD_WINDOW_MS = 60_000;
/** Steps kept in state for the timeline and the live stream. */
const KEPT_STEPS = 200;
const DEFAULT_IDLE_MS = 24 * 60 * 60 * 1000;

// Replies and bookkeeping run as local activities: in the worker, without a round trip through
// the server per step, which is what makes the first reply fast.
const local = proxyLocalActivities<ChatActivities>({
  startToCloseTimeout: '20 seconds',
  retry: {
    initialInterval: '200 ms',
    maximumInterval: '10 seconds',
    nonRetryableErrorTypes: [telegramErrors.blocked, telegramErrors.badRequest, 'UnknownBot', 'VariableUpdateError'],
  },
});

/** The node the run continues at after `nodeId` takes `handle`; null ends the frame. */
type Outcome = { handle: string } | { jump: string } | { suspend: Suspension } | { end: true } | { enter: RunFrame; at: string };

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
export class ChatSession {
  readonly state: ChatState;
  blocked = false;
  private readonly flows = new Map<string, FlowVersion>();
  private readonly nodeIndex = new Map<string, Map<string, FlowNode>>();
  private scoped: { user: Record<string, Value>; bot: Record<string, Value> } = { user: {}, bot: {} };
  private idleMs = DEFAULT_IDLE_MS;
  private debounceWindow = 0;
  private lastActivityAt: number;
  private steps = 0;
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

  private get botId(): string {
    return this.input.botId;
  }
  private get chatId(): string {
    return this.input.chatId;
  }
  private get isGroup(): boolean {
    return this.input.chatType !== 'private';
  }

  /** Loads chat variables saved when the conversation last went idle. */
  async restore(): Promise<void> {
    if (this.state.restored) return;
    const saved = await local.restoreChat(this.botId, this.chatId);
    this.state.chat = saved.variables;
    this.state.restored = true;
    this.blocked = saved.blocked;
  }

  /** Saves chat variables so the next update, in a new execution, resumes from them. */
  async persist(): Promise<void> {
    await local.saveChat(this.botId, this.chatId, this.state.chat);
  }

  /** The workflow time at which something is due: a wait's timeout, a delay, or going idle. */
  nextWake(): number {
    const until = this.state.run?.suspended.until;
    const idleAt = this.lastActivityAt + this.idleMs;
    if (until === null || until === undefined) return idleAt;
    if (until > idleAt && this.timersOutliveIdleness()) return until;
    return Math.min(until, idleAt);
  }

  timerDue(now: number): boolean {
    const until = this.state.run?.suspended.until;
    return until !== null && until !== undefined && now >= until;
  }

  /** Quiet for the idle timeout, with no timer of the run still to fire. */
  idle(now: number): boolean {
    if (now < this.lastActivityAt + this.idleMs) return false;
    const until = this.state.run?.suspended.until;
    return until === null || until === undefined || until <= now || !this.timersOutliveIdleness();
  }

  /**
   * A pending delay or wait timeout keeps the chat running past its idle timeout (up to the 30
   * days a node allows; continue-as-new keeps the history short meanwhile). Histories recorded
   * before (no marker) went idle first and dropped the run; they replay that way.
   */
  private timersOutliveIdleness(): boolean {
    return patched('timers-outlive-idleness');
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
      await local.countChatMetric('duplicate_update');
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

    await this.guard(async () => {
      // Telegram shows a spinner until a press is answered, so every press is answered, first
      // thing. Since the toast was added, "first" means once the node taking it is known;
      // histories from before (no patch marker) answered before anything else.
      const answerWithToast = update.callback !== null && patched('callback-toast');
      if (update.callback && !answerWithToast) await this.answerCallback(update.callback, update.receivedAt);
      if (this.flooding()) {
        if (update.callback && answerWithToast) await this.answerCallback(update.callback, update.receivedAt);
        await local.countChatMetric('flood_dropped');
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
    await local.markChatBlocked(this.botId, this.chatId);
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
      const context = this.state.run?.context ?? emptyContext(this.chatId, active.flow);
      const userId = this.state.run?.userId ?? Object.values(this.state.users)[0] ?? (await this.privateChatUser());
      if (!userId) {
        log.info('event for a chat with no known user', { name: event.name });
        return;
      }
      await this.startRun(active.versionId, active.flow, trigger.id, context, userId, { name: event.name, payload: event.payload });
    });
  }

  /**
   * In a private chat the user is the chat (same id), so an event can reach a chat that has not
   * written yet. Histories from before (no marker) ignored such an event.
   */
  private async privateChatUser(): Promise<string | undefined> {
    if (this.isGroup || !patched('event-user-of-private-chat')) return undefined;
    return this.userFor({ id: Number(this.chatId), firstName: `user ${this.chatId}`, lastName: null, username: null, languageCode: null });
  }

  /** Resumes the run whose wait timed out or whose delay passed. */
  async handleTimer(): Promise<void> {
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

  private record(kind: ChatStep['kind'], node: FlowNode | null, detail: string, startedAt = Date.now()): void {
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
      const userId = this.state.run?.userId ?? Object.values(this.state.users)[0] ?? (await this.privateChatUser());
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
        frames: [{ flowVersionId: active.versionId, run: initialRunValues(active.flow), event: { name: null, payload: null }, returnTo: null }],
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
    // One local activity per input reports its steps to the worker's metrics. Histories recorded
    // before it existed replay without it (the patch marker tells them apart).
    const steps = this.stepsAfter(firstSeq);
    if (steps.length > 0 && patched('step-metrics')) await local.recordStepMetrics(this.botId, steps);
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
    const active = await this.activeFlow(null);
    const context = contextOf(update, active?.flow);
    if (answerCallback && update.callback) {
      await this.answerCallback(update.callback, update.receivedAt, this.toastFor(update, active?.flow, context));
    }
    // A command always starts its trigger, even mid-conversation (/start must always work).
    if (update.command && active && (await this.tryTrigger(active, update, context, userId))) return;
    if (this.state.run?.suspended.kind === 'wait' && (await this.tryResume(update, context))) return;
    if (!update.command && active && (await this.tryTrigger(active, update, context, userId))) return;
    log.info('update matched no trigger and no wait', { updateId: update.updateId });
  }

  private async tryTrigger(active: { versionId: string; flow: FlowVersion }, update: InboundUpdate, context: InputContext, userId: string): Promise<boolean> {
    for (const node of active.flow.nodes) {
      let match: ReturnType<typeof triggerMatch>;
      try {
        match = triggerMatch(node, update);
      } catch (err) {
        // A pattern published before the current rules (see searchPattern) never matches.
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

  private async startRun(versionId: string, flow: FlowVersion, triggerId: string, context: InputContext, userId: string, event: RunFrame['event']): Promise<void> {
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
    if (!node) return false;
    const keep = { ...context, from: run.context.from };
    switch (node.type) {
      case 'wait.text': {
        if (update.text === null || update.callback) return false;
        if (node.data.pattern !== undefined) {
          const match = searchPattern(node.data.pattern, false, update.text);
          if (!match) {
            if (node.data.retryPrompt) await this.sendText(node.data.retryPrompt);
            return true;
          }
          keep.message.match = [...match].map((g) => g ?? '');
        }
        run.context = keep;
        await this.loadScoped(run.userId);
        if (node.data.variable) await this.setVariable(node.data.variable, 'set', update.text);
        break;
      }
      case 'wait.button': {
        const data = update.callback?.data;
        if (data === undefined || (node.data.accept && !node.data.accept.includes(data))) return false;
        run.context = keep;
        await this.loadScoped(run.userId);
        if (node.data.variable) await this.setVariable(node.data.variable, 'set', data);
        break;
      }
      case 'wait.contact': {
        if (!update.contact) {
          if (update.text !== null && !update.callback && node.data.retryPrompt) {
            await this.sendText(node.data.retryPrompt);
            return true;
          }
          return false;
        }
        run.context = keep;
        await this.loadScoped(run.userId);
        if (node.data.variable) await this.setVariable(node.data.variable, 'set', update.contact.phone);
        break;
      }
      default:
        return false;
    }
    await this.advance(node.id, NEXT);
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

  /** One node: each type does exactly what docs/flows.md says it does. */
  private async execute(node: FlowNode): Promise<Outcome> {
    const now = Date.now();
    switch (node.type) {
      case 'trigger.command':
      case 'trigger.text':
      case 'trigger.callback':
      case 'trigger.event':
        return { handle: NEXT };
      case 'message.text': {
        const sent = await this.send({
          method: 'sendMessage',
          chatId: this.chatId,
          text: this.render(node.data.text, node.data.parseMode),
          parseMode: node.data.parseMode,
          replyMarkup: replyMarkup(node.data.keyboard, this.scope()),
        });
        if (sent.messageId !== undefined) this.state.sentBy[node.id] = sent.messageId;
        return { handle: NEXT };
      }
      case 'message.photo':
      case 'message.video':
      case 'message.document': {
        const method = node.type === 'message.photo' ? 'sendPhoto' : node.type === 'message.video' ? 'sendVideo' : 'sendDocument';
        const data = node.data;
        const sent = await this.send({
          method,
          chatId: this.chatId,
          media: data.url !== undefined ? this.render(data.url) : (data.fileId as string),
          caption: data.caption === undefined ? undefined : this.render(data.caption, data.parseMode),
          parseMode: data.parseMode,
          replyMarkup: replyMarkup(data.keyboard, this.scope()),
        });
        if (sent.messageId !== undefined) this.state.sentBy[node.id] = sent.messageId;
        return { handle: NEXT };
      }
      case 'message.edit': {
        const messageId = this.targetMessage(node.data.target);
        if (messageId === null) log.info('message.edit found no message to edit', { node: node.id });
        else {
          await this.send({
            method: 'editMessageText',
            chatId: this.chatId,
            messageId,
            text: this.render(node.data.text, node.data.parseMode),
            parseMode: node.data.parseMode,
            replyMarkup: node.data.keyboard ? inlineMarkup(node.data.keyboard, this.scope()) : { inline_keyboard: [] },
          });
        }
        return { handle: NEXT };
      }
      case 'message.delete': {
        const messageId = this.targetMessage(node.data.target);
        if (messageId !== null) await this.send({ method: 'deleteMessage', chatId: this.chatId, messageId });
        return { handle: NEXT };
      }
      case 'wait.text':
      case 'wait.button':
      case 'wait.contact':
        return { suspend: { nodeId: node.id, kind: 'wait', until: node.data.timeoutMs === undefined ? null : now + node.data.timeoutMs } };
      case 'logic.condition':
        return { handle: isTruthy(evaluateExpression(node.data.condition, this.scope())) ? 'true' : 'false' };
      case 'logic.switch': {
        const value = evaluateExpression(node.data.value, this.scope());
        return { handle: node.data.cases.find((c) => c.equals === value)?.id ?? 'default' };
      }
      case 'logic.jump':
        return { jump: node.data.target };
      case 'logic.delay':
        return { suspend: { nodeId: node.id, kind: 'delay', until: now + node.data.delayMs } };
      case 'logic.subflow':
        return this.callSubflow(node);
      case 'logic.end':
        return { end: true };
      case 'action.set':
        await this.setVariable(node.data.variable, node.data.op, evaluateExpression(node.data.value, this.scope()));
        return { handle: NEXT };
      case 'action.http':
        return this.httpRequest(node);
      case 'action.notify': {
        try {
          await local.sendTelegram(this.botId, { method: 'sendMessage', chatId: this.render(node.data.chatId), text: this.render(node.data.text, node.data.parseMode), parseMode: node.data.parseMode }, true, null);
        } catch (err) {
          // The other chat's trouble (blocked, wrong id) is not this conversation's.
          log.warn('notify failed', { node: node.id, error: describe(err) });
        }
        return { handle: NEXT };
      }
      case 'action.analytics': {
        const properties = Object.fromEntries(Object.entries(node.data.properties ?? {}).map(([k, expr]) => [k, evaluateExpression(expr, this.scope())]));
        await local.recordAnalytics({ botId: this.botId, chatId: this.chatId, userId: this.run().userId, event: node.data.event, properties, step: `${this.run().context.message.chatId}:${now}:${node.id}:${this.steps}` });
        return { handle: NEXT };
      }
      case 'action.generation':
        return this.generate(node);
      case 'action.credits':
        await this.setVariable(node.data.variable, 'set', await local.readBalance(this.run().userId));
        return { handle: NEXT };
    }
  }

  private async callSubflow(node: NodeOf<'logic.subflow'>): Promise<Outcome> {
    const called = await this.activeFlow(node.data.flowId);
    const trigger = called?.flow.nodes.find((n) => n.type === 'trigger.event' && n.data.name === node.data.event);
    if (!called || !trigger) {
      log.warn('sub-flow not found; continuing', { flowId: node.data.flowId, event: node.data.event });
      return { handle: NEXT };
    }
    const payload = Object.fromEntries(Object.entries(node.data.payload ?? {}).map(([k, expr]) => [k, evaluateExpression(expr, this.scope())]));
    return {
      enter: { flowVersionId: called.versionId, run: initialRunValues(called.flow), event: { name: node.data.event, payload }, returnTo: this.edgeTarget(node.id, NEXT) },
      at: trigger.id,
    };
  }

  private async httpRequest(node: NodeOf<'action.http'>): Promise<Outcome> {
    const { data } = node;
    // A regular (not local) activity: an author's API may be slow, and must not hold the
    // workflow task. Not retried: a POST may not be safe to repeat.
    const http = proxyActivities<ChatActivities>({ startToCloseTimeout: data.timeoutMs + 5_000, retry: { maximumAttempts: 1 } });
    // Flow secrets are not known here: they are rendered as markers the activity fills in.
    const names = secretNamesIn([data.url, ...Object.values(data.headers ?? {}), ...(data.body === undefined ? [] : [data.body])]);
    const nonce = names.length > 0 ? uuid4() : undefined;
    const scope = this.scope(nonce === undefined ? undefined : { secret: Object.fromEntries(names.map((name) => [name, secretMarker(nonce, name)])) });
    const render = (template: string) => renderTemplate(template, scope);
    let response: Awaited<ReturnType<ChatActivities['httpRequest']>>;
    try {
      response = await http.httpRequest({
        method: data.method,
        url: render(data.url),
        headers: Object.fromEntries(Object.entries(data.headers ?? {}).map(([k, v]) => [k, render(v)])),
        body: data.body === undefined ? undefined : render(data.body),
        timeoutMs: data.timeoutMs,
        ...(nonce === undefined ? {} : { secrets: { botId: this.botId, nonce } }),
      });
    } catch (err) {
      // The activity timed out, lost its worker or failed: to the flow, the request failed.
      // Histories recorded before (no marker) stopped the run here.
      if (!(err instanceof ActivityFailure) || isCancellation(err) || !patched('http-failure-takes-error')) throw err;
      log.info('HTTP request activity failed', { node: node.id, error: describe(err) });
      return { handle: 'error' };
    }
    if (!response.ok) {
      log.info('HTTP request failed', { node: node.id, status: response.status, error: response.error });
      return { handle: 'error' };
    }
    const extra = { response: { status: response.status, headers: response.headers, body: response.body } };
    for (const mapping of data.saveResponse ?? []) {
      await this.setVariable(mapping.variable, 'set', evaluateExpression(mapping.value, this.scope(extra)));
    }
    return { handle: 'success' };
  }

  private async generate(node: NodeOf<'action.generation'>): Promise<Outcome> {
    const run = this.run();
    const prepared = await local.prepareGeneration({
      botId: this.botId,
      chatId: this.chatId,
      userId: run.userId,
      kind: node.data.kind,
      prompt: this.render(node.data.prompt),
      key: this.nextGenerationKey(node.id),
    });
    if ('unknownKind' in prepared) {
      log.warn('unknown generation kind', { kind: prepared.unknownKind });
      return { handle: 'refunded' };
    }
    await this.send({ method: 'sendChatAction', chatId: this.chatId, action: 'typing' }).catch(() => undefined);
    let outcome: GenerationOutcome;
    try {
      outcome = await executeChild('generationWorkflow', {
        workflowId: prepared.workflowId,
        taskQueue: prepared.taskQueue,
        args: [prepared.input],
        // The job settles its money on its own, even if this chat moves on or goes idle.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: UserId, value: run.userId },
          { key: JobKind, value: node.data.kind },
          { key: BotId, value: this.botId },
          { key: ChatId, value: this.chatId },
        ],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        // Its key was used before (it cannot be, keys are unique per request; kept as a guard):
        // that job settles its own money, and this run goes on without its result.
        this.record('error', node, `generation ${prepared.workflowId} was started before; not started again`);
        return { handle: 'refunded' };
      }
      if (!(err instanceof ChildWorkflowFailure)) throw err;
      return { handle: 'refunded' };
    }
    if (outcome.status !== 'completed') return { handle: 'refunded' };
    if (node.data.resultVariable) await this.setVariable(node.data.resultVariable, 'set', outcome.result?.text ?? null);
    return { handle: 'success' };
  }

  /**
   * A paid job's key, unique per request: a counter kept in the chat's state (carried across
   * continue-as-new) within this chain of runs (a chat that went idle starts a new chain).
   * Histories from before (no marker) keyed by the last update, which a timer, an event or a
   * restart reaching the same node reused.
   */
  private nextGenerationKey(nodeId: string): string {
    if (!patched('generation-key-counter')) {
      return `chat-${this.botId}-${this.chatId}-${this.state.seenUpdateIds[this.state.seenUpdateIds.length - 1] ?? 0}-${nodeId}-${this.steps}`;
    }
    this.state.generations = (this.state.generations ?? 0) + 1;
    return `chat-${this.botId}-${this.chatId}-${workflowInfo().firstExecutionRunId}-${this.state.generations}`;
  }

  private async setVariable(ref: string, op: 'set' | 'increment' | 'append', operand: Value): Promise<void> {
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
    if (problem !== undefined && patched('variable-size-caps')) throw new VariableTooLargeError(`variable ${ref} would be ${problem}`);
  }

  private async loadScoped(userId: string): Promise<void> {
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
    if (remembered.length > MAX_KNOWN_USERS && patched('bounded-known-users')) {
      for (const old of remembered.slice(0, remembered.length - MAX_KNOWN_USERS)) delete this.state.users[old];
    }
    return userId;
  }

  private async activeFlow(flowId: string | null): Promise<{ versionId: string; flow: FlowVersion } | null> {
    const resolved = await local.resolveFlow(this.botId, flowId, [...this.flows.keys()]);
    if (!resolved.versionId) return null;
    if (resolved.flow) this.remember(resolved.versionId, resolved.flow);
    const flow = await this.version(resolved.versionId);
    if (flowId === null) {
      this.lastActiveVersion = resolved.versionId;
      this.debounceWindow = flow.settings.debounceMs;
      this.idleMs = flow.settings.idleTimeoutMs;
    }
    return { versionId: resolved.versionId, flow };
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

  private edgeTarget(nodeId: string, handle: string): string | null {
    const edge = this.flow().edges.find((e) => e.source === nodeId && (e.sourceHandle ?? NEXT) === handle);
    return edge?.target ?? null;
  }

  private run(): RunState {
    if (!this.state.run) throw new Error('no run in progress');
    return this.state.run;
  }
  private frame(): RunFrame {
    const frames = this.run().frames;
    return frames[frames.length - 1] as RunFrame;
  }
  private flow(): FlowVersion {
    const flow = this.flows.get(this.frame().flowVersionId);
    if (!flow) throw new Error(`flow version ${this.frame().flowVersionId} is not loaded`);
    return flow;
  }

  private scope(extra?: Record<string, unknown>): Record<string, unknown> {
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

  private render(template: string, parseMode?: 'HTML' | 'MarkdownV2'): string {
    return renderTemplate(template, this.scope(), { parseMode });
  }

  private targetMessage(target: string | undefined): number | null {
    if (target !== undefined) return this.state.sentBy[target] ?? null;
    return this.state.run?.context.message.callbackMessageId ?? null;
  }

  private async sendText(template: string): Promise<void> {
    await this.send({ method: 'sendMessage', chatId: this.chatId, text: this.render(template) });
  }

  /** Sends to this chat; 403 means the user blocked the bot, which ends the conversation. */
  private async send(call: TelegramCall): Promise<{ messageId?: number }> {
    try {
      return await local.sendTelegram(this.botId, call, this.isGroup, this.state.run?.context.receivedAt ?? null);
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
    let template: string | undefined;
    const waiting = run?.suspended.kind === 'wait' ? this.node(this.frame().flowVersionId, run.suspended.nodeId) : undefined;
    if (waiting?.type === 'wait.button' && (!waiting.data.accept || waiting.data.accept.includes(data))) template = waiting.data.toast;
    else {
      const trigger = active?.nodes.find((n) => n.type === 'trigger.callback' && (n.data.match === 'prefix' ? data.startsWith(n.data.data) : data === n.data.data));
      template = trigger?.type === 'trigger.callback' ? trigger.data.toast : undefined;
    }
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

  private async answerCallback(callback: NonNullable<InboundUpdate['callback']>, receivedAt: number, text?: string): Promise<void> {
    if (callback.answeredEarly) return;
    const callbackQueryId = callback.id;
    try {
      await local.sendTelegram(this.botId, { method: 'answerCallbackQuery', callbackQueryId, ...(text ? { text } : {}) }, this.isGroup, receivedAt);
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

function triggerMatch(node: FlowNode, update: InboundUpdate): { groups: string[] | null; args?: string | null } | null {
  switch (node.type) {
    case 'trigger.command':
      return update.command?.name === node.data.command ? { groups: null, args: update.command.args } : null;
    case 'trigger.callback': {
      const data = update.callback?.data;
      if (data === undefined) return null;
      const hit = node.data.match === 'prefix' ? data.startsWith(node.data.data) : data === node.data.data;
      return hit ? { groups: null } : null;
    }
    case 'trigger.text': {
      if (update.text === null || update.callback || update.command) return null;
      if (node.data.text !== undefined) {
        const same = node.data.caseSensitive ? update.text.trim() === node.data.text.trim() : update.text.trim().toLowerCase() === node.data.text.trim().toLowerCase();
        return same ? { groups: null } : null;
      }
      const groups = searchPattern(node.data.pattern as string, node.data.caseSensitive, update.text);
      return groups ? { groups } : null;
    }
    default:
      return null;
  }
}

/**
 * Searches user text with an author's pattern on RE2, whose time is linear whatever the pattern
 * (flow/regex.ts). Histories recorded before the switch (no patch marker) matched with
 * JavaScript's RegExp and replay with it. A pattern published under the old rules that RE2
 * refuses (a lookaround, a backreference) throws: the input cannot be judged.
 */
function searchPattern(pattern: string, caseSensitive: boolean, text: string): string[] | null {
  const compile = patched('linear-regex') ? compileAuthorRegex : compileLegacyRegex;
  let compiled;
  try {
    compiled = compile(pattern, caseSensitive);
  } catch (err) {
    throw new Error(`pattern ${JSON.stringify(pattern)} cannot be used: ${describe(err)}; publish a version that passes validation`);
  }
  return compiled.exec(text.slice(0, 4_096));
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

function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

function describe(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

/** Errors the SDK uses to steer the workflow (cancellation, continue-as-new) pass through. */
function isTemporalControl(err: unknown): boolean {
  return err instanceof Error && (err.name === 'CancelledFailure' || err.name === 'ContinueAsNew');
}
