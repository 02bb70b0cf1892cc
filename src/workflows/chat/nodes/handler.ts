import type { NodeType } from '../../../flow/nodes';
import type { FlowNode, FlowVersion, NodeOf } from '../../../flow/schema';
import type { TelegramCall } from '../../../telegram/outbound';
import type { ChatState, ChatStep, InboundUpdate, InputContext, RunFrame, RunState, Suspension, Value } from '../types';

/** What a node did: take an output handle, jump, suspend the run, end its frame, or call a sub-flow. */
export type Outcome = { handle: string } | { jump: string } | { suspend: Suspension } | { end: true } | { enter: RunFrame; at: string };

/** A trigger's match of an update: the pattern's groups and the command's arguments. */
export interface TriggerMatch {
  groups: string[] | null;
  args?: string | null;
}

/** How a waiting node took an input: continue after it, keep waiting (it answered), or not its input. */
export type Resumption = 'advance' | 'stay' | 'not-mine';

/** What a node may do in its chat: the session, as seen from a node. */
export interface NodeRuntime {
  readonly botId: string;
  readonly chatId: string;
  readonly state: ChatState;
  /** Nodes run so far for the current input. */
  readonly stepCount: number;
  run(): RunState;
  frame(): RunFrame;
  scope(extra?: Record<string, unknown>): Record<string, unknown>;
  render(template: string, parseMode?: 'HTML' | 'MarkdownV2'): string;
  send(call: TelegramCall): Promise<{ messageId?: number }>;
  sendText(template: string): Promise<void>;
  setVariable(ref: string, op: 'set' | 'increment' | 'append', operand: Value): Promise<void>;
  loadScoped(userId: string): Promise<void>;
  activeFlow(flowId: string | null): Promise<{ versionId: string; flow: FlowVersion } | null>;
  edgeTarget(nodeId: string, handle: string): string | null;
  targetMessage(target: string | undefined): number | null;
  record(kind: ChatStep['kind'], node: FlowNode | null, detail: string): void;
  /** While a paid job runs: a press of `data` calls `cancel` (from the signal handler, at once). Returns the undo. */
  onPressDuringJob(data: string, cancel: () => void): () => void;
}

/**
 * Everything one node kind does, in one place: what it does when the run reaches it, how it
 * takes an input while the run waits at it, how it matches an update as a trigger, and the toast
 * of a button press it takes.
 */
export interface NodeHandler<T extends NodeType> {
  execute(node: NodeOf<T>, rt: NodeRuntime): Promise<Outcome>;
  /** For waits: offered each input while the run waits here (`keep` is the run's new context). */
  resume?(node: NodeOf<T>, update: InboundUpdate, keep: InputContext, rt: NodeRuntime): Promise<Resumption>;
  /** For triggers: whether the update starts a run here. */
  match?(node: NodeOf<T>, update: InboundUpdate): TriggerMatch | null;
  /** For nodes that take button presses: null when this one would not take `data`, else its toast template. */
  toast?(node: NodeOf<T>, data: string): { template: string | undefined } | null;
}

/** The handlers of a category of node kinds. */
export type Handlers<K extends NodeType> = { [T in K]: NodeHandler<T> };
