/**
 * `npm run build:workflows` (the last step of `npm run build`): prebuilds the workflow bundles
 * next to the compiled code, so a worker started from dist/ loads them instead of running webpack
 * at every start. Run from dist/ only: bundles next to src/ would outlive the sources they were
 * built from, and `npm run worker` would run stale workflows.
 */
import { DefaultLogger } from '@temporalio/worker';
import { writeWorkflowBundles } from '../workers/workflow-bundle';

if (__filename.endsWith('.ts')) {
  process.stderr.write('build:workflows bundles the compiled code: run `npm run build` (it compiles to dist/ first)\n');
  process.exit(1);
}

// The bundler's report (every module it packed) is noise here; its warnings and errors are not.
writeWorkflowBundles(new DefaultLogger('WARN')).then(
  (files) => process.stdout.write(`workflow bundles written: ${files.join(', ')}\n`),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
