import { MAX_STRING_LENGTH } from './expression/limits';
import type { Value } from './expression/values';
import type { VariableType } from './schema';

/** Longest list `append` keeps; the oldest items are dropped first (e.g. a history). */
export const MAX_LIST_ITEMS = 1_000;

/** Thrown when action.set cannot apply its operation to the variable's current value. */
export class VariableUpdateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VariableUpdateError';
  }
}

/**
 * The new value of a variable after action.set: `set` replaces it, `increment` adds a number
 * (null counts as 0), `append` adds an item to a list or text to a string (null counts as
 * empty). The validator has checked the declared type; this checks the values.
 */
export function applyVariableUpdate(type: VariableType, op: 'set' | 'increment' | 'append', current: Value, operand: Value): Value {
  switch (op) {
    case 'set':
      return operand;
    case 'increment': {
      const base = current ?? 0;
      if (typeof base !== 'number' || typeof operand !== 'number') throw new VariableUpdateError('increment needs a number variable and a number amount');
      const sum = base + operand;
      if (!Number.isFinite(sum)) throw new VariableUpdateError('increment result is too large');
      return sum;
    }
    case 'append':
      if (type === 'string') {
        if (current !== null && typeof current !== 'string') throw new VariableUpdateError('append to a string variable that holds a non-string');
        if (operand !== null && typeof operand === 'object') throw new VariableUpdateError('append to a string needs a text, number or boolean');
        const text = (current ?? '') + (operand === null ? '' : String(operand));
        if (text.length > MAX_STRING_LENGTH) throw new VariableUpdateError(`append would make the string longer than ${MAX_STRING_LENGTH} characters`);
        return text;
      }
      if (type !== 'list' || (current !== null && !Array.isArray(current))) throw new VariableUpdateError('append needs a list or string variable');
      return [...((current as readonly Value[] | null) ?? []), operand].slice(-MAX_LIST_ITEMS);
  }
}
