import { compileAuthorRegex, compileLegacyRegex } from '../../../flow/regex';
import { describe } from '../activities';
import { since } from '../patches';

/**
 * Searches user text with an author's pattern on RE2, whose time is linear whatever the pattern
 * (flow/regex.ts). Histories recorded before the switch (no patch marker) matched with
 * JavaScript's RegExp and replay with it. A pattern published under the old rules that RE2
 * refuses (a lookaround, a backreference) throws: the input cannot be judged.
 */
export function searchPattern(pattern: string, caseSensitive: boolean, text: string): string[] | null {
  const compile = since('linear-regex') ? compileAuthorRegex : compileLegacyRegex;
  let compiled;
  try {
    compiled = compile(pattern, caseSensitive);
  } catch (err) {
    throw new Error(`pattern ${JSON.stringify(pattern)} cannot be used: ${describe(err)}; publish a version that passes validation`);
  }
  return compiled.exec(text.slice(0, 4_096));
}
