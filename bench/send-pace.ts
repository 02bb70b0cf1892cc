// What the shared send pace costs per message: `reserve_send_slot()` (one round trip, two row
// locks, two updates) against the floor of any database round trip (`select 1`) on the same
// embedded PostgreSQL, in the same run. Replies to chats that are not flooding wait for nothing,
// so this round trip is the whole cost the pace adds to a reply.
// Run: npm run bench:send-pace [-- --sends=3000 --concurrency=8] (or BENCH_SENDS, BENCH_CONCURRENCY)
import { sql } from 'drizzle-orm';
import { createDatabase } from '../src/db/client';
import { applyMigrations } from '../src/db/migrate';
import { createLogger } from '../src/logger';
import { startEmbeddedPostgres } from '../src/runtime/embedded-postgres';
import { SendPacer } from '../src/telegram/send-pace';
import { makeDataDir, removeDataDir } from './support/data-dir';
import { intOption } from './support/options';
import { freePorts } from './support/ports';
import { round, summary } from './support/stats';

const SENDS = intOption('sends', 'BENCH_SENDS', 3_000);
const CONCURRENCY = intOption('concurrency', 'BENCH_CONCURRENCY', 8);

/** Runs `op` SENDS times with CONCURRENCY in flight; returns each call's latency (ms) and the total time. */
async function measure(op: (i: number) => Promise<unknown>): Promise<{ latencies: number[]; totalMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < SENDS) {
        const i = next++;
        const t = performance.now();
        await op(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, totalMs: performance.now() - started };
}

async function main(): Promise<void> {
  const dataDir = makeDataDir('bench-send-pace');
  const postgres = await startEmbeddedPostgres({
    dataDir,
    port: (await freePorts(1))[0] as number,
    database: 'bots',
    logger: createLogger('warn', 'bench'),
  });
  const db = createDatabase(postgres.url);
  try {
    await applyMigrations(db);
    const pacer = new SendPacer(db, { botPerSecond: 1e9, chatBurst: 1e6, chatPerSecond: 1e9, groupPerMinute: 1e9 });
    // Warm both paths (connections, plans) before measuring.
    await measure(() => db.execute(sql`select 1`));
    await measure((i) => pacer.reserve('warm', String(i % 500), 60_000));

    const floor = await measure(() => db.execute(sql`select 1`));
    // Many chats of one bot (every send locks the bot's row: the contended case) …
    const manyChats = await measure((i) => pacer.reserve('1', String(i % 1_000), 60_000));
    // … and one chat per send of many bots (no contention).
    const spread = await measure((i) => pacer.reserve(String(i % 100), String(i), 60_000));

    const rows = [
      ['select 1 (floor)', floor],
      ['reserve: one bot, 1,000 chats', manyChats],
      ['reserve: 100 bots, a chat each', spread],
    ] as const;
    console.log(`${SENDS} calls each, ${CONCURRENCY} in flight, embedded PostgreSQL on this machine`);
    console.log('| operation | p50 ms | p99 ms | calls/s | ratio to floor (p50) |');
    console.log('|---|---|---|---|---|');
    const floorP50 = summary(floor.latencies, 3).p50;
    for (const [name, run] of rows) {
      const s = summary(run.latencies, 3);
      console.log(`| ${name} | ${s.p50} | ${s.p99} | ${Math.round((SENDS / run.totalMs) * 1000)} | ${round(s.p50 / floorP50, 2)} |`);
    }
  } finally {
    await db.$client.end();
    await postgres.stop();
    removeDataDir(dataDir);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
