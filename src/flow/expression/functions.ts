import { ExpressionRuntimeError } from './errors';
import { type Budget, checkString, displayString, toJson, toValue, typeName, type Value, valuesEqual } from './values';

export interface CallContext {
  /** Position of the call in the source, for errors. */
  readonly position: number;
  readonly budget: Budget;
}

export interface FunctionSpec {
  /** How the call reads in the reference documentation. */
  readonly signature: string;
  readonly description: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly call: (args: readonly Value[], ctx: CallContext) => Value;
}

function typeError(ctx: CallContext, message: string): never {
  throw new ExpressionRuntimeError('type', message, ctx.position);
}

// Work proportional to a string's length, so scanning big data counts against the budget.
function chargeText(ctx: CallContext, s: string): void {
  ctx.budget.charge(1 + Math.floor(s.length / 1_000), ctx.position);
}

function stringArg(ctx: CallContext, fn: string, v: Value): string {
  if (typeof v !== 'string') typeError(ctx, `${fn}() expects a string, got ${typeName(v)}`);
  chargeText(ctx, v);
  return v;
}

function numberArg(ctx: CallContext, fn: string, v: Value): number {
  if (typeof v !== 'number') typeError(ctx, `${fn}() expects a number, got ${typeName(v)}`);
  return v;
}

function decimalsArg(ctx: CallContext, fn: string, v: Value | undefined): number {
  const d = v === undefined ? 0 : numberArg(ctx, fn, v);
  if (!Number.isInteger(d) || d < 0 || d > 10) typeError(ctx, `${fn}() takes 0 to 10 decimals, got ${d}`);
  return d;
}

// Null in, null out: a missing value stays missing instead of failing the whole expression.
function onString(fn: string, description: string, apply: (s: string) => string): FunctionSpec {
  return {
    signature: `${fn}(text)`,
    description,
    minArgs: 1,
    maxArgs: 1,
    call: ([v = null], ctx) => (v === null ? null : checkString(apply(stringArg(ctx, fn, v)), ctx.position)),
  };
}

function onNumber(fn: string, description: string, apply: (n: number) => number): FunctionSpec {
  return {
    signature: `${fn}(number)`,
    description,
    minArgs: 1,
    maxArgs: 1,
    call: ([v = null], ctx) => (v === null ? null : apply(numberArg(ctx, fn, v))),
  };
}

function textTest(fn: string, description: string, test: (s: string, part: string) => boolean): FunctionSpec {
  return {
    signature: `${fn}(text, part)`,
    description,
    minArgs: 2,
    maxArgs: 2,
    call: ([s = null, part = null], ctx) => (s === null || part === null ? false : test(stringArg(ctx, fn, s), stringArg(ctx, fn, part))),
  };
}

function extreme(fn: 'min' | 'max'): FunctionSpec {
  return {
    signature: `${fn}(a, b, …) or ${fn}(list)`,
    description: `The ${fn === 'min' ? 'smallest' : 'largest'} of the numbers given (or of a list); nulls are skipped, null if none is left.`,
    minArgs: 1,
    maxArgs: 20,
    call: (args, ctx) => {
      const [first] = args;
      const items = args.length === 1 && Array.isArray(first) ? first : args;
      ctx.budget.charge(items.length, ctx.position);
      let best: number | null = null;
      for (const item of items) {
        const v = toValue(item);
        if (v === null) continue;
        const n = numberArg(ctx, fn, v);
        if (best === null || (fn === 'min' ? n < best : n > best)) best = n;
      }
      return best;
    },
  };
}

const DECIMAL = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

// Fixed decimals with an optional group separator, without Intl: ICU data differs between
// Node builds, and a workflow replayed on another build must render the same text.
function formatNumber(n: number, decimals: number, group: string, point: string): string {
  const fixed = Math.abs(n).toFixed(decimals);
  if (fixed.includes('e')) return String(n);
  const [whole = '0', fraction] = fixed.split('.');
  const grouped = group === '' ? whole : whole.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  const sign = n < 0 && /[1-9]/.test(fixed) ? '-' : '';
  return sign + grouped + (fraction === undefined ? '' : point + fraction);
}

/**
 * The whole set of functions author text may call. Anything not here is a compile error;
 * none of them reads a clock, randomness or anything outside its arguments.
 */
export const expressionFunctions: Readonly<Record<string, FunctionSpec>> = {
  default: {
    signature: 'default(value, fallback)',
    description: '`value`, or `fallback` when `value` is null (missing).',
    minArgs: 2,
    maxArgs: 2,
    call: ([v = null, fallback = null]) => (v === null ? fallback : v),
  },
  length: {
    signature: 'length(value)',
    description: 'Characters in a text, items in a list, keys of an object; 0 for null.',
    minArgs: 1,
    maxArgs: 1,
    call: ([v = null], ctx) => {
      if (v === null) return 0;
      if (typeof v === 'string') {
        chargeText(ctx, v);
        let count = 0;
        for (const _ of v) count++;
        return count;
      }
      if (Array.isArray(v)) return v.length;
      if (typeof v === 'object') return Object.keys(v).length;
      return typeError(ctx, `length() expects a text, list or object, got ${typeName(v)}`);
    },
  },
  upper: onString('upper', 'Text in upper case.', (s) => s.toUpperCase()),
  lower: onString('lower', 'Text in lower case.', (s) => s.toLowerCase()),
  trim: onString('trim', 'Text without leading and trailing white space.', (s) => s.trim()),
  contains: {
    signature: 'contains(textOrList, part)',
    description: 'Whether a text contains a piece of text, or a list contains an item; false for null.',
    minArgs: 2,
    maxArgs: 2,
    call: ([haystack = null, needle = null], ctx) => {
      if (haystack === null) return false;
      if (Array.isArray(haystack)) {
        return haystack.some((item) => valuesEqual(toValue(item), needle, ctx.budget, ctx.position));
      }
      if (needle === null) return false;
      return stringArg(ctx, 'contains', haystack).includes(stringArg(ctx, 'contains', needle));
    },
  },
  startsWith: textTest('startsWith', 'Whether a text starts with `part`; false for null.', (s, p) => s.startsWith(p)),
  endsWith: textTest('endsWith', 'Whether a text ends with `part`; false for null.', (s, p) => s.endsWith(p)),
  join: {
    signature: 'join(list, separator = ", ")',
    description: 'The items of a list as one text, separated by `separator`; "" for null.',
    minArgs: 1,
    maxArgs: 2,
    call: ([list = null, separator = ', '], ctx) => {
      if (list === null) return '';
      if (!Array.isArray(list)) return typeError(ctx, `join() expects a list, got ${typeName(list)}`);
      const sep = stringArg(ctx, 'join', separator);
      ctx.budget.charge(list.length, ctx.position);
      const parts = list.map((item) => displayString(toValue(item), ctx.budget, ctx.position));
      return checkString(parts.join(sep), ctx.position);
    },
  },
  string: {
    signature: 'string(value)',
    description: 'A value as text, as a template would show it: "" for null, JSON for lists and objects.',
    minArgs: 1,
    maxArgs: 1,
    call: ([v = null], ctx) => displayString(v, ctx.budget, ctx.position),
  },
  number: {
    signature: 'number(value)',
    description: 'A decimal number read from text (e.g. what the user typed); null when the text is not a number.',
    minArgs: 1,
    maxArgs: 1,
    call: ([v = null], ctx) => {
      if (typeof v === 'number' || v === null) return v;
      if (typeof v !== 'string') return typeError(ctx, `number() expects a text or number, got ${typeName(v)}`);
      chargeText(ctx, v);
      if (!DECIMAL.test(v)) return null;
      const n = Number(v);
      return Number.isFinite(n) ? n : null;
    },
  },
  json: {
    signature: 'json(value)',
    description: 'A value as JSON text, e.g. to put user input safely into an HTTP request body.',
    minArgs: 1,
    maxArgs: 1,
    call: ([v = null], ctx) => toJson(v, ctx.budget, ctx.position),
  },
  format: {
    signature: 'format(number, decimals = 0, groupSeparator = "", decimalPoint = ".")',
    description: 'A number as text with fixed decimals, e.g. `format(1234.5, 2, " ", ",")` is "1 234,50"; null for null.',
    minArgs: 1,
    maxArgs: 4,
    call: ([v = null, decimals, group = '', point = '.'], ctx) => {
      if (v === null) return null;
      const n = numberArg(ctx, 'format', v);
      return formatNumber(n, decimalsArg(ctx, 'format', decimals), stringArg(ctx, 'format', group), stringArg(ctx, 'format', point));
    },
  },
  round: {
    signature: 'round(number, decimals = 0)',
    description: 'A number rounded to `decimals` places (halves round up); null for null.',
    minArgs: 1,
    maxArgs: 2,
    call: ([v = null, decimals], ctx) => {
      if (v === null) return null;
      const n = numberArg(ctx, 'round', v);
      const scale = 10 ** decimalsArg(ctx, 'round', decimals);
      const rounded = Math.round(n * scale) / scale;
      return Number.isFinite(rounded) ? rounded : n;
    },
  },
  floor: onNumber('floor', 'The largest whole number not above the number; null for null.', Math.floor),
  ceil: onNumber('ceil', 'The smallest whole number not below the number; null for null.', Math.ceil),
  abs: onNumber('abs', 'The number without its sign; null for null.', Math.abs),
  min: extreme('min'),
  max: extreme('max'),
};
