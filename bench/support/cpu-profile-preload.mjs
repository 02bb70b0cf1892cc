// Loaded with `--import` into a process under test (BENCH_STACK_NODE_OPTIONS="--import
// ./bench/support/cpu-profile-preload.mjs", BENCH_STACK_BENCH_CPU_PROFILE=<file>): profiles each of
// its threads with the inspector (node 20 refuses --cpu-prof in NODE_OPTIONS). The main thread
// writes <file> at exit. Worker threads (the SDK runs workflow code in one) are terminated rather
// than exited, so each writes what it sampled every 10 s as <file>.<threadId>.<n>. Summarise any
// of them together with bench/support/profile-summary.ts.
import fs from 'node:fs';
import inspector from 'node:inspector';
import { isMainThread, threadId } from 'node:worker_threads';

const file = process.env.BENCH_CPU_PROFILE;
if (file) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable', () => session.post('Profiler.start'));
  if (isMainThread) {
    let written = false;
    // The inspector answers synchronously within the same tick when posted from the same thread.
    process.on('exit', () => {
      if (written) return;
      written = true;
      session.post('Profiler.stop', (err, result) => {
        if (!err) fs.writeFileSync(file, JSON.stringify(result.profile));
      });
    });
  } else {
    let part = 0;
    const timer = setInterval(() => {
      session.post('Profiler.stop', (err, result) => {
        if (!err) fs.writeFileSync(`${file}.${threadId}.${part++}`, JSON.stringify(result.profile));
        session.post('Profiler.start');
      });
    }, 10_000);
    timer.unref();
  }
}
