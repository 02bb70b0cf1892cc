import { onVersionedWorkers } from '../../../src/workflows/versioning';
import { condition, defineQuery, defineSignal, proxyActivities, setHandler, setWorkflowOptions } from '@temporalio/workflow';

/**
 * Test-only workflows with the two versioning behaviours of the project's workflows: a job pinned
 * to the build that started it (like generationWorkflow) and a long-lived conversation that moves
 * to the current build (like chatWorkflow). Each input runs an activity that answers with the
 * build id of the worker that ran it; with versioning, a workflow's activities go to its own build.
 * They declare their behaviour the way the project's workflows do (src/workflows/versioning.ts).
 */
export interface BuildActivities {
  buildId(): Promise<string>;
}

const { buildId } = proxyActivities<BuildActivities>({ startToCloseTimeout: '10 seconds' });

export const next = defineSignal('next');
export const finish = defineSignal('finish');
export const builds = defineQuery<string[]>('builds');

async function runInputs(): Promise<string[]> {
  const seen: string[] = [];
  let pending = 1;
  let finished = false;
  setHandler(next, () => void pending++);
  setHandler(finish, () => void (finished = true));
  setHandler(builds, () => seen);
  for (;;) {
    await condition(() => pending > 0 || finished);
    if (pending === 0) return seen;
    pending--;
    seen.push(await buildId());
  }
}

setWorkflowOptions(onVersionedWorkers('PINNED'), pinnedJob);
export async function pinnedJob(): Promise<string[]> {
  return runInputs();
}

setWorkflowOptions(onVersionedWorkers('AUTO_UPGRADE'), upgradingConversation);
export async function upgradingConversation(): Promise<string[]> {
  return runInputs();
}
