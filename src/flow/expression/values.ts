import { ExpressionRuntimeError } from './errors';
import { MAX_DATA_DEPTH, MAX_STEPS, MAX_STRING_LENGTH } from './limits';

/** Everything an expression can produce: JSON-like data. */
export type Value = null | boolean | number | string | readonly Value[] | { readonly [key: string]: Value };

/**
 * Data an expression reads: plain objects, arrays, Maps and JSON primitives. Anything else
 * (functions, class instances, symbols, undefined) reads as null, so nothing but data is
 * ever reachable from author text.
 */
export type ScopeInput = Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>;

// Names that lead to prototypes in JavaScript. Lookups are own-property only and objects are
// checked to be plain, so these are already harmless; refusing them outright also keeps a
// hostile `x["__proto__"]` from ever reaching a property read.
export const FORBIDDEN_NAMES: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

// Plain = created by an object literal or JSON.parse, in any realm (the Temporal workflow
// sandbox has its own Object.prototype), or with a null prototype.
export function isPlainObject(v: unknown): v is Readonly<Record<string, unknown>> {
  if (typeof v !== 'object' || v === null || Object.prototype.toString.call(v) !== '[object Object]') return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

function isMap(v: unknown): v is ReadonlyMap<unknown, unknown> {
  return typeof v === 'object' && v !== null && Object.prototype.toString.call(v) === '[object Map]';
}

/** Counts evaluation work so that every evaluation ends, whatever the input. */
export class Budget {
  private steps = 0;
  charge(n: number, position: number): void {
    this.steps += n;
    if (this.steps > MAX_STEPS) {
      throw new ExpressionRuntimeError('budget', `evaluation needs more than ${MAX_STEPS} steps`, position);
    }
  }
}

export function checkString(s: string, position: number): string {
  if (s.length > MAX_STRING_LENGTH) {
    throw new ExpressionRuntimeError('out-of-range', `string longer than ${MAX_STRING_LENGTH} characters`, position);
  }
  return s;
}

/**
 * Turns input data into a Value for one level: primitives pass, arrays/plain objects/Maps are
 * returned as containers (their members are normalised when read), everything else is null.
 */
export function toValue(v: unknown): Value {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'object':
      if (v === null) return null;
      if (Array.isArray(v) || isPlainObject(v)) return v as Value;
      if (isMap(v)) return mapToObject(v);
      return null;
    default:
      return null;
  }
}

// Maps are read through a null-prototype snapshot of their string keys.
function mapToObject(m: ReadonlyMap<unknown, unknown>): Value {
  const out: Record<string, Value> = Object.create(null) as Record<string, Value>;
  Map.prototype.forEach.call(m, (value: unknown, key: unknown) => {
    if (typeof key === 'string' && !FORBIDDEN_NAMES.has(key)) out[key] = value as Value;
  });
  return out;
}

// Reads an own data property. A getter is never called: reading data must not run code.
function ownValue(target: object, key: string): Value {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  return descriptor !== undefined && 'value' in descriptor ? toValue(descriptor.value) : null;
}

/** `target.key` / `target[key]`: own properties of plain data only; anything missing is null. */
export function lookup(target: unknown, key: string | number): Value {
  if (typeof key === 'number') {
    if (!Array.isArray(target) || !Number.isInteger(key) || key < 0 || key >= target.length) return null;
    return ownValue(target, String(key));
  }
  if (FORBIDDEN_NAMES.has(key)) return null;
  if (isPlainObject(target)) return ownValue(target, key);
  if (isMap(target)) return Map.prototype.has.call(target, key) ? toValue(Map.prototype.get.call(target, key)) : null;
  return null;
}

export function typeName(v: Value): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** Falsy: null, false, 0, "" and the empty list. Everything else is truthy. */
export function isTruthy(v: Value): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== null && v !== false && v !== 0 && v !== '';
}

/**
 * Data (an HTTP response, a variable) may be nested arbitrarily deep, and walking it recurses:
 * past MAX_DATA_DEPTH levels the evaluation fails with a clear error instead of overflowing the
 * stack (which would take the whole workflow task down).
 */
function checkDepth(depth: number, position: number): void {
  if (depth > MAX_DATA_DEPTH) {
    throw new ExpressionRuntimeError('too-deep', `data nested deeper than ${MAX_DATA_DEPTH} levels`, position);
  }
}

/** Structural equality without coercion: 1 == "1" is false, [1] == [1] is true. */
export function valuesEqual(a: Value, b: Value, budget: Budget, position: number, depth = 0): boolean {
  budget.charge(1, position);
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    checkDepth(depth + 1, position);
    return a.every((item, i) => valuesEqual(toValue(item), toValue(b[i]), budget, position, depth + 1));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a).filter((k) => !FORBIDDEN_NAMES.has(k));
    if (keys.length !== Object.keys(b).filter((k) => !FORBIDDEN_NAMES.has(k)).length) return false;
    checkDepth(depth + 1, position);
    return keys.every(
      (k) => Object.prototype.hasOwnProperty.call(b, k) && valuesEqual(lookup(a, k), lookup(b, k), budget, position, depth + 1),
    );
  }
  return false;
}

/** How a value reads inside text: null is empty, lists and objects are JSON. */
export function displayString(v: Value, budget: Budget, position: number): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return toJson(v, budget, position);
  return String(v);
}

/** JSON text of a value; charged per element so a huge input cannot stall the caller. */
export function toJson(v: Value, budget: Budget, position: number, depth = 0): string {
  budget.charge(1, position);
  let out: string;
  if (Array.isArray(v)) {
    checkDepth(depth + 1, position);
    out = `[${v.map((item) => toJson(toValue(item), budget, position, depth + 1)).join(',')}]`;
  } else if (v !== null && typeof v === 'object') {
    checkDepth(depth + 1, position);
    const parts = Object.keys(v)
      .filter((k) => !FORBIDDEN_NAMES.has(k))
      .map((k) => `${JSON.stringify(k)}:${toJson(lookup(v, k), budget, position, depth + 1)}`);
    out = `{${parts.join(',')}}`;
  } else {
    out = JSON.stringify(v);
  }
  return checkString(out, position);
}
