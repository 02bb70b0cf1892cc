// Field schemas shared by node types. Fields that hold author code or names of other things
// carry an `x-flow-kind` in their zod metadata; it is shown in the JSON Schema (so editors
// can highlight them) and read back by `collectDataFields` (so the validator finds every
// template, expression and reference without a hand-kept list per node type).
import { z } from 'zod';
import { MAX_EXPRESSION_LENGTH, MAX_TEMPLATE_LENGTH } from './expression/limits';
import { PARSE_MODES } from './expression/template';
import { FORBIDDEN_NAMES } from './expression/values';
import { MAX_PATTERN_LENGTH, regexProblem } from './regex';
import { variableScopes } from './scope';

export type FieldKind = 'template' | 'expression' | 'variable' | 'node';

export const KIND_KEY = 'x-flow-kind';
export const ROOTS_KEY = 'x-flow-roots';

const NAME = '[A-Za-z_][A-Za-z0-9_]{0,63}';

const identifierPattern = new RegExp(`^${NAME}$`);

/** `scope.name`, e.g. `user.balance`. */
export const variableRefPattern = new RegExp(`^(${variableScopes.join('|')})\\.(${NAME})$`);

export const identifierSchema = z
  .string()
  .regex(identifierPattern, 'must be a name: a letter or "_", then letters, digits or "_" (at most 64)')
  .refine((name) => !FORBIDDEN_NAMES.has(name), 'this name is reserved');

export interface TemplateOptions {
  readonly max?: number;
  /** What the literal start of the template must look like, and the message when it does not. */
  readonly prefix?: readonly [RegExp, string];
  /** Extra roots its placeholders may read (see fieldRoots). */
  readonly roots?: readonly string[];
}

export function templateField(description: string, { max = MAX_TEMPLATE_LENGTH, prefix, roots = [] }: TemplateOptions = {}) {
  const base = z.string().min(1).max(max);
  const meta =
    roots.length > 0 ? { description, [KIND_KEY]: 'template', [ROOTS_KEY]: [...roots] } : { description, [KIND_KEY]: 'template' };
  return (prefix === undefined ? base : base.regex(prefix[0], prefix[1])).meta(meta);
}

export function expressionField(description: string, roots: readonly string[] = []) {
  const meta =
    roots.length > 0 ? { description, [KIND_KEY]: 'expression', [ROOTS_KEY]: [...roots] } : { description, [KIND_KEY]: 'expression' };
  return z.string().min(1).max(MAX_EXPRESSION_LENGTH).meta(meta);
}

export function variableField(description: string) {
  return z
    .string()
    .regex(variableRefPattern, 'must name a variable as scope.name, e.g. "run.answer" (scopes: run, chat, user, bot)')
    .meta({ description, [KIND_KEY]: 'variable' });
}

export function nodeField(description: string) {
  return z
    .string()
    .min(1)
    .max(128)
    .meta({ description, [KIND_KEY]: 'node' });
}

/** Names to expressions, e.g. analytics properties; at most 20 entries. */
export function expressionMapField(description: string) {
  return z
    .record(identifierSchema, expressionField('Expression giving the value.'))
    .refine((map) => Object.keys(map).length <= 20, 'must have at most 20 entries')
    .meta({ description });
}

export function durationField(description: string, minMs: number, maxMs: number) {
  return z.number().int().min(minMs).max(maxMs).meta({ description });
}

/** An author's regular expression: short, and compiles on RE2 with the runtime's flags (see regex.ts). */
export function patternField(description: string) {
  return z
    .string()
    .min(1)
    .max(MAX_PATTERN_LENGTH)
    .superRefine((pattern, ctx) => {
      const problem = regexProblem(pattern);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, params: { code: 'invalid-regex' } });
    })
    .meta({ description });
}

export const DAY_MS = 86_400_000;

// Callback data travels inside Telegram buttons, limited to 64 bytes of UTF-8.
function utf8Length(s: string): number {
  let bytes = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}

export function callbackDataField(description: string) {
  return z
    .string()
    .min(1)
    .max(64)
    .refine((s) => utf8Length(s) <= 64, 'must be at most 64 bytes of UTF-8 (a Telegram limit)')
    .meta({ description });
}

export const parseModeSchema = z
  .enum(PARSE_MODES)
  .meta({ description: 'How Telegram formats the text; values inserted by placeholders are escaped for it. Plain text when absent.' });

const labelSchema = z.string().max(200).meta({ description: 'Name shown in the editor.' });

/** A `data` object: unknown keys are errors, so a typo never silently drops a setting. */
export function dataSchema<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject({ label: labelSchema.optional(), ...shape });
}
