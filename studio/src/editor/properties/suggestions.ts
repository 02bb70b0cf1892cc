import { contextRoots, expressionFunctions, fieldRoots } from '../../../../src/flow';
import type { DocVariable } from '../../flow/doc';
import type { TextKind } from './form-model';

export interface Suggestion {
  /** What is inserted, e.g. `user.balance` or `length(`. */
  text: string;
  /** A short note shown beside it (the variable's type, what a context field holds). */
  detail: string;
}

export interface SuggestionList {
  items: Suggestion[];
  /** The part of the text the chosen suggestion replaces. */
  from: number;
  to: number;
}

const NAME_BEFORE_CARET = /[A-Za-z_][A-Za-z0-9_.]*$/;

/** Every name a field of this kind may read, with a note on each. */
export function namesFor(kind: TextKind, roots: readonly string[], variables: readonly DocVariable[]): Suggestion[] {
  const declared = variables
    .filter((v) => typeof v.name === 'string' && v.name !== '')
    .map((v) => ({ text: `${v.scope}.${v.name}`, detail: `${v.type}${v.description ? ` – ${v.description}` : ''}` }));
  if (kind === 'variable') return declared;
  if (kind !== 'template' && kind !== 'expression') return [];
  const context = Object.entries(contextRoots).flatMap(([root, spec]) =>
    Object.entries(spec.fields).map(([field, detail]) => ({ text: `${root}.${field}`, detail })),
  );
  const extra = roots.flatMap((root) => {
    const spec = fieldRoots[root];
    if (!spec) return [];
    const fields = Object.entries(spec.fields).map(([field, detail]) => ({ text: `${root}.${field}`, detail }));
    return fields.length > 0 ? fields : [{ text: `${root}.`, detail: spec.anyMember ?? spec.description }];
  });
  const functions = Object.entries(expressionFunctions).map(([name, fn]) => ({ text: `${name}(`, detail: fn.signature }));
  return [...declared, ...context, ...extra, ...functions];
}

/**
 * Suggestions for the name being typed at `caret`: in an expression anywhere, in a template only
 * inside `{{ … }}`. Nothing when no name is being typed or the name is complete.
 */
export function suggest(
  kind: TextKind,
  roots: readonly string[],
  text: string,
  caret: number,
  variables: readonly DocVariable[],
  limit = 8,
): SuggestionList | null {
  if (kind !== 'template' && kind !== 'expression') return null;
  const before = text.slice(0, caret);
  if (kind === 'template' && before.lastIndexOf('{{') <= before.lastIndexOf('}}')) return null;
  const typed = NAME_BEFORE_CARET.exec(before)?.[0] ?? '';
  // Right after `{{` or an operator with nothing typed yet, every name is offered.
  const inPlaceholder = kind === 'template' && /\{\{\s*$/.test(before);
  if (typed === '' && !inPlaceholder) return null;
  const needle = typed.toLowerCase();
  const items = namesFor(kind, roots, variables)
    .filter((s) => s.text.toLowerCase().startsWith(needle) && s.text !== typed)
    .slice(0, limit);
  return items.length === 0 ? null : { items, from: caret - typed.length, to: caret };
}

/** The text with a suggestion put in, and where the caret goes after it. */
export function applySuggestion(text: string, list: SuggestionList, choice: Suggestion): { text: string; caret: number } {
  return { text: text.slice(0, list.from) + choice.text + text.slice(list.to), caret: list.from + choice.text.length };
}
