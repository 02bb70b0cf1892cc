// Regenerates the reference for bot authors: `npm run flow:docs` → docs/flows.md.
// A unit test fails when the committed file differs from what this renders.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderFlowsDoc } from './render-docs';

export const FLOWS_DOC_PATH = resolve(__dirname, '../../../docs/flows.md');

if (require.main === module) {
  writeFileSync(FLOWS_DOC_PATH, renderFlowsDoc());
  process.stdout.write(`wrote ${FLOWS_DOC_PATH}\n`);
}
