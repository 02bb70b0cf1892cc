// Loaded with `--import` into a process under test (BENCH_STACK_NODE_OPTIONS="--import
// ./bench/support/cpu-profile-preload.mjs", BENCH_CPU_PROFILE=<file>): profiles each of its threads
// from start to exit with the inspector and writes the .cpuprofile (node 20 refuses --cpu-prof
// in NODE_OPTIONS). Summarise it with bench/support/profile-summary.ts.
import fs from 'node:fs';
import inspector from 'node:inspector';
import { isMainThread, threadId } from 'node:worker_threads';

// Worker threads (the SDK runs workflow code in one) load this too and write `<file>.<threadId>`.
const file =
  process.env.BENCH_CPU_PROFILE && (isMainThread ? process.env.BENCH_CPU_PROFILE : `${process.env.BENCH_CPU_PROFILE}.${threadId}`);
if (file) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable', () => session.post('Profiler.start'));
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    session.post('Profiler.stop', (err, result) => {
      if (!err) fs.writeFileSync(file, JSON.stringify(result.profile));
    });
  };
  // The inspector answers synchronously within the same tick when posted from the main thread.
  process.on('exit', write);
  process.on('SIGUSR2', write);
}
