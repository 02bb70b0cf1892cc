import type { NodeOf } from '../../../flow/schema';
import type { InputContext } from '../types';
import type { Handlers, NodeRuntime, Outcome } from './handler';
import { searchPattern } from './patterns';

type WaitKind = 'wait.text' | 'wait.button' | 'wait.contact';

/** A wait suspends the run until its input comes, or its timeout. */
async function suspend(node: NodeOf<WaitKind>): Promise<Outcome> {
  return { suspend: { nodeId: node.id, kind: 'wait', until: node.data.timeoutMs === undefined ? null : Date.now() + node.data.timeoutMs } };
}

/** The input is taken: the run continues with its context, the answer stored where asked. */
async function take(rt: NodeRuntime, keep: InputContext, variable: string | undefined, value: string): Promise<'advance'> {
  const run = rt.run();
  run.context = keep;
  await rt.loadScoped(run.userId);
  if (variable) await rt.setVariable(variable, 'set', value);
  return 'advance';
}

const accepts = (node: NodeOf<'wait.button'>, data: string) => !node.data.accept || node.data.accept.includes(data);

export const waitHandlers: Handlers<WaitKind> = {
  'wait.text': {
    execute: suspend,
    async resume(node, update, keep, rt) {
      if (update.text === null || update.callback) return 'not-mine';
      if (node.data.pattern !== undefined) {
        const match = searchPattern(node.data.pattern, false, update.text);
        if (!match) {
          if (node.data.retryPrompt) await rt.sendText(node.data.retryPrompt);
          return 'stay';
        }
        keep.message.match = [...match].map((g) => g ?? '');
      }
      return take(rt, keep, node.data.variable, update.text);
    },
  },
  'wait.button': {
    execute: suspend,
    async resume(node, update, keep, rt) {
      const data = update.callback?.data;
      if (data === undefined || !accepts(node, data)) return 'not-mine';
      return take(rt, keep, node.data.variable, data);
    },
    toast: (node, data) => (accepts(node, data) ? { template: node.data.toast } : null),
  },
  'wait.contact': {
    execute: suspend,
    async resume(node, update, keep, rt) {
      if (!update.contact) {
        if (update.text !== null && !update.callback && node.data.retryPrompt) {
          await rt.sendText(node.data.retryPrompt);
          return 'stay';
        }
        return 'not-mine';
      }
      return take(rt, keep, node.data.variable, update.contact.phone);
    },
  },
};
