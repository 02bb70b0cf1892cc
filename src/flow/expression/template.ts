import type { Expr } from './ast';
import { ExpressionSyntaxError } from './errors';
import { tokenize } from './lexer';
import { MAX_PLACEHOLDERS, MAX_TEMPLATE_LENGTH } from './limits';
import { parseTokens } from './parser';

export interface Placeholder {
  readonly expr: Expr;
  /** Offset of the opening `{{` in the template. */
  readonly position: number;
}

/** Literal text and `{{ … }}` placeholders, in order. */
export type TemplatePart = string | Placeholder;

/**
 * Splits a template into literal text and parsed placeholders. A literal `{{` is written as
 * `{{ "{{" }}`; a `}}` outside a placeholder is plain text.
 */
export function parseTemplate(source: string): TemplatePart[] {
  if (source.length > MAX_TEMPLATE_LENGTH) {
    throw new ExpressionSyntaxError('too-long', `template is longer than ${MAX_TEMPLATE_LENGTH} characters`, MAX_TEMPLATE_LENGTH);
  }
  const parts: TemplatePart[] = [];
  let placeholders = 0;
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) break;
    if (open > i) parts.push(source.slice(i, open));
    if (++placeholders > MAX_PLACEHOLDERS) {
      throw new ExpressionSyntaxError('too-long', `template has more than ${MAX_PLACEHOLDERS} placeholders`, open);
    }
    const { tokens, end } = tokenize(source, open + 2, 'template');
    parts.push({ expr: parseTokens(tokens), position: open });
    i = end;
  }
  if (i < source.length) parts.push(source.slice(i));
  return parts;
}

/** Telegram's formatting modes; a message without one is plain text. */
export const PARSE_MODES = ['HTML', 'MarkdownV2'] as const;
export type ParseMode = (typeof PARSE_MODES)[number];

const HTML: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/**
 * Escapes an interpolated value for the message's parse mode. Without it a user whose name
 * contains `<` would make Telegram reject every HTML message that greets them.
 */
export function escapeText(text: string, parseMode: ParseMode | undefined): string {
  switch (parseMode) {
    case 'HTML':
      return text.replace(/[&<>"]/g, (c) => HTML[c] ?? c);
    case 'MarkdownV2':
      return text.replace(/[_*[\]()~`>#+\-=|{}.!\\]/g, (c) => `\\${c}`);
    case undefined:
      return text;
  }
}
