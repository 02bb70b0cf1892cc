/**
 * Re-records the chat histories the replay test replays (test/fixtures/histories), from fresh
 * conversations on real servers: the embedded Temporal dev server and PostgreSQL the integration
 * tests start, the Bot API emulator and a worker of the current code.
 *
 *   npm run record:histories                  all of them
 *   npm run record:histories -- waits logic   some (names in scripts/chat-recordings.ts)
 *
 * chat-loyalty.json (and generation-completed.json, its paid story) is not written here: it was
 * recorded before the `callback-toast` and `step-metrics` patches, and keeps the code paths of
 * histories without their markers replayed. Nor are the chat-*-pre-lean.json copies: recorded
 * before `lean-updates`, they keep the older patches' paths replayed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import startTestServers from '../test/support/global-setup';
import stopTestServers from '../test/support/global-teardown';
import { recordings, type RecordedHistory } from './chat-recordings';

// The conversations fail on purpose (a blocked user, a refused generation); the SDK's warnings
// about it would bury the report, so only errors are shown.
Runtime.install({ logger: new DefaultLogger('ERROR') });

const fixtures = path.resolve(__dirname, '..', 'test', 'fixtures', 'histories');
// Two at a time: the idle recording mostly waits, and the machine may be shared.
const CONCURRENCY = 2;

async function main(names: string[]): Promise<void> {
  const unknown = names.filter((n) => !(n in recordings));
  if (unknown.length > 0) throw new Error(`unknown recordings: ${unknown.join(', ')} (known: ${Object.keys(recordings).join(', ')})`);
  const queue = names.length > 0 ? [...names] : Object.keys(recordings);

  await startTestServers();
  try {
    const run = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        const started = Date.now();
        const histories: RecordedHistory[] = await recordings[name]!();
        for (const { name: file, history } of histories) {
          fs.writeFileSync(path.join(fixtures, `${file}.json`), `${historyToJSON(history)}\n`);
          console.log(`${file}.json: ${history.events?.length ?? 0} events (${name}, ${Math.round((Date.now() - started) / 1000)} s)`);
        }
      }
    };
    // Both runners finish before the servers stop, even when one fails.
    const failed = (await Promise.allSettled(Array.from({ length: CONCURRENCY }, run))).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    await stopTestServers();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
