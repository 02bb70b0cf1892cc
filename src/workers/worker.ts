import v8 from 'node:v8';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from '../logger';
import { chatMetricsSinks } from './chat-metrics-sinks';
import { projectWorkflowBundle } from './workflow-bundle';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: object;
  logger: Logger;
  /** How long in-flight activities may run on after shutdown starts before they are cancelled. */
  shutdownGraceMs: number;
  /** A workflow bundle of the caller's (tests bundle once per file); otherwise the project's (src/workers/workflow-bundle.ts). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Tracing is on: the workflows run with the tracing interceptors (their own bundle). */
  tracedWorkflows?: boolean;
  /** Tracing interceptors and the sink that exports workflow spans (when tracing is on); the chat metrics sink is always there. */
  interceptors?: WorkerOptions['interceptors'];
  sinks?: WorkerOptions['sinks'];
  /** The payload codec of TEMPORAL_PAYLOAD_KEYS, the same as the clients'; unset: plain payloads. */
  dataConverter?: WorkerOptions['dataConverter'];
  /** WORKER_MAX_CACHED_WORKFLOWS; unset: sized from memory. */
  maxCachedWorkflows?: number | undefined;
  /** WORKER_DEPLOYMENT_NAME and WORKER_BUILD_ID; unset: an unversioned worker (the embedded dev server, tests). */
  deployment?: { deploymentName: string; buildId: string } | undefined;
}

/**
 * Worker versioning: a worker of build B only receives tasks of workflows on build B or, for
 * auto-upgrade workflows, of whatever build is current. Each workflow type declares its own
 * behaviour (src/workflows/versioning.ts: chats auto-upgrade, generations are pinned); the
 * default applies to runs an unversioned worker started, which moved between workers before too.
 */
export function deploymentOptions(deployment: WorkerDeps['deployment']): WorkerOptions['workerDeploymentOptions'] {
  if (!deployment) return undefined;
  return { version: deployment, useWorkerVersioning: true, defaultVersioningBehavior: 'AUTO_UPGRADE' };
}

/** Memory a cached chat workflow holds: 400–500 KB of RSS measured with `bench:chat -- --floor --scale` (README, Performance). */
const CACHED_CHAT_BYTES = 500 * 1024;

/**
 * How many workflows to keep cached: half the V8 heap limit's worth of chats, within bounds (the
 * workflows share one thread, whose heap has about that limit). A
 * chat not cached replays its history on its next update (histories are kept short for that),
 * so the cache trades memory for CPU; with thousands of chats active it is what keeps the cost
 * per update flat.
 */
export function cacheSizeFromMemory(heapLimitBytes = v8.getHeapStatistics().heap_size_limit): number {
  return Math.min(20_000, Math.max(1_000, Math.floor(heapLimitBytes / 2 / CACHED_CHAT_BYTES)));
}

/**
 * A worker for the project's task queue: runs the chat and generation workflows and all
 * activities. Several may run side by side (against the same Temporal); they share the work.
 */
export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  const workflowBundle = deps.workflowBundle ?? (await projectWorkflowBundle(deps.tracedWorkflows ?? false, deps.logger));
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    activities: deps.activities,
    workflowBundle,
    ...(deps.interceptors ? { interceptors: deps.interceptors } : {}),
    ...(deps.dataConverter ? { dataConverter: deps.dataConverter } : {}),
    sinks: { ...chatMetricsSinks, ...deps.sinks },
    maxCachedWorkflows: deps.maxCachedWorkflows ?? cacheSizeFromMemory(),
    ...(deps.deployment ? { workerDeploymentOptions: deploymentOptions(deps.deployment) } : {}),
    shutdownGraceTime: deps.shutdownGraceMs,
    shutdownForceTime: deps.shutdownGraceMs + 5_000,
  });
}
