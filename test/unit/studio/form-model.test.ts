import { z } from 'zod';
import { nodeTypes, variableSchema } from '../../../src/flow';
import { dataJsonSchema } from '../../../studio/src/flow/catalogue';
import {
  emptyValue,
  fieldFor,
  formSpec,
  getIn,
  humanDuration,
  initialData,
  renderedPaths,
  setIn,
  type FieldSpec,
  type PropertySpec,
} from '../../../studio/src/editor/properties/form-model';
import { applySuggestion, suggest } from '../../../studio/src/editor/properties/suggestions';
import { newNodeData } from '../../../studio/src/editor/properties/new-node';
import type { NodeType } from '../../../src/flow';

const form = (type: NodeType) => formSpec(dataJsonSchema(type));
const property = (type: NodeType, key: string): PropertySpec => {
  const found = form(type).properties.find((p) => p.key === key);
  if (!found) throw new Error(`${type} has no ${key}`);
  return found;
};

/** Every JSON fallback in a spec, by path: the shapes the form cannot draw. */
function jsonFallbacks(spec: FieldSpec, path = ''): string[] {
  switch (spec.kind) {
    case 'json':
      return [path];
    case 'object':
      return spec.properties.flatMap((p) => jsonFallbacks(p.spec, `${path}.${p.key}`));
    case 'array':
      return jsonFallbacks(spec.item, `${path}[]`);
    case 'map':
      return jsonFallbacks(spec.value, `${path}{}`);
    case 'variants':
      return spec.variants.flatMap((v) => jsonFallbacks(v.spec, `${path}<${v.value}>`));
    default:
      return [];
  }
}

describe('the properties form, from the node schemas', () => {
  it('draws every field of every node type with real controls (no JSON fallback anywhere)', () => {
    for (const type of nodeTypes) expect([type, jsonFallbacks(form(type))]).toEqual([type, []]);
  });

  it('maps the common fields: required marks, enums, booleans, durations, templates, expressions', () => {
    expect(property('trigger.command', 'command')).toMatchObject({ required: true, spec: { kind: 'text', textKind: 'plain' } });
    expect(property('trigger.callback', 'match')).toMatchObject({
      required: false,
      default: 'exact',
      spec: { kind: 'enum', options: ['exact', 'prefix'] },
    });
    expect(property('trigger.text', 'caseSensitive').spec).toEqual({ kind: 'boolean' });
    expect(property('message.text', 'text')).toMatchObject({
      required: true,
      description: 'Text of the message.',
      spec: { kind: 'text', textKind: 'template', multiline: true },
    });
    expect(property('wait.text', 'timeoutMs').spec).toMatchObject({ kind: 'number', integer: true, min: 1000, duration: true });
    expect(property('wait.text', 'variable').spec).toMatchObject({ kind: 'text', textKind: 'variable' });
    expect(property('logic.condition', 'condition').spec).toMatchObject({ kind: 'text', textKind: 'expression', multiline: false });
    expect(property('action.set', 'op').spec).toEqual({ kind: 'enum', options: ['set', 'increment', 'append'] });
    expect(property('action.http', 'url').spec).toMatchObject({ kind: 'text', textKind: 'template', roots: ['secret'] });
    expect(property('action.generation', 'prompt').required).toBe(true);
    expect(property('logic.jump', 'target').spec).toMatchObject({ kind: 'text', textKind: 'node' });
    // The editor's label comes last: the fields that make the node work come first.
    expect(form('message.text').properties.map((p) => p.key)).toEqual(['text', 'parseMode', 'keyboard', 'label']);
  });

  it('draws nested shapes: keyboard variants with rows of buttons, switch cases, saveResponse lists, header maps', () => {
    const keyboard = property('message.text', 'keyboard').spec;
    expect(keyboard.kind).toBe('variants');
    if (keyboard.kind !== 'variants') return;
    expect(keyboard.variants.map((v) => v.value)).toEqual(['inline', 'reply', 'remove']);
    const inline = keyboard.variants[0]!.spec;
    expect(inline).toMatchObject({
      kind: 'object',
      properties: [
        { key: 'type', spec: { kind: 'const', value: 'inline' } },
        {
          key: 'rows',
          required: true,
          spec: { kind: 'array', minItems: 1, item: { kind: 'array', maxItems: 8, item: { kind: 'object' } } },
        },
      ],
    });
    expect(emptyValue(inline)).toEqual({ type: 'inline', rows: [[{}]] });
    const cases = property('logic.switch', 'cases').spec;
    expect(cases).toMatchObject({ kind: 'array', item: { kind: 'object' } });
    if (cases.kind === 'array' && cases.item.kind === 'object')
      expect(cases.item.properties.find((p) => p.key === 'equals')?.spec).toEqual({
        kind: 'scalar',
        types: ['string', 'number', 'boolean', 'null'],
      });
    expect(property('action.http', 'saveResponse').spec).toMatchObject({
      kind: 'array',
      item: { kind: 'object', properties: [{ key: 'variable' }, { key: 'value', spec: { textKind: 'expression', roots: ['response'] } }] },
    });
    expect(property('action.http', 'headers').spec).toMatchObject({ kind: 'map', value: { kind: 'text', textKind: 'template' } });
    expect(property('wait.button', 'accept').spec).toMatchObject({ kind: 'array', item: { kind: 'text' } });
  });

  it('starts new nodes with the defaults and the required lists, which the validator then reports only as missing fields', () => {
    expect(newNodeData('action.http')).toEqual({ method: 'GET', timeoutMs: 10000 });
    expect(newNodeData('trigger.callback')).toEqual({ match: 'exact' });
    expect(newNodeData('logic.switch')).toEqual({ cases: [{}] });
    expect(newNodeData('message.text')).toEqual({});
    expect(newNodeData('no.such.type')).toEqual({});
    expect(initialData(dataJsonSchema('action.set'))).toEqual({ op: 'set' });
  });

  it('draws the variable declaration from its own schema: every field it has', () => {
    const spec = formSpec(z.toJSONSchema(variableSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>);
    expect(spec.properties.map((p) => [p.key, p.spec.kind, p.required])).toEqual([
      ['name', 'text', true],
      ['scope', 'enum', true],
      ['type', 'enum', true],
      ['default', 'json', false],
      ['ttlMs', 'number', false],
      ['description', 'text', false],
    ]);
  });
});

describe('form values and problem placement', () => {
  it('setIn copies only the way to the change, and undefined removes a key', () => {
    const data = { text: 'hi', keyboard: { type: 'inline', rows: [[{ text: 'a', callbackData: 'a' }]] } };
    const next = setIn(data, ['keyboard', 'rows', 0, 0, 'callbackData'], 'b') as typeof data;
    expect(getIn(next, ['keyboard', 'rows', 0, 0, 'callbackData'])).toBe('b');
    expect(data.keyboard.rows[0]![0]!.callbackData).toBe('a');
    expect(setIn(data, ['text'], undefined)).toEqual({ keyboard: data.keyboard });
    expect(setIn({}, ['cases', 0, 'id'], 'x')).toEqual({ cases: [{ id: 'x' }] });
    expect(getIn(data, ['keyboard', 'rows', 3, 0])).toBeUndefined();
  });

  it('puts a problem under the deepest field drawn for its path (the form itself for anything else)', () => {
    const spec = form('message.text');
    const value = { text: '', keyboard: { type: 'inline', rows: [[{ text: 'More' }]] } };
    const drawn = new Set(renderedPaths(spec, value));
    expect(drawn).toEqual(
      new Set([
        '',
        'text',
        'parseMode',
        'keyboard',
        'keyboard.rows',
        'keyboard.rows.0',
        'keyboard.rows.0.0',
        'keyboard.rows.0.0.text',
        'keyboard.rows.0.0.callbackData',
        'keyboard.rows.0.0.url',
        'label',
      ]),
    );
    expect(fieldFor(['keyboard', 'rows', 0, 0, 'callbackData'], drawn)).toBe('keyboard.rows.0.0.callbackData');
    expect(fieldFor(['keyboard', 'rows', 5, 0], drawn)).toBe('keyboard.rows');
    expect(fieldFor(['keyboard', 'type'], drawn)).toBe('keyboard');
    expect(fieldFor(['extra'], drawn)).toBe('');
    expect(fieldFor([], drawn)).toBe('');
  });

  it('shows durations for people', () => {
    expect(humanDuration(10_000)).toBe('10 s');
    expect(humanDuration(90_000)).toBe('1 min 30 s');
    expect(humanDuration(2 * 86_400_000 + 3 * 3_600_000)).toBe('2 d 3 h');
    expect(humanDuration(1_500)).toBe('1 s 500 ms');
    expect(humanDuration(250)).toBe('250 ms');
  });
});

describe('suggestions in templates and expressions', () => {
  const variables = [
    { name: 'balance', scope: 'user', type: 'number' },
    { name: 'topic', scope: 'run', type: 'string' },
  ];

  it('offers declared variables, context fields and functions for the name being typed', () => {
    const list = suggest('expression', [], 'user.b', 6, variables);
    expect(list?.items.map((s) => s.text)).toEqual(['user.balance']);
    expect(suggest('expression', [], 'len', 3, variables)?.items.map((s) => s.text)).toEqual(['length(']);
    expect(suggest('expression', [], 'message.t', 9, variables)?.items.map((s) => s.text)).toEqual(['message.text']);
    // Roots a field may read only with its own permission: `response` in saveResponse, `secret` in HTTP fields.
    expect(suggest('expression', [], 'resp', 4, variables)).toBeNull();
    expect(suggest('expression', ['response'], 'resp', 4, variables)?.items.map((s) => s.text)).toContain('response.body');
  });

  it('in a template only inside a placeholder, and replaces just the name typed', () => {
    expect(suggest('template', [], 'Hello run.t', 11, variables)).toBeNull();
    const list = suggest('template', [], 'Hello {{ run.t }}!', 14, variables)!;
    expect(list.items.map((s) => s.text)).toEqual(['run.topic']);
    expect(applySuggestion('Hello {{ run.t }}!', list, list.items[0]!)).toEqual({ text: 'Hello {{ run.topic }}!', caret: 18 });
    expect(suggest('template', [], 'Hi {{ ', 6, variables)?.items.length).toBe(8);
    expect(suggest('template', [], 'Hi {{ user.balance }} ok', 24, variables)).toBeNull();
  });

  it('offers nothing in plain fields or once the name is complete', () => {
    expect(suggest('plain', [], 'user.b', 6, variables)).toBeNull();
    expect(suggest('expression', [], 'run.topic', 9, variables)).toBeNull();
  });
});
