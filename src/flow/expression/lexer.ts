import { ExpressionSyntaxError } from './errors';
import { MAX_EXPRESSION_LENGTH } from './limits';

export type TokenKind = 'number' | 'string' | 'identifier' | 'operator' | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** Operator or identifier text; for literals, the raw source text. */
  readonly text: string;
  /** Decoded value of a number or string literal. */
  readonly value?: number | string;
  /** 0-based offset of the token's first character in the whole source. */
  readonly position: number;
}

export interface Tokens {
  readonly tokens: readonly Token[];
  /** Offset just past the last character consumed (past `}}` in template mode). */
  readonly end: number;
}

const OPERATORS = ['==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '(', ')', '[', ']', '.', ','];

// Operators from other languages that authors try first; a hint beats "unexpected character".
const HINTS: Readonly<Record<string, string>> = {
  '&&': 'use "and" instead of "&&"',
  '||': 'use "or" instead of "||"',
  '!': 'use "not" instead of "!"',
  '=': 'use "==" to compare',
};

const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  r: '\r',
  t: '\t',
  '0': '\0',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isIdentStart = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdentPart = (c: string): boolean => isIdentStart(c) || isDigit(c);

/**
 * Splits `source` into tokens from offset `start`. In `expression` mode it reads to the end of
 * the source; in `template` mode it stops after the `}}` that closes a placeholder. Either
 * way it reads at most MAX_EXPRESSION_LENGTH characters, so a huge input costs nothing extra.
 */
export function tokenize(source: string, start: number, mode: 'expression' | 'template'): Tokens {
  const limit = start + MAX_EXPRESSION_LENGTH;
  const tokens: Token[] = [];
  let i = start;
  for (;;) {
    while (i < source.length && ' \t\r\n'.includes(source.charAt(i))) i++;
    if (i > limit) throw new ExpressionSyntaxError('too-long', `expression is longer than ${MAX_EXPRESSION_LENGTH} characters`, limit);
    if (i >= source.length) {
      if (mode === 'template') fail('placeholder is not closed with "}}"', start - 2);
      tokens.push({ kind: 'end', text: '', position: i });
      return { tokens, end: i };
    }
    const c = source.charAt(i);
    const at = i;
    if (mode === 'template' && source.startsWith('}}', i)) {
      tokens.push({ kind: 'end', text: '}}', position: i });
      return { tokens, end: i + 2 };
    }
    if (isDigit(c)) {
      i = skipDigits(source, i);
      if (source.charAt(i) === '.' && isDigit(source.charAt(i + 1))) i = skipDigits(source, i + 1);
      const e = source.charAt(i);
      if (e === 'e' || e === 'E') {
        let j = i + 1;
        if (source.charAt(j) === '+' || source.charAt(j) === '-') j++;
        if (!isDigit(source.charAt(j))) fail('malformed number exponent', i);
        i = skipDigits(source, j);
      }
      const text = source.slice(at, i);
      const value = Number(text);
      if (!Number.isFinite(value)) throw new ExpressionSyntaxError('out-of-range', `number ${text} is too large`, at);
      tokens.push({ kind: 'number', text, value, position: at });
    } else if (c === '"' || c === "'") {
      const { value, end } = readString(source, i, limit);
      i = end;
      tokens.push({ kind: 'string', text: source.slice(at, i), value, position: at });
    } else if (isIdentStart(c)) {
      while (i < source.length && isIdentPart(source.charAt(i))) i++;
      tokens.push({ kind: 'identifier', text: source.slice(at, i), position: at });
    } else {
      const two = source.slice(i, i + 2);
      const hint = HINTS[two] ?? (OPERATORS.includes(two) ? undefined : HINTS[c]);
      if (hint !== undefined) fail(hint, at);
      const op = OPERATORS.includes(two) ? two : OPERATORS.includes(c) ? c : undefined;
      if (op === undefined) fail(`unexpected character ${JSON.stringify(c)}`, at);
      i += op.length;
      tokens.push({ kind: 'operator', text: op, position: at });
    }
  }
}

function fail(message: string, at: number): never {
  throw new ExpressionSyntaxError('syntax', message, at);
}

function skipDigits(source: string, i: number): number {
  while (i < source.length && isDigit(source.charAt(i))) i++;
  return i;
}

function readString(source: string, start: number, limit: number): { value: string; end: number } {
  const quote = source.charAt(start);
  let value = '';
  let i = start + 1;
  for (;;) {
    if (i > limit) throw new ExpressionSyntaxError('too-long', `expression is longer than ${MAX_EXPRESSION_LENGTH} characters`, limit);
    if (i >= source.length || source.charAt(i) === '\n') {
      fail('string is not closed', start);
    }
    const c = source.charAt(i);
    if (c === quote) return { value, end: i + 1 };
    if (c !== '\\') {
      value += c;
      i++;
      continue;
    }
    const e = source.charAt(i + 1);
    const simple = ESCAPES[e];
    if (simple !== undefined) {
      value += simple;
      i += 2;
    } else if (e === 'u') {
      const { char, end } = readUnicodeEscape(source, i);
      value += char;
      i = end;
    } else {
      fail(`unknown escape "\\${e}"`, i);
    }
  }
}

// \uXXXX or \u{X…}; the code point must be valid Unicode.
function readUnicodeEscape(source: string, at: number): { char: string; end: number } {
  const braced = source.charAt(at + 2) === '{';
  const close = braced ? source.indexOf('}', at + 3) : at + 6;
  const hex = braced ? (close > 0 ? source.slice(at + 3, close) : '') : source.slice(at + 2, close);
  const ok = braced ? /^[0-9a-fA-F]{1,6}$/.test(hex) : /^[0-9a-fA-F]{4}$/.test(hex);
  const code = ok ? parseInt(hex, 16) : -1;
  if (code < 0 || code > 0x10ffff) fail('malformed \\u escape', at);
  return { char: String.fromCodePoint(code), end: braced ? close + 1 : close };
}
