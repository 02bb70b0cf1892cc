import type { VersioningBehavior, WorkflowDefinitionOptions } from '@temporalio/common';
import { workflowInfo } from '@temporalio/workflow';

/**
 * A workflow type's versioning behaviour, declared only on workers with worker versioning on
 * (WORKER_DEPLOYMENT_NAME): an unversioned worker – the embedded dev server, tests, a deployment
 * before its first versioned build – fails every workflow task that declares one. Evaluated when
 * a worker loads the run, so a run started by an unversioned worker gets the worker's default
 * (auto-upgrade, src/workers/worker.ts) once a versioned build takes it over.
 */
export function onVersionedWorkers(versioningBehavior: VersioningBehavior): () => WorkflowDefinitionOptions {
  // An unversioned worker reports a version too, with its default build id and no deployment name.
  return () => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior } : {});
}
