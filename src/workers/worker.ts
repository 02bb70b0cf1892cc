import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from '../logger';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: object;
  logger: Logger;
  /** How long in-flight activities may run on after shutdown starts before they are cancelled. */
  shutdownGraceMs: number;
  /** Prebuilt workflow bundle (tests bundle once per file); otherwise src/workflows is bundled. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  workflowsPath?: string;
  /** Tracing interceptors and the sink that exports workflow spans (when tracing is on). */
  interceptors?: WorkerOptions['interceptors'];
  sinks?: WorkerOptions['sinks'];
}

/**
 * A worker for the project's task queue: runs the chat and generation workflows and all
 * activities. Several may run side by side (against the same Temporal); they share the work.
 */
export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  const workflows = deps.workflowBundle
    ? { workflowBundle: deps.workflowBundle }
    : { workflowsPath: deps.workflowsPath ?? require.resolve('../workflows') };
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    activities: deps.activities,
    ...workflows,
    ...(deps.interceptors ? { interceptors: deps.interceptors } : {}),
    ...(deps.sinks ? { sinks: deps.sinks } : {}),
    // Bounded cache: each cached chat costs memory (about 1 MB); evicted ones replay on demand.
    maxCachedWorkflows: 1_000,
    shutdownGraceTime: deps.shutdownGraceMs,
    shutdownForceTime: deps.shutdownGraceMs + 5_000,
  });
}
