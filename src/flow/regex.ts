// Regular expressions written by bot authors (text triggers, input validation). They run on
// user text inside the chat workflow, so they are checked before a flow can be published.
//
// ReDoS risk: a pattern like `(a+)+$` takes exponential time on some inputs and would stall
// the worker that runs the chat. We bound pattern length and reject the classic shape, a
// quantified group that itself contains a quantifier. This is a heuristic, not a proof
// (`(a|a)+` passes); the runtime also bounds input length (Telegram caps a message at 4,096
// characters).

export const MAX_PATTERN_LENGTH = 200;

/** The one way flows compile patterns, shared by the validator and the runtime. */
export function compileAuthorRegex(pattern: string, caseSensitive: boolean): RegExp {
  return new RegExp(pattern, caseSensitive ? 'u' : 'iu');
}

/** Why `pattern` cannot be published, or undefined when it can. */
export function regexProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return `pattern is longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    compileAuthorRegex(pattern, true);
  } catch (error) {
    return `pattern does not compile: ${(error as Error).message}`;
  }
  if (hasNestedQuantifier(pattern)) {
    return 'a repeated group contains a repetition (like "(a+)+"), which can take exponential time; simplify the pattern';
  }
  return undefined;
}

interface Quantifier {
  readonly length: number;
  /** `*`, `+`, `{n,}`: may repeat without limit. */
  readonly unbounded: boolean;
}

// Quantifier at `i`, if any: `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` (a fixed `{n}` is not variable).
function quantifierAt(pattern: string, i: number): (Quantifier & { readonly variable: boolean }) | undefined {
  const c = pattern.charAt(i);
  const lazy = (n: number): number => (pattern.charAt(i + n) === '?' ? n + 1 : n);
  if (c === '*' || c === '+') return { length: lazy(1), unbounded: true, variable: true };
  if (c === '?') return { length: lazy(1), unbounded: false, variable: true };
  const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i, i + 16));
  if (m === null) return undefined;
  const unbounded = m[2] !== undefined && m[3] === '';
  const variable = m[2] !== undefined && m[3] !== m[1];
  return { length: lazy(m[0].length), unbounded, variable };
}

// `?:`, `?=`, `?!`, `?<=`, `?<!`, `?<name>` after `(`: syntax, not a quantifier.
function groupPrefixLength(pattern: string, i: number): number {
  if (pattern.charAt(i) !== '?') return 0;
  const m = /^\?(:|=|!|<=|<!|<[^>]*>)/.exec(pattern.slice(i, i + 40));
  return m === null ? 0 : m[0].length;
}

function hasNestedQuantifier(pattern: string): boolean {
  // For each open group: whether something inside it repeats a variable number of times.
  const groups: boolean[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern.charAt(i);
    if (c === '\\') {
      i += 2;
    } else if (c === '[') {
      i++;
      while (i < pattern.length && pattern.charAt(i) !== ']') i += pattern.charAt(i) === '\\' ? 2 : 1;
      i++;
    } else if (c === '(') {
      groups.push(false);
      i += 1 + groupPrefixLength(pattern, i + 1);
    } else if (c === ')') {
      const inner = groups.pop() ?? false;
      const q = quantifierAt(pattern, i + 1);
      if (inner && q?.unbounded) return true;
      if (groups.length > 0 && (inner || q?.variable)) groups[groups.length - 1] = true;
      i += 1 + (q?.length ?? 0);
    } else {
      const q = quantifierAt(pattern, i);
      if (q !== undefined) {
        if (q.variable && groups.length > 0) groups[groups.length - 1] = true;
        i += q.length;
      } else {
        i++;
      }
    }
  }
  return false;
}
