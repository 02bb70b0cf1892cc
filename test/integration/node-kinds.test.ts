import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode } from '@temporalio/worker';
import { recordings } from '../../scripts/chat-recordings';
import { nodeTypes } from '../../src/flow';
import { nodeTypesRun, replayedSteps, type HistoryJson } from '../support/executed-nodes';

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) };

/**
 * Every node kind, run by the current interpreter in a real conversation (emulated Telegram,
 * real Temporal and PostgreSQL): the conversations of the replay fixtures (scripts/chat-recordings.ts)
 * each wait for what the user must see after every step, and fail when it does not come. What
 * they ran is then read from their fresh histories, so a kind no conversation reaches fails here.
 */
describe('every node kind in a conversation', () => {
  it('messages, waits, logic, actions and payments do what the user expects, and together run every node kind', async () => {
    const histories = [];
    for (const name of ['messages', 'waits', 'logic', 'actions', 'payments'] as const)
      histories.push(...(await (recordings[name] as () => ReturnType<(typeof recordings)['messages']>)()));

    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      workflowInterceptorModules: [require.resolve('../support/workflows/executed-nodes')],
      logger: silent,
    });
    const run = new Set<string>();
    for (const { name, history } of histories.filter((h) => h.name.startsWith('chat-'))) {
      const json = JSON.parse(historyToJSON(history)) as HistoryJson;
      for (const type of nodeTypesRun(json, await replayedSteps(bundle, name, json))) run.add(type);
    }
    expect(nodeTypes.filter((type) => !run.has(type))).toEqual([]);
  });
});
