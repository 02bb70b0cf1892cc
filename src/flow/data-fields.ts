import { z } from 'zod';
import { type FieldKind, KIND_KEY, ROOTS_KEY } from './fields';

/** A template, expression, variable name or node id found in a node's `data`. */
export interface DataField {
  readonly kind: FieldKind;
  /** Path inside `data`, e.g. `['keyboard', 'rows', 0, 1, 'text']`. */
  readonly path: readonly (string | number)[];
  readonly value: string;
  /** Extra roots the field may read (e.g. `response`). */
  readonly roots: readonly string[];
}

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

function fieldKind(schema: z.ZodType): { kind: FieldKind; roots: readonly string[] } | undefined {
  const meta = z.globalRegistry.get(schema);
  const kind = meta?.[KIND_KEY];
  if (kind !== 'template' && kind !== 'expression' && kind !== 'variable' && kind !== 'node') return undefined;
  const roots = meta?.[ROOTS_KEY];
  return { kind, roots: Array.isArray(roots) ? roots.filter((r): r is string => typeof r === 'string') : [] };
}

/**
 * Walks `value` (already valid for `schema`) alongside the schema and collects the fields
 * marked with `x-flow-kind`. The schema is the single list of which fields hold code, so a
 * new field cannot be forgotten by the validator.
 */
export function collectDataFields(schema: z.ZodType, value: unknown, path: (string | number)[] = [], out: DataField[] = []): DataField[] {
  const marked = fieldKind(schema);
  if (marked !== undefined) {
    if (typeof value === 'string') out.push({ ...marked, path, value });
    return out;
  }
  if (
    schema instanceof z.ZodOptional ||
    schema instanceof z.ZodNullable ||
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodPrefault
  ) {
    if (value !== undefined && value !== null) collectDataFields(schema.def.innerType as z.ZodType, value, path, out);
  } else if (schema instanceof z.ZodObject) {
    if (typeof value !== 'object' || value === null) return out;
    const shape = schema.shape as Record<string, z.ZodType>;
    for (const [key, field] of Object.entries(shape)) {
      if (hasOwn(value, key)) collectDataFields(field, (value as Record<string, unknown>)[key], [...path, key], out);
    }
  } else if (schema instanceof z.ZodArray) {
    if (Array.isArray(value)) value.forEach((item, i) => collectDataFields(schema.element as z.ZodType, item, [...path, i], out));
  } else if (schema instanceof z.ZodRecord) {
    if (typeof value !== 'object' || value === null) return out;
    for (const [key, item] of Object.entries(value)) collectDataFields(schema.valueType as z.ZodType, item, [...path, key], out);
  } else if (schema instanceof z.ZodUnion) {
    const option = (schema.options as readonly z.ZodType[]).find((o) => o.safeParse(value).success);
    if (option !== undefined) collectDataFields(option, value, path, out);
  }
  return out;
}
