import type { Value } from '../../flow/expression';
import type { InboundUpdate } from '../../telegram/inbound';

export type { InboundUpdate, Value };

/** A chat variable with the workflow time after which it is forgotten (its TTL). */
export interface StoredValue {
  value: Value;
  expiresAt: number | null;
}
export type ChatVariables = Record<string, StoredValue>;

/** Facts about the input that started or resumed the run, readable as `message.*`, `from.*`, `event.*`. */
export interface InputContext {
  message: {
    text: string | null;
    args: string | null;
    match: string[] | null;
    callbackData: string | null;
    phone: string | null;
    chatId: string;
    /** The message whose inline button was pressed (the default target of message.edit/delete). */
    callbackMessageId: number | null;
  };
  from: { id: number; firstName: string; lastName: string | null; username: string | null; languageCode: string };
  event: { name: string | null; payload: Value };
  /** The payment that resumed a payment.invoice node (absent in states from before, and for other inputs). */
  payment?: PaymentFacts;
  /** When the ingress received the update (ms), for reply-latency metrics. */
  receivedAt: number | null;
}

/** What the `payment` root reads after a payment.invoice node took its payment. */
export interface PaymentFacts {
  credits: number;
  stars: number;
  balance: number;
  chargeId: string;
}

/** One flow being run; a sub-flow call pushes another frame with its own `run` variables. */
export interface RunFrame {
  flowVersionId: string;
  run: Record<string, Value>;
  event: InputContext['event'];
  /** Where the caller continues when this sub-flow ends; null: the caller's run ends too. */
  returnTo: string | null;
}

/** Where a run stands between updates: paused at a wait (for the user) or a delay (for a timer). */
export interface Suspension {
  nodeId: string;
  kind: 'wait' | 'delay';
  /** Workflow time at which the timeout (or the delay) fires; null: no timeout. */
  until: number | null;
  /** A payment.invoice node waits for the payment of this invoice. */
  invoiceId?: string;
}

export interface RunState {
  frames: RunFrame[];
  suspended: Suspension;
  context: InputContext;
  userId: string;
}

/** One entry of a chat's step timeline, as the executions API and its live stream show it. */
export interface ChatStep {
  /** Increases by one per step for the whole life of the chat (across continue-as-new). */
  seq: number;
  /** Workflow time (ms). */
  at: number;
  kind: 'input' | 'node' | 'error' | 'blocked';
  nodeId: string | null;
  nodeType: string | null;
  /** What happened: the handle taken, the input received, the error. */
  detail: string;
  durationMs: number;
}

/** Everything a chat carries across updates and continue-as-new. */
export interface ChatState {
  chat: ChatVariables;
  run: RunState | null;
  /** Recent update ids, oldest first, to drop Telegram's redeliveries. */
  seenUpdateIds: number[];
  /** Recent external event ids, to drop an event the API delivered twice. */
  seenEventIds: string[];
  /** Telegram user id → our user id, so first contact is recorded once. */
  users: Record<string, string>;
  /** The last message each message node sent in this chat, for message.edit and message.delete. */
  sentBy: Record<string, number>;
  /** Updates seen in the current flood-control window. */
  flood: { windowStart: number; count: number; noticeSent: boolean };
  restored: boolean;
  /** The most recent steps (bounded), for the timeline; older ones are in Temporal's history. */
  steps: ChatStep[];
  lastSeq: number;
  /** Paid generations this chain of runs started, for their keys (absent in states from before). */
  generations?: number;
  /** Invoices this chain of runs sent, for their ids (absent in states from before). */
  invoices?: number;
  /** In a group: the runs of members other than the current run's, by user id (see member-runs.ts). */
  memberRuns?: Record<string, RunState>;
}

export interface ChatInput {
  botId: string;
  chatId: string;
  chatType: InboundUpdate['chatType'];
  state?: ChatState;
  /** Updates received but not yet processed when the previous run continued as new. */
  pending?: ChatMessage[];
  /** Updates a user may send per minute before the excess is dropped (flood control). */
  floodLimitPerMinute: number;
}

export interface ExternalEvent {
  name: string;
  payload: Value;
  /** Deduplicates redelivery of the same event through the API. */
  eventId: string;
  /** The Telegram user the event is for (in a group: whose run it starts, who is charged). */
  userId?: number;
}

export type ChatMessage =
  { kind: 'update'; update: InboundUpdate } | { kind: 'event'; event: ExternalEvent } | { kind: 'restart'; restart: RestartRequest };

/** An operator's restart of the conversation: from a chosen node, or from the flow's first command. */
export interface RestartRequest {
  nodeId: string | null;
  requestId: string;
  /** The Telegram user whose run restarts (in a group); else the current run's user. */
  userId?: number;
}

/** What the `chatState` query returns (secrets redacted). */
export interface ChatSnapshot {
  botId: string;
  chatId: string;
  status: 'idle' | 'waiting' | 'delayed' | 'blocked';
  flowVersionId: string | null;
  currentNode: string | null;
  waitingUntil: number | null;
  variables: { run: Record<string, Value>; chat: Record<string, Value> };
  queued: number;
}
