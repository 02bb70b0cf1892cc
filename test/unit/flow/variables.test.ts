import { applyVariableUpdate, MAX_LIST_ITEMS, VariableUpdateError } from '../../../src/flow';

describe('action.set operations', () => {
  it('set replaces the value', () => {
    expect(applyVariableUpdate('number', 'set', 5, 7)).toBe(7);
  });

  it('increment adds to a number, counting a missing value as 0', () => {
    expect(applyVariableUpdate('number', 'increment', 5, 2)).toBe(7);
    expect(applyVariableUpdate('number', 'increment', null, -1)).toBe(-1);
    expect(() => applyVariableUpdate('number', 'increment', 5, '1')).toThrow(VariableUpdateError);
  });

  it('append adds an item to a list, counting a missing list as empty', () => {
    expect(applyVariableUpdate('list', 'append', null, 'a')).toEqual(['a']);
    expect(applyVariableUpdate('list', 'append', ['a'], ['b'])).toEqual(['a', ['b']]);
  });

  it(`append keeps the newest ${MAX_LIST_ITEMS} items of a list`, () => {
    const full = Array.from({ length: MAX_LIST_ITEMS }, (_, i) => i);
    const next = applyVariableUpdate('list', 'append', full, 'new') as readonly unknown[];
    expect([next.length, next[0], next[next.length - 1]]).toEqual([MAX_LIST_ITEMS, 1, 'new']);
  });

  it('append adds text to a string', () => {
    expect(applyVariableUpdate('string', 'append', 'ab', 'c')).toBe('abc');
    expect(applyVariableUpdate('string', 'append', null, 1)).toBe('1');
    expect(() => applyVariableUpdate('string', 'append', 'ab', ['c'])).toThrow(VariableUpdateError);
    expect(() => applyVariableUpdate('string', 'append', 'x'.repeat(65_536), 'y')).toThrow(VariableUpdateError);
  });

  it('append refuses other types', () => {
    expect(() => applyVariableUpdate('number', 'append', 1, 2)).toThrow(VariableUpdateError);
  });
});
