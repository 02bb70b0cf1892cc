/**
 * The properties form as data: a node type's JSON Schema (the validator's own zod schema, see
 * `dataJsonSchema`) turned into the controls that edit it. Pure, so the mapping is tested without
 * a browser; the React side (Field.tsx) only draws what this gives.
 */

export type Path = readonly (string | number)[];

/** What a text field holds, from the schema's `x-flow-kind`: it decides the suggestions it offers. */
export type TextKind = 'plain' | 'template' | 'expression' | 'variable' | 'node';

export type FieldSpec =
  | { kind: 'text'; textKind: TextKind; multiline: boolean; roots: readonly string[]; pattern?: string }
  | { kind: 'number'; integer: boolean; min?: number; max?: number; duration: boolean }
  | { kind: 'boolean' }
  | { kind: 'enum'; options: readonly string[] }
  /** A fixed value (a keyboard's `type` inside its variant): shown by the variant choice, not as a field. */
  | { kind: 'const'; value: unknown }
  /** A value of one of a few JSON types (a switch case's `equals`): a type choice and a value. */
  | { kind: 'scalar'; types: readonly ScalarType[] }
  | { kind: 'object'; properties: readonly PropertySpec[] }
  | { kind: 'array'; item: FieldSpec; minItems: number; maxItems?: number }
  /** An object with free keys (HTTP headers, analytics properties). */
  | { kind: 'map'; value: FieldSpec; keyPattern?: string }
  /** One of several object shapes told apart by a constant property (a keyboard's `type`). */
  | { kind: 'variants'; discriminator: string; variants: readonly { value: string; description?: string; spec: FieldSpec }[] }
  /** A shape the form cannot draw: edited as JSON text. */
  | { kind: 'json' };

export type ScalarType = 'string' | 'number' | 'boolean' | 'null';

export interface PropertySpec {
  key: string;
  required: boolean;
  description?: string;
  default?: unknown;
  spec: FieldSpec;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Follows `$ref: '#/$defs/x'` into the root schema's `$defs`, keeping the referring schema's description. */
function resolve(schema: Json, root: Json): Json {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return schema;
  const defs = isObject(root.$defs) ? root.$defs : {};
  const target = defs[ref.slice('#/$defs/'.length)];
  if (!isObject(target)) return schema;
  const { $ref: _ref, ...rest } = schema;
  return { ...resolve(target, root), ...rest };
}

/** A template longer than a line is edited in a text area (message texts, prompts, bodies). */
const MULTILINE_FROM = 500;

/** The control for one schema. `key` is the property name, which tells durations (`…Ms`) apart. */
export function fieldSpec(input: unknown, root: Json, key = ''): FieldSpec {
  if (!isObject(input)) return { kind: 'json' };
  const schema = resolve(input, root);
  if ('const' in schema) return { kind: 'const', value: schema.const };
  if (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === 'string')) return { kind: 'enum', options: schema.enum };
  const variants = schema.oneOf ?? schema.anyOf;
  if (Array.isArray(variants)) return variantsSpec(variants, root);
  const type = schema.type;
  if (Array.isArray(type)) {
    const scalars = type.filter((t): t is ScalarType => t === 'string' || t === 'number' || t === 'boolean' || t === 'null');
    return scalars.length === type.length ? { kind: 'scalar', types: scalars } : { kind: 'json' };
  }
  switch (type) {
    case 'string': {
      const flowKind = schema['x-flow-kind'];
      const textKind: TextKind =
        flowKind === 'template' || flowKind === 'expression' || flowKind === 'variable' || flowKind === 'node' ? flowKind : 'plain';
      const roots = Array.isArray(schema['x-flow-roots']) ? schema['x-flow-roots'].filter((r) => typeof r === 'string') : [];
      const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : 0;
      return {
        kind: 'text',
        textKind,
        multiline: maxLength >= MULTILINE_FROM && textKind !== 'expression',
        roots,
        ...(typeof schema.pattern === 'string' ? { pattern: schema.pattern } : {}),
      };
    }
    case 'integer':
    case 'number':
      return {
        kind: 'number',
        integer: type === 'integer',
        ...(typeof schema.minimum === 'number' ? { min: schema.minimum } : {}),
        ...(typeof schema.maximum === 'number' ? { max: schema.maximum } : {}),
        duration: /Ms$/.test(key),
      };
    case 'boolean':
      return { kind: 'boolean' };
    case 'array':
      return {
        kind: 'array',
        item: fieldSpec(schema.items, root),
        minItems: typeof schema.minItems === 'number' ? schema.minItems : 0,
        ...(typeof schema.maxItems === 'number' ? { maxItems: schema.maxItems } : {}),
      };
    case 'object': {
      if (isObject(schema.properties)) return objectSpec(schema, root);
      if (isObject(schema.additionalProperties)) {
        const names = isObject(schema.propertyNames) ? schema.propertyNames : {};
        return {
          kind: 'map',
          value: fieldSpec(schema.additionalProperties, root),
          ...(typeof names.pattern === 'string' ? { keyPattern: names.pattern } : {}),
        };
      }
      return { kind: 'json' };
    }
    default:
      return { kind: 'json' };
  }
}

function objectSpec(schema: Json, root: Json): FieldSpec {
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const properties = Object.entries(schema.properties as Json).map(([key, raw]): PropertySpec => {
    const property = isObject(raw) ? resolve(raw, root) : {};
    return {
      key,
      required: required.has(key),
      ...(typeof property.description === 'string' ? { description: property.description } : {}),
      ...('default' in property ? { default: property.default } : {}),
      spec: fieldSpec(raw, root, key),
    };
  });
  return { kind: 'object', properties };
}

/** Object shapes with one constant property in common become a choice; anything else is JSON. */
function variantsSpec(options: unknown[], root: Json): FieldSpec {
  const resolved = options.map((o) => (isObject(o) ? resolve(o, root) : {}));
  const discriminator = ['type', 'kind'].find((key) =>
    resolved.every((o) => isObject(o.properties) && isObject(o.properties[key]) && typeof o.properties[key].const === 'string'),
  );
  if (!discriminator) return { kind: 'json' };
  return {
    kind: 'variants',
    discriminator,
    variants: resolved.map((o) => ({
      value: ((o.properties as Json)[discriminator] as Json).const as string,
      ...(typeof o.description === 'string' ? { description: o.description } : {}),
      spec: objectSpec(o, root),
    })),
  };
}

/** The form of a node type's data (or of any object schema, such as a variable's). */
export function formSpec(schema: Record<string, unknown>): Extract<FieldSpec, { kind: 'object' }> {
  const spec = fieldSpec(schema, schema);
  if (spec.kind !== 'object') return { kind: 'object', properties: [] };
  // `label` (a name for the editor) goes last: the fields that make the node work come first.
  const label = spec.properties.filter((p) => p.key === 'label');
  return { kind: 'object', properties: [...spec.properties.filter((p) => p.key !== 'label'), ...label] };
}

/** A new item for a list or a new choice of variant: the smallest value that shows a useful form. */
export function emptyValue(spec: FieldSpec): unknown {
  switch (spec.kind) {
    case 'text':
      return '';
    case 'number':
      return spec.min ?? 0;
    case 'boolean':
      return false;
    case 'enum':
      return spec.options[0];
    case 'const':
      return spec.value;
    case 'scalar':
      return spec.types.includes('string') ? '' : null;
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const p of spec.properties) {
        if (p.spec.kind === 'const') out[p.key] = p.spec.value;
        else if (p.required && (p.spec.kind === 'array' || p.spec.kind === 'object' || p.spec.kind === 'variants'))
          out[p.key] = emptyValue(p.spec);
      }
      return out;
    }
    case 'array':
      return spec.minItems > 0 ? [emptyValue(spec.item)] : [];
    case 'map':
      return {};
    case 'variants': {
      const first = spec.variants[0];
      return first ? emptyValue(first.spec) : {};
    }
    case 'json':
      return null;
  }
}

/** Data for a new node: the schema's defaults for its top-level fields, so the form starts filled in. */
export function initialData(schema: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const p of formSpec(schema).properties) {
    if (p.default !== undefined) data[p.key] = structuredClone(p.default);
    else if (p.required && (p.spec.kind === 'array' || p.spec.kind === 'object')) data[p.key] = emptyValue(p.spec);
  }
  return data;
}

/** Reads `path` in `value`; undefined when any step is missing. */
export function getIn(value: unknown, path: Path): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/**
 * `value` with `path` set to `next`, copying only the objects on the way; `undefined` removes an
 * object's key (an emptied optional field is absent rather than an empty string).
 */
export function setIn(value: unknown, path: Path, next: unknown): unknown {
  if (path.length === 0) return next;
  const [key, ...rest] = path as [string | number, ...(string | number)[]];
  if (typeof key === 'number') {
    const array = Array.isArray(value) ? [...(value as unknown[])] : [];
    array[key] = setIn(array[key], rest, next);
    return array;
  }
  const object: Record<string, unknown> = isObject(value) ? { ...value } : {};
  const child = setIn(object[key], rest, next);
  if (child === undefined) delete object[key];
  else object[key] = child;
  return object;
}

/** A path as the form's field keys (`keyboard.rows.0.1.text`), for matching fields with problems. */
export const pathKey = (path: Path): string => path.join('.');

/**
 * The paths the form draws for `value`: every property of every object shape it shows, every
 * list item, every map entry. A problem is shown under the deepest of them its path falls in.
 */
export function renderedPaths(spec: FieldSpec, value: unknown, path: Path = [], out: string[] = []): string[] {
  out.push(pathKey(path));
  switch (spec.kind) {
    case 'object':
      for (const p of spec.properties) if (p.spec.kind !== 'const') renderedPaths(p.spec, getIn(value, [p.key]), [...path, p.key], out);
      break;
    case 'array':
      if (Array.isArray(value)) value.forEach((item, i) => renderedPaths(spec.item, item, [...path, i], out));
      break;
    case 'map':
      if (isObject(value)) for (const key of Object.keys(value)) renderedPaths(spec.value, value[key], [...path, key], out);
      break;
    case 'variants': {
      const chosen = spec.variants.find((v) => isObject(value) && value[spec.discriminator] === v.value);
      // The variant's properties sit at the same path as the variant itself.
      if (chosen) renderedPaths(chosen.spec, value, path, out);
      break;
    }
    default:
      break;
  }
  return out;
}

/** The deepest drawn field that `path` falls in (the form itself, `''`, when none). */
export function fieldFor(path: Path, drawn: ReadonlySet<string>): string {
  for (let n = path.length; n > 0; n--) {
    const key = pathKey(path.slice(0, n));
    if (drawn.has(key)) return key;
  }
  return '';
}

/** "10 s", "1 min 30 s", "2 d 3 h": a duration in milliseconds for people. */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  if (ms < 1000) return `${ms} ms`;
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['min', 60_000],
    ['s', 1000],
  ];
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${name}`);
    rest -= n * size;
  }
  if (rest > 0) parts.push(`${rest} ms`);
  return parts.slice(0, 3).join(' ');
}
