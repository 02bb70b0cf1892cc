import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, Runtime, type BundleOptions, type Logger as SdkLogger, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from '../logger';
import { tracingWorkflowModule } from '../tracing';

/**
 * Modules evaluated once per worker instead of once per workflow: every workflow the worker
 * caches evaluates its own copy of what workflow code imports, unless preloaded. Only stateless
 * libraries qualify (the SDK deep-freezes what they export): re2js, the regular-expression engine
 * of flow patterns, is most of the chat workflow's own code.
 */
const workflowBundlerOptions = { preloadModules: ['re2js'] };

/**
 * What the workflow bundle is made of, whether bundled at a worker's start or prebuilt by
 * `npm run build`: the project's workflows (src/workflows, or dist/workflows in compiled code),
 * with the tracing interceptors when `traced`. Tracing is a bundle of its own rather than always
 * in: without it, workflows run exactly the code they ran before tracing existed.
 */
export function workflowBundleOptions(traced: boolean): Omit<BundleOptions, 'logger'> {
  return {
    workflowsPath: require.resolve('../workflows'),
    ...workflowBundlerOptions,
    ...(traced ? { workflowInterceptorModules: [tracingWorkflowModule] } : {}),
  };
}

/**
 * Where `npm run build` puts the prebuilt bundles: next to the compiled code (dist/), never next
 * to src/, so `node dist/…` finds the bundles of the very code it runs and `npm run worker`
 * (TypeScript through tsx) bundles the current sources at start.
 */
export function prebuiltBundleFile(traced: boolean): string {
  return path.resolve(__dirname, '..', traced ? 'workflow-bundle.traced.js' : 'workflow-bundle.js');
}

/** The prebuilt bundle when there is one (production), else the workflows bundled now with webpack (development). */
export async function projectWorkflowBundle(traced: boolean, logger: Logger): Promise<NonNullable<WorkerOptions['workflowBundle']>> {
  const file = prebuiltBundleFile(traced);
  if (fs.existsSync(file)) {
    logger.info({ file }, 'using the prebuilt workflow bundle');
    return { codePath: file };
  }
  logger.info({ traced }, 'bundling the workflows (no prebuilt bundle: running from sources)');
  const { code } = await bundleWorkflowCode({ ...workflowBundleOptions(traced), logger: Runtime.instance().logger });
  return { code };
}

/** Bundles the workflows, plain and traced, into the files the compiled worker looks for. */
export async function writeWorkflowBundles(logger: SdkLogger): Promise<string[]> {
  const written = [];
  for (const traced of [false, true]) {
    const { code } = await bundleWorkflowCode({ ...workflowBundleOptions(traced), logger });
    const file = prebuiltBundleFile(traced);
    fs.writeFileSync(file, code);
    written.push(file);
  }
  return written;
}
