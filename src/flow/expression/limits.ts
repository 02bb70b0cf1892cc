// Limits that keep every compile and evaluation bounded, whatever an author (or an attacker
// with editor access) writes. They are part of the language: documented in docs/flows.md.

/** Longest expression, in characters (a condition, or one `{{ … }}` placeholder). */
export const MAX_EXPRESSION_LENGTH = 1_000;
/** Longest template, in characters. */
export const MAX_TEMPLATE_LENGTH = 10_000;
/** Most `{{ … }}` placeholders in one template. */
export const MAX_PLACEHOLDERS = 200;
/** Deepest nesting of parentheses, calls, indexing and operators. */
export const MAX_DEPTH = 64;
/** Most evaluation steps (node visits plus per-element work) for one evaluation or render. */
export const MAX_STEPS = 10_000;
/** Longest string an evaluation or render may produce. */
export const MAX_STRING_LENGTH = 65_536;
/** Deepest nesting of lists and objects in data an evaluation compares or turns into text. */
export const MAX_DATA_DEPTH = 100;
