// The expression language of flows: conditions such as `user.balance >= 100 and
// chat.lang == "ru"` and templates such as `Balance: {{ user.balance }}`. Pure and
// deterministic (no eval, no clock, no randomness, no globals), so the chat workflow can run it
// and replay it; bounded in length, depth and work (see limits.ts).
import type { Expr } from './ast';
import { ExpressionSyntaxError } from './errors';
import { evaluateAst } from './evaluate';
import { tokenize } from './lexer';
import { MAX_EXPRESSION_LENGTH } from './limits';
import { parseTokens } from './parser';
import { collectReferences, type NameReference } from './references';
import { escapeText, type ParseMode, parseTemplate, type TemplatePart } from './template';
import { Budget, checkString, displayString, type ScopeInput, type Value } from './values';

export interface CompiledExpression {
  readonly kind: 'expression';
  readonly source: string;
  readonly ast: Expr;
}

export interface CompiledTemplate {
  readonly kind: 'template';
  readonly source: string;
  readonly parts: readonly TemplatePart[];
}

/** Parses an expression once, for repeated evaluation. Throws ExpressionSyntaxError. */
export function compileExpression(source: string): CompiledExpression {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionSyntaxError('too-long', `expression is longer than ${MAX_EXPRESSION_LENGTH} characters`, MAX_EXPRESSION_LENGTH);
  }
  return { kind: 'expression', source, ast: parseTokens(tokenize(source, 0, 'expression').tokens) };
}

/**
 * The value of an expression over `scope` (e.g. `{ run, chat, user, bot, message }`).
 * Missing names are null. Throws ExpressionSyntaxError or ExpressionRuntimeError only.
 */
export function evaluateExpression(expression: string | CompiledExpression, scope: ScopeInput): Value {
  const { ast } = typeof expression === 'string' ? compileExpression(expression) : expression;
  return evaluateAst(ast, scope, new Budget());
}

/** Parses a template once, for repeated rendering. Throws ExpressionSyntaxError. */
export function compileTemplate(source: string): CompiledTemplate {
  return { kind: 'template', source, parts: parseTemplate(source) };
}

export interface RenderOptions {
  /** The message's parse mode: interpolated values are escaped for it, literal text is left as written. */
  readonly parseMode?: ParseMode | undefined;
}

/** Text of a template with every placeholder evaluated over `scope`; null renders as "". */
export function renderTemplate(template: string | CompiledTemplate, scope: ScopeInput, options: RenderOptions = {}): string {
  const { parts } = typeof template === 'string' ? compileTemplate(template) : template;
  const budget = new Budget();
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      out += part;
    } else {
      const value = evaluateAst(part.expr, scope, budget);
      out = checkString(out + escapeText(displayString(value, budget, part.position), options.parseMode), part.position);
    }
  }
  return out;
}

/**
 * Every name an expression or template reads, with its position. A string is compiled as an
 * expression. The validator uses this to check that each name is declared.
 */
export function referencedVariables(source: string | CompiledExpression | CompiledTemplate): NameReference[] {
  const compiled = typeof source === 'string' ? compileExpression(source) : source;
  if (compiled.kind === 'expression') return collectReferences(compiled.ast);
  const out: NameReference[] = [];
  for (const part of compiled.parts) if (typeof part !== 'string') collectReferences(part.expr, out);
  return out;
}

export { ExpressionError, ExpressionRuntimeError, ExpressionSyntaxError, type ExpressionErrorCode } from './errors';
export { expressionFunctions, type FunctionSpec } from './functions';
export * as expressionLimits from './limits';
export type { NameReference } from './references';
export { PARSE_MODES, type ParseMode } from './template';
export { isTruthy, type ScopeInput, type Value } from './values';
