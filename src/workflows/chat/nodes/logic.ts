import { log } from '@temporalio/workflow';
import { evaluateExpression, isTruthy } from '../../../flow/expression';
import { NEXT } from '../../../flow/next-handle';
import { initialRunValues } from '../scope';
import type { Handlers } from './handler';

type LogicKind = 'logic.condition' | 'logic.switch' | 'logic.jump' | 'logic.delay' | 'logic.subflow' | 'logic.end';

export const logicHandlers: Handlers<LogicKind> = {
  'logic.condition': {
    execute: async (node, rt) => ({ handle: isTruthy(evaluateExpression(node.data.condition, rt.scope())) ? 'true' : 'false' }),
  },
  'logic.switch': {
    async execute(node, rt) {
      const value = evaluateExpression(node.data.value, rt.scope());
      return { handle: node.data.cases.find((c) => c.equals === value)?.id ?? 'default' };
    },
  },
  'logic.jump': {
    execute: async (node) => ({ jump: node.data.target }),
  },
  'logic.delay': {
    execute: async (node) => ({ suspend: { nodeId: node.id, kind: 'delay', until: Date.now() + node.data.delayMs } }),
  },
  'logic.subflow': {
    // Calls another flow's trigger.event as a sub-flow: a frame of its own, returning here.
    async execute(node, rt) {
      const called = await rt.activeFlow(node.data.flowId);
      const trigger = called?.flow.nodes.find((n) => n.type === 'trigger.event' && n.data.name === node.data.event);
      if (!called || !trigger) {
        log.warn('sub-flow not found; continuing', { flowId: node.data.flowId, event: node.data.event });
        return { handle: NEXT };
      }
      const payload = Object.fromEntries(
        Object.entries(node.data.payload ?? {}).map(([k, expr]) => [k, evaluateExpression(expr, rt.scope())]),
      );
      return {
        enter: {
          flowVersionId: called.versionId,
          run: initialRunValues(called.flow),
          event: { name: node.data.event, payload },
          returnTo: rt.edgeTarget(node.id, NEXT),
        },
        at: trigger.id,
      };
    },
  },
  'logic.end': {
    execute: async () => ({ end: true }),
  },
};
