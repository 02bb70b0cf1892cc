import { compileTemplate, referencedVariables, renderTemplate } from '../../../src/flow';
import { errorOf } from './expression-error';

const scope = {
  user: { name: 'Ann <b>&</b>', balance: 1500, tags: ['a', 'b'], nothing: null },
  from: { firstName: 'Ivan_1.0!' },
};

describe('templates', () => {
  it('replaces placeholders with values', () => {
    expect(renderTemplate('Hi {{ user.name }}, you have {{user.balance}} credits.', scope)).toBe('Hi Ann <b>&</b>, you have 1500 credits.');
  });

  it('renders null as nothing, booleans as words, lists and objects as JSON', () => {
    expect(renderTemplate('[{{ user.nothing }}][{{ user.missing }}][{{ 1 == 1 }}][{{ user.tags }}][{{ user.tags == null }}]', scope)).toBe(
      '[][][true][["a","b"]][false]',
    );
  });

  it('leaves text without placeholders, and a lone "}}", as written', () => {
    expect(renderTemplate('Plain } text }} with {braces}', scope)).toBe('Plain } text }} with {braces}');
  });

  it('writes a literal "{{" with a string placeholder', () => {
    expect(renderTemplate('Use {{ "{{" }} name }} to insert', scope)).toBe('Use {{ name }} to insert');
  });

  it('reads "}}" inside a string literal as part of the string', () => {
    expect(renderTemplate('{{ "}}" + user.balance }}', scope)).toBe('}}1500');
  });

  it('escapes inserted values for HTML, not the literal markup', () => {
    expect(renderTemplate('<b>Hi</b> {{ user.name }}', scope, { parseMode: 'HTML' })).toBe('<b>Hi</b> Ann &lt;b&gt;&amp;&lt;/b&gt;');
  });

  it('escapes inserted values for MarkdownV2', () => {
    expect(renderTemplate('*Hi* {{ from.firstName }}', scope, { parseMode: 'MarkdownV2' })).toBe('*Hi* Ivan\\_1\\.0\\!');
  });

  it('points errors at their position in the whole template', () => {
    const error = errorOf(() => compileTemplate('Hello {{ user.name }} and {{ user. }}'));
    expect([error.code, error.position, error.detail]).toEqual(['syntax', 35, 'expected a name after "."']);
    expect(errorOf(() => compileTemplate('Hello {{ user.name')).detail).toBe('placeholder is not closed with "}}"');
    expect(errorOf(() => compileTemplate('Hello {{ }}')).detail).toBe('empty expression');
  });

  it('reports a runtime error at its placeholder', () => {
    const error = errorOf(() => renderTemplate('ok {{ 1 }} then {{ "a" * 2 }}', scope));
    expect([error.code, error.position]).toEqual(['type', 23]);
  });

  it('lists the names every placeholder reads', () => {
    expect(
      referencedVariables(compileTemplate('{{ user.name }} {{ default(chat.x, run.y) }}')).map((r) => `${r.root}.${r.path.join('.')}`),
    ).toEqual(['user.name', 'chat.x', 'run.y']);
  });

  it('rejects a 100 KB template and a template with too many placeholders', () => {
    expect(errorOf(() => compileTemplate('x'.repeat(100_000))).code).toBe('too-long');
    expect(errorOf(() => compileTemplate('{{1}}'.repeat(201))).code).toBe('too-long');
    expect(errorOf(() => compileTemplate(`{{ ${'1+'.repeat(600)}1 }}`)).code).toBe('too-long');
  });

  it('bounds the rendered text', () => {
    const big = { run: { s: 'x'.repeat(30_000) } };
    expect(errorOf(() => renderTemplate('{{ run.s }}{{ run.s }}{{ run.s }}', big)).code).toBe('out-of-range');
  });
});
