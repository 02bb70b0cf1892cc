// Writes the JSON Schema of flows for editors: `npm run flow:schema` → docs/flow.schema.json.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { flowJsonSchema } from '../index';

export const FLOW_SCHEMA_PATH = resolve(__dirname, '../../../docs/flow.schema.json');

export function renderFlowJsonSchema(): string {
  return `${JSON.stringify(flowJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(FLOW_SCHEMA_PATH, renderFlowJsonSchema());
  process.stdout.write(`wrote ${FLOW_SCHEMA_PATH}\n`);
}
