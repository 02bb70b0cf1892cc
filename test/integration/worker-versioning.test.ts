import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { temporal as proto } from '@temporalio/proto';
import { deploymentOptions } from '../../src/workers/worker';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../support/harness';
import { builds, finish, next, pinnedJob, upgradingConversation } from '../support/workflows/versioning';

/**
 * A rolling deploy with worker versioning on the dev server: builds v1 and v2 of one Worker
 * Deployment poll the same task queue. While v1 is current a pinned job and an auto-upgrade
 * conversation start on it; after v2 becomes current the job still runs on v1 to its end and the
 * conversation's next input runs on v2 – so an old worker never meets a newer history.
 */
describe('worker versioning', () => {
  let temporal: TestTemporal;
  let bundle: WorkflowBundleWithSourceMap;
  const taskQueue = uniqueTaskQueue('versioning');
  const workers: { worker: Worker; running: Promise<void> }[] = [];

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../support/workflows/versioning'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) },
    });
  });
  afterAll(async () => {
    for (const { worker } of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.all(workers.map(({ running }) => running));
    await temporal.close();
  });

  /** A worker of `buildId`; `unversioned` is one without worker versioning, as before the first versioned deploy. */
  async function startBuild(buildId: string, queue = taskQueue): Promise<{ worker: Worker; running: Promise<void> }> {
    const worker = await Worker.create({
      connection: temporal.workerConnection,
      namespace: 'default',
      taskQueue: queue,
      workflowBundle: bundle,
      activities: { buildId: async () => buildId },
      ...(buildId === 'unversioned' ? {} : { workerDeploymentOptions: deploymentOptions({ deploymentName: queue, buildId }) }),
    });
    const started = { worker, running: worker.run() };
    workers.push(started);
    return started;
  }

  /**
   * What the deploy procedure does with `temporal worker deployment set-current-version`: retried
   * until the server has seen the build's pollers, then waits until the task queues know.
   */
  async function setCurrent(buildId: string, deploymentName = taskQueue): Promise<void> {
    const service = temporal.client.workflowService;
    for (let attempt = 0; ; attempt++) {
      try {
        await service.setWorkerDeploymentCurrentVersion({ namespace: 'default', deploymentName, buildId });
        break;
      } catch (err) {
        if (attempt >= 100) throw err;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    for (let attempt = 0; ; attempt++) {
      const { workerDeploymentInfo: info } = await service.describeWorkerDeployment({ namespace: 'default', deploymentName });
      if (
        info?.routingConfig?.currentDeploymentVersion?.buildId === buildId &&
        info.routingConfigUpdateState === proto.api.enums.v1.RoutingConfigUpdateState.ROUTING_CONFIG_UPDATE_STATE_COMPLETED
      )
        return;
      if (attempt >= 300) throw new Error(`${buildId} did not become current: ${JSON.stringify(info?.routingConfig)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function buildsOf(workflowId: string, count: number): Promise<string[]> {
    const handle = temporal.client.workflow.getHandle(workflowId);
    for (let attempt = 0; ; attempt++) {
      const seen = await handle.query(builds);
      if (seen.length >= count) return seen;
      if (attempt >= 300) throw new Error(`${workflowId} ran ${JSON.stringify(seen)}, not ${count} inputs`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function versioningOf(workflowId: string) {
    const described = await temporal.client.workflow.getHandle(workflowId).describe();
    const info = described.raw.workflowExecutionInfo?.versioningInfo;
    return {
      behavior: proto.api.enums.v1.VersioningBehavior[info?.behavior ?? 0],
      buildId: info?.deploymentVersion?.buildId,
    };
  }

  it('keeps a pinned job on its build and moves a conversation to the current one', async () => {
    await startBuild('v1');
    await startBuild('v2');
    await setCurrent('v1');

    const job = await temporal.client.workflow.start(pinnedJob, { taskQueue, workflowId: `${taskQueue}-job` });
    const chat = await temporal.client.workflow.start(upgradingConversation, { taskQueue, workflowId: `${taskQueue}-chat` });
    expect(await buildsOf(job.workflowId, 1)).toEqual(['v1']);
    expect(await buildsOf(chat.workflowId, 1)).toEqual(['v1']);

    await setCurrent('v2');
    await job.signal(next);
    await chat.signal(next);
    expect(await buildsOf(chat.workflowId, 2)).toEqual(['v1', 'v2']);
    expect(await buildsOf(job.workflowId, 2)).toEqual(['v1', 'v1']);

    await job.signal(finish);
    await chat.signal(finish);
    expect(await job.result()).toEqual(['v1', 'v1']);
    expect(await chat.result()).toEqual(['v1', 'v2']);
    expect(await versioningOf(job.workflowId)).toEqual({ behavior: 'VERSIONING_BEHAVIOR_PINNED', buildId: 'v1' });
    expect(await versioningOf(chat.workflowId)).toEqual({ behavior: 'VERSIONING_BEHAVIOR_AUTO_UPGRADE', buildId: 'v2' });
  });

  it('moves chats started by unversioned workers to the first versioned build once it is current', async () => {
    const queue = uniqueTaskQueue('unversioned');
    const before = await startBuild('unversioned', queue);
    const chat = await temporal.client.workflow.start(upgradingConversation, { taskQueue: queue, workflowId: `${queue}-chat` });
    expect(await buildsOf(chat.workflowId, 1)).toEqual(['unversioned']);

    await startBuild('v1', queue);
    await setCurrent('v1', queue);
    before.worker.shutdown();
    await before.running;
    await chat.signal(next);
    expect(await buildsOf(chat.workflowId, 2)).toEqual(['unversioned', 'v1']);
    await chat.signal(finish);
    expect(await chat.result()).toEqual(['unversioned', 'v1']);
    expect(await versioningOf(chat.workflowId)).toEqual({ behavior: 'VERSIONING_BEHAVIOR_AUTO_UPGRADE', buildId: 'v1' });
  });
});
