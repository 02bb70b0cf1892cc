import { NEXT } from '../../../flow/next-handle';
import type { Handlers } from './handler';
import { searchPattern } from './patterns';

type TriggerKind = 'trigger.command' | 'trigger.text' | 'trigger.callback' | 'trigger.event';

// A trigger is matched, not run: a run starts after it. trigger.event is matched by name by the
// session (events are not updates).
const callbackMatches = (node: { data: { match: 'exact' | 'prefix'; data: string } }, data: string) =>
  node.data.match === 'prefix' ? data.startsWith(node.data.data) : data === node.data.data;

export const triggerHandlers: Handlers<TriggerKind> = {
  'trigger.command': {
    execute: async () => ({ handle: NEXT }),
    match: (node, update) => (update.command?.name === node.data.command ? { groups: null, args: update.command.args } : null),
  },
  'trigger.text': {
    execute: async () => ({ handle: NEXT }),
    match(node, update) {
      if (update.text === null || update.callback || update.command) return null;
      if (node.data.text !== undefined) {
        const same = node.data.caseSensitive
          ? update.text.trim() === node.data.text.trim()
          : update.text.trim().toLowerCase() === node.data.text.trim().toLowerCase();
        return same ? { groups: null } : null;
      }
      const groups = searchPattern(node.data.pattern as string, node.data.caseSensitive, update.text);
      return groups ? { groups } : null;
    },
  },
  'trigger.callback': {
    execute: async () => ({ handle: NEXT }),
    match(node, update) {
      const data = update.callback?.data;
      return data !== undefined && callbackMatches(node, data) ? { groups: null } : null;
    },
    toast: (node, data) => (callbackMatches(node, data) ? { template: node.data.toast } : null),
  },
  'trigger.event': {
    execute: async () => ({ handle: NEXT }),
  },
};
