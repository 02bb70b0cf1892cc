import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Resource } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { topUp } from '../../src/credits/ledger';
import { generationJobs } from '../../src/db/schema';
import { resolveTemporalCli } from '../../src/runtime/temporal-binaries';
import { chatWorkflowId } from '../../src/temporal/workflow-ids';
import { tracingWorkflowModule } from '../../src/tracing';
import { startChatSystem } from '../support/chat-system';
import { workflowBundle } from '../support/generation-system';
import { temporalAddress } from '../support/harness';

const fixtures = path.resolve(__dirname, '..', 'fixtures', 'histories');
const loyalty = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'flows', 'loyalty.json'), 'utf8')) as unknown;

/**
 * Workflow code must stay deterministic: histories recorded from real runs are replayed against
 * the current code. Fixtures under test/fixtures/histories keep old histories checked after
 * changes (RECORD_HISTORIES=1 refreshes them from a fresh run).
 */
describe('replaying recorded histories', () => {
  it('replays every committed history without non-determinism', async () => {
    const files = fs.readdirSync(fixtures).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    const bundle = await workflowBundle();
    for (const file of files) {
      // runReplayHistory reads the CLI's JSON form itself.
      const history: unknown = JSON.parse(fs.readFileSync(path.join(fixtures, file), 'utf8'));
      await expect(Worker.runReplayHistory({ workflowBundle: bundle, replayName: file }, history)).resolves.toBeUndefined();
    }
  });

  it('replays them with the tracing interceptors too: turning tracing on does not break running workflows', async () => {
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      workflowInterceptorModules: [tracingWorkflowModule],
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) },
    });
    const exported = new InMemorySpanExporter();
    const sinks = { exporter: makeWorkflowExporter(new SimpleSpanProcessor(exported), new Resource({ 'service.name': 'replay' })) };
    for (const file of fs.readdirSync(fixtures).filter((f) => f.endsWith('.json'))) {
      const history: unknown = JSON.parse(fs.readFileSync(path.join(fixtures, file), 'utf8'));
      await expect(Worker.runReplayHistory({ workflowBundle: bundle, replayName: file, sinks }, history)).resolves.toBeUndefined();
    }
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
      const [job] = await system.db.select({ id: generationJobs.id }).from(generationJobs).where(eq(generationJobs.userId, `tg:${system.botId}:${user.id}`));
      const histories = [
        { name: 'chat-loyalty', workflowId: chatWorkflowId(system.botId, user.chatId), history: chat },
        { name: 'generation-completed', workflowId: job!.id, history: await system.client.workflow.getHandle(job!.id).fetchHistory() },
      ];

      const bundle = await workflowBundle();
      for (const { name, workflowId, history } of histories) {
        await expect(Worker.runReplayHistory({ workflowBundle: bundle, replayName: name }, history)).resolves.toBeUndefined();
        // The CLI writes the canonical JSON that historyFromJSON reads back.
        if (process.env.RECORD_HISTORIES === '1') {
          const shown = spawnSync(resolveTemporalCli(), ['workflow', 'show', '--workflow-id', workflowId, '--address', temporalAddress(), '--output', 'json'], { encoding: 'utf8' });
          if (shown.status !== 0) throw new Error(shown.stderr);
          fs.writeFileSync(path.join(fixtures, `${name}.json`), shown.stdout);
        }
      }
    } finally {
      await system.stop();
    }
  });
});
