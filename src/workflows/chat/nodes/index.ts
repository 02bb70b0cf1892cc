import type { NodeType } from '../../../flow/nodes';
import type { FlowNode } from '../../../flow/schema';
import { actionHandlers } from './actions';
import type { NodeHandler } from './handler';
import { logicHandlers } from './logic';
import { messageHandlers } from './messages';
import { paymentHandlers } from './payments';
import { triggerHandlers } from './triggers';
import { waitHandlers } from './waits';

export type { NodeRuntime, Outcome, Resumption, TriggerMatch } from './handler';

/** Every node kind's behaviour; typed over the node-type union, so a kind without a handler does not compile. */
const handlers: { [T in NodeType]: NodeHandler<T> } = {
  ...triggerHandlers,
  ...messageHandlers,
  ...waitHandlers,
  ...logicHandlers,
  ...actionHandlers,
  ...paymentHandlers,
};

/** The handler of a node's kind. */
export function handlerOf<N extends FlowNode>(node: N): NodeHandler<N['type']> {
  return handlers[node.type] as unknown as NodeHandler<N['type']>;
}
