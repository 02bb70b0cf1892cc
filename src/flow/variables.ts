import { MAX_STRING_LENGTH } from './expression/limits';
import type { Value } from './expression/values';
import type { VariableType } from './schema';

/** Longest list `append` keeps; the oldest items are dropped first (e.g. a history). */
export const MAX_LIST_ITEMS = 1_000;

/**
 * Size caps, in bytes of JSON. A chat's variables travel in its workflow's history (activity
 * results, continue-as-new input), where one payload over 2 MB fails the workflow task for good;
 * these keep every value, and all of a chat's or a run's values together, far below that.
 */
export const MAX_VALUE_BYTES = 32_768;
export const MAX_CHAT_VARIABLES_BYTES = 262_144;
export const MAX_RUN_VARIABLES_BYTES = 262_144;
/** Telegram users → user ids a (group) chat keeps in its state (a cache; others are looked up again). */
export const MAX_KNOWN_USERS = 1_000;

/** Bytes of a value as JSON (UTF-8), the measure of the caps above. */
export function jsonBytes(value: unknown): number {
  const json = JSON.stringify(value) ?? 'null';
  let bytes = json.length;
  // Characters past ASCII take 2-4 bytes in UTF-8; count the extra ones.
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (code >= 0x80) bytes += code >= 0x800 && (code < 0xd800 || code > 0xdfff) ? 2 : 1;
  }
  return bytes;
}

/** The failure type of a VariableUpdateError in an activity (its name; in recorded histories). */
export const variableUpdateFailure = 'VariableUpdateError';

/** Thrown when action.set cannot apply its operation to the variable's current value. */
export class VariableUpdateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = variableUpdateFailure;
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
      if (typeof base !== 'number' || typeof operand !== 'number')
        throw new VariableUpdateError('increment needs a number variable and a number amount');
      const sum = base + operand;
      if (!Number.isFinite(sum)) throw new VariableUpdateError('increment result is too large');
      return sum;
    }
    case 'append':
      if (type === 'string') {
        if (current !== null && typeof current !== 'string')
          throw new VariableUpdateError('append to a string variable that holds a non-string');
        if (operand !== null && typeof operand === 'object')
          throw new VariableUpdateError('append to a string needs a text, number or boolean');
        const text = (current ?? '') + (operand === null ? '' : String(operand));
        if (text.length > MAX_STRING_LENGTH)
          throw new VariableUpdateError(`append would make the string longer than ${MAX_STRING_LENGTH} characters`);
        return text;
      }
      if (type !== 'list' || (current !== null && !Array.isArray(current)))
        throw new VariableUpdateError('append needs a list or string variable');
      return [...((current as readonly Value[] | null) ?? []), operand].slice(-MAX_LIST_ITEMS);
  }
}
