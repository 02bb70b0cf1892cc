import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkFlow } from '../../../src/flow';

const EXAMPLES = join(__dirname, '../../../examples/flows');

describe('example flows', () => {
  it.each(['loyalty', 'booking', 'support'])('%s.json validates with no errors and no warnings', (name) => {
    const json: unknown = JSON.parse(readFileSync(join(EXAMPLES, `${name}.json`), 'utf8'));
    const result = checkFlow(json);
    expect(result.problems).toEqual([]);
    expect(result.publishable).toBe(true);
  });

  it('the loyalty bot offers a story as a paid generation of kind "story"', () => {
    const json: unknown = JSON.parse(readFileSync(join(EXAMPLES, 'loyalty.json'), 'utf8'));
    const { flow } = checkFlow(json);
    const generation = flow?.nodes.find((n) => n.type === 'action.generation');
    expect(generation?.type === 'action.generation' && generation.data.kind).toBe('story');
  });
});
