import fs from 'node:fs';
import { chatMetricsSinks } from '../../src/workers/chat-metrics-sinks';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Resource } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { topUp } from '../../src/credits/ledger';
import { generationJobs } from '../../src/db/schema';
import { nodeTypes } from '../../src/flow';
import { resolveTemporalCli } from '../../src/runtime/temporal-binaries';
import { chatWorkflowId } from '../../src/temporal/workflow-ids';
import { tracingWorkflowModule } from '../../src/tracing';
import { startChatSystem } from '../support/chat-system';
import { localActivities, nodeTypesRun, replayedSteps, type HistoryJson } from '../support/executed-nodes';
import { workflowBundle } from '../support/generation-system';
import { temporalAddress } from '../support/harness';

const fixtures = path.resolve(__dirname, '..', 'fixtures', 'histories');
const historyFiles = () => fs.readdirSync(fixtures).filter((f) => f.endsWith('.json'));
const readHistory = (file: string): HistoryJson => JSON.parse(fs.readFileSync(path.join(fixtures, file), 'utf8'));
const bundlerLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) };
const loyalty = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'flows', 'loyalty.json'), 'utf8')) as unknown;

/**
 * Workflow code must stay deterministic: histories recorded from real runs are replayed against
 * the current code. Fixtures under test/fixtures/histories keep old histories checked after
 * changes (`npm run record:histories` records the chat conversations of scripts/chat-recordings.ts
 * afresh; RECORD_HISTORIES=1 refreshes the loyalty pair from a fresh run).
 */
describe('replaying recorded histories', () => {
  it('replays every committed history without non-determinism', async () => {
    const files = historyFiles();
    expect(files.length).toBeGreaterThan(0);
    const bundle = await workflowBundle();
    for (const file of files) {
      // runReplayHistory reads the CLI's JSON form itself.
      const history = readHistory(file);
      await expect(
        Worker.runReplayHistory({ workflowBundle: bundle, replayName: file, sinks: chatMetricsSinks }, history),
      ).resolves.toBeUndefined();
    }
  });

  it('replays them with the tracing interceptors too: turning tracing on does not break running workflows', async () => {
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      workflowInterceptorModules: [tracingWorkflowModule],
      logger: bundlerLogger,
    });
    const exported = new InMemorySpanExporter();
    const sinks = {
      ...chatMetricsSinks,
      exporter: makeWorkflowExporter(new SimpleSpanProcessor(exported), new Resource({ 'service.name': 'replay' })),
    };
    for (const file of historyFiles()) {
      await expect(
        Worker.runReplayHistory({ workflowBundle: bundle, replayName: file, sinks }, readHistory(file)),
      ).resolves.toBeUndefined();
    }
  });

  it('the recorded chats together run every node type of the flow language', async () => {
    // A node type that no history runs would let a change to its interpreter go unchecked. What
    // ran is read by replaying: the workflow reports each input's steps (support/executed-nodes.ts).
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      workflowInterceptorModules: [require.resolve('../support/workflows/executed-nodes')],
      logger: bundlerLogger,
    });
    const run = new Set<string>();
    for (const file of historyFiles()) {
      const history = readHistory(file);
      for (const type of nodeTypesRun(history, await replayedSteps(bundle, file, history))) run.add(type);
    }
    expect(nodeTypes.filter((type) => !run.has(type))).toEqual([]);
  });

  it('the recorded chats include runs that took lean-updates and runs recorded before it, with their older patches', () => {
    const patchesOf = (h: HistoryJson) =>
      h.events.flatMap((e) => {
        const marker = e.markerRecordedEventAttributes;
        if (marker?.markerName !== 'core_patch') return [];
        const data = marker.details['patch-data'].payloads[0].data as string;
        return [(JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id: string }).id];
      });
    const chats = historyFiles()
      .filter((f) => f.startsWith('chat-'))
      .map((f) => patchesOf(readHistory(f)));
    // A lean run records its one marker and none of the patches it implies.
    expect(chats.some((ids) => ids.length === 1 && ids[0] === 'lean-updates')).toBe(true);
    expect(chats.some((ids) => !ids.includes('lean-updates') && ids.includes('callback-toast'))).toBe(true);
  });

  it('the recorded chats include continue-as-new, going idle, a blocked user and an operator restart', () => {
    const chats = historyFiles()
      .map(readHistory)
      .filter((h) => h.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name === 'chatWorkflow');
    const ended = (h: HistoryJson, how: string) => h.events.at(-1)?.eventType === `EVENT_TYPE_WORKFLOW_EXECUTION_${how}`;
    const ran = (h: HistoryJson, activity: string) => localActivities(h).some((a) => a.type === activity);
    expect(chats.some((h) => ended(h, 'CONTINUED_AS_NEW'))).toBe(true);
    expect(chats.some((h) => ended(h, 'COMPLETED') && ran(h, 'saveChat'))).toBe(true);
    expect(chats.some((h) => ended(h, 'COMPLETED') && ran(h, 'markChatBlocked'))).toBe(true);
    expect(chats.some((h) => h.events.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'chatRestart'))).toBe(true);
  });

  it('replays the histories of a fresh loyalty conversation with a paid generation', async () => {
    const system = await startChatSystem({ flow: loyalty });
    try {
      const user = system.user({ firstName: 'Rita' });
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.some((x) => x.includes('Your balance: 0 credits.')));
      await topUp(system.db, `tg:${system.botId}:${user.id}`, 60, 'gift');
      user.pressButton('story');
      await system.until(user.chatId, (t) => t.at(-1)?.startsWith('What should the story be about?') === true);
      user.sendText('a quiet lighthouse');
      await system.until(user.chatId, (t) => t.at(-1) === 'Hi, Rita! Your balance: 10 credits.');

      const chat = await system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId)).fetchHistory();
      // The job's id is its workflow id (visibility lists are only eventually consistent).
      const [job] = await system.db
        .select({ id: generationJobs.id })
        .from(generationJobs)
        .where(eq(generationJobs.userId, `tg:${system.botId}:${user.id}`));
      const histories = [
        { name: 'chat-loyalty', workflowId: chatWorkflowId(system.botId, user.chatId), history: chat },
        { name: 'generation-completed', workflowId: job!.id, history: await system.client.workflow.getHandle(job!.id).fetchHistory() },
      ];

      const bundle = await workflowBundle();
      for (const { name, workflowId, history } of histories) {
        await expect(
          Worker.runReplayHistory({ workflowBundle: bundle, replayName: name, sinks: chatMetricsSinks }, history),
        ).resolves.toBeUndefined();
        // The CLI writes the canonical JSON that historyFromJSON reads back.
        if (process.env.RECORD_HISTORIES === '1') {
          const shown = spawnSync(
            resolveTemporalCli(),
            ['workflow', 'show', '--workflow-id', workflowId, '--address', temporalAddress(), '--output', 'json'],
            { encoding: 'utf8' },
          );
          if (shown.status !== 0) throw new Error(shown.stderr);
          fs.writeFileSync(path.join(fixtures, `${name}.json`), shown.stdout);
        }
      }
    } finally {
      await system.stop();
    }
  });
});
