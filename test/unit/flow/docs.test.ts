import { readFileSync } from 'node:fs';
import { FLOW_SCHEMA_PATH, renderFlowJsonSchema } from '../../../src/flow/cli/json-schema';
import { FLOWS_DOC_PATH } from '../../../src/flow/cli/docs';
import { renderFlowsDoc } from '../../../src/flow/cli/render-docs';
import { expressionFunctions, nodeTypes, problemCodes } from '../../../src/flow';

describe('generated reference', () => {
  it('docs/flows.md is up to date (regenerate with npm run flow:docs)', () => {
    expect(readFileSync(FLOWS_DOC_PATH, 'utf8')).toBe(renderFlowsDoc());
  });

  it('docs/flow.schema.json is up to date (regenerate with npm run flow:schema)', () => {
    expect(readFileSync(FLOW_SCHEMA_PATH, 'utf8')).toBe(renderFlowJsonSchema());
  });

  it('documents every node type, function and validation rule', () => {
    const doc = renderFlowsDoc();
    for (const type of nodeTypes) expect(doc).toContain(`### ${type}\n`);
    for (const fn of Object.values(expressionFunctions)) expect(doc).toContain(fn.signature);
    for (const code of Object.keys(problemCodes)) expect(doc).toContain(`| \`${code}\` |`);
  });

  it('marks templates and expressions in the JSON Schema for editors', () => {
    const schema = renderFlowJsonSchema();
    expect(schema).toContain('"x-flow-kind": "template"');
    expect(schema).toContain('"x-flow-kind": "expression"');
  });
});
