import { checkFlowFile } from '../../../src/flow/cli/validate';
import { edge, flow, node } from './flow-builder';

describe('flow:validate', () => {
  it('prints nothing and counts no errors for a valid flow', () => {
    expect(checkFlowFile('ok.json', () => JSON.stringify(flow()))).toEqual({ lines: [], errors: 0, warnings: 0 });
  });

  it('prints each problem as "file: node: path: message"', () => {
    const json = JSON.stringify(flow({ nodes: [node('bye', 'message.text', { text: '{{ user.x }}' })], edges: [edge('hello', 'bye')] }));
    expect(checkFlowFile('bot.json', () => json)).toEqual({
      lines: [
        'bot.json: bye: nodes[2].data.text: error undeclared-variable: variable user.x is not declared (declare it under "variables" with scope user)',
      ],
      errors: 1,
      warnings: 0,
    });
  });

  it('counts warnings apart from errors', () => {
    const json = JSON.stringify({ ...flow(), variables: [{ name: 'spare', scope: 'run', type: 'string' }] });
    expect(checkFlowFile('w.json', () => json)).toMatchObject({ errors: 0, warnings: 1 });
  });

  it('reports a file that is not JSON, or cannot be read, as an error of the file', () => {
    const report = checkFlowFile('bad.json', () => '{ nodes: ');
    expect(report.errors).toBe(1);
    expect(report.lines[0]).toMatch(/^bad\.json: -: -: error invalid-json: /);
    const missing = checkFlowFile('gone.json', () => {
      throw new Error('ENOENT: no such file');
    });
    expect(missing.lines).toEqual(['gone.json: -: -: error invalid-json: ENOENT: no such file']);
  });
});
