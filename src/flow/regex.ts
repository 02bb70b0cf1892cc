// Regular expressions written by bot authors (text triggers, input validation). They run on user
// text inside the chat workflow, where every chat of a worker shares one thread: a pattern that
// backtracks catastrophically (`(a|a)+$`, `^(?:\d+[.,]?){1,10}$`) on one hostile message would
// stall all of them until the deadlock detector kills the worker. So patterns run on RE2
// (re2js: pure JavaScript, no I/O, fits the workflow sandbox), whose time is linear in the input
// for every pattern; no heuristic about the pattern's shape is needed.
//
// Authors write JavaScript syntax; `translateRegExp` maps what RE2 spells differently
// (`\u0041`, `(?<name>…)`). RE2 refuses what cannot run in linear time: lookarounds and
// backreferences. docs/flows.md lists the differences.

import { RE2JS } from 're2js';

export const MAX_PATTERN_LENGTH = 200;

/** A compiled author pattern: `exec` searches the text and returns the groups ('' for a group that did not take part), or null. */
export interface AuthorPattern {
  exec(text: string): string[] | null;
}

/** The one way flows compile patterns, shared by the validator and the runtime (throws on a pattern RE2 refuses). */
export function compileAuthorRegex(pattern: string, caseSensitive: boolean): AuthorPattern {
  refuseBackreferences(pattern);
  const compiled = RE2JS.compile(RE2JS.translateRegExp(pattern), caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE);
  return {
    exec(text) {
      const match = compiled.matcher(text);
      if (!match.find()) return null;
      const groups: string[] = [];
      for (let i = 0; i <= match.groupCount(); i++) groups.push(match.group(i) ?? '');
      return groups;
    },
  };
}

/**
 * The engine chats used before RE2 (JavaScript's backtracking RegExp). Only workflow histories
 * recorded before the switch replay with it: their messages were matched with it once already,
 * and a replay must reach the same decisions.
 */
export function compileLegacyRegex(pattern: string, caseSensitive: boolean): AuthorPattern {
  const compiled = new RegExp(pattern, caseSensitive ? 'u' : 'iu');
  return {
    exec(text) {
      const match = compiled.exec(text);
      return match ? [...match].map((g) => g ?? '') : null;
    },
  };
}

/** Why `pattern` cannot be published, or undefined when it can. */
export function regexProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return `pattern is longer than ${MAX_PATTERN_LENGTH} characters`;
  // Both flag sets the runtime uses: case folding can make a pattern's program larger.
  for (const caseSensitive of [true, false]) {
    try {
      compileAuthorRegex(pattern, caseSensitive);
    } catch (error) {
      return `pattern cannot be used: ${(error as Error).message} (patterns run on RE2: no lookarounds or backreferences)`;
    }
  }
  return undefined;
}

// RE2 refuses `\1`, but `translateRegExp` turns `\k<name>` into a literal "k<name>", silently
// changing what the pattern means; both are refused here with one message.
function refuseBackreferences(pattern: string): void {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern.charAt(i) !== '\\') continue;
    const next = pattern.charAt(i + 1);
    if (next === 'k' || (next >= '1' && next <= '9')) throw new SyntaxError(`backreferences are not supported: \`\\${next}\``);
    i++;
  }
}
