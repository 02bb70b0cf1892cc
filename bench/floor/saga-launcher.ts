/**
 * The floor's process (bench/generations-floor.ts spawns it): a worker for floorWorkflow on its
 * own task queue and a tiny HTTP endpoint that starts one job per POST, against the Temporal
 * server and PostgreSQL of the stack under test (TEMPORAL_ADDRESS, DATABASE_URL).
 *
 *   POST /jobs {id, userId, prompt, cost} → 202 {id}: one client.workflow.start, nothing else.
 *
 * Prints `floor ready <url>` once it accepts jobs; SIGTERM stops it.
 */
import type { AddressInfo } from 'node:net';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import express from 'express';
import pg from 'pg';
import { createFloorActivities, floorSchema } from './saga-activities';
import type { FloorJob } from './saga-workflow';
import { connectBenchClient, connectBenchWorker } from '../support/temporal-connection';

const taskQueue = 'bench-floor';

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  await pool.query(floorSchema);

  const worker = await Worker.create({
    connection: await connectBenchWorker(process.env, address),
    taskQueue,
    workflowsPath: require.resolve('./saga-workflow'),
    activities: createFloorActivities(pool),
    // As the project's worker (src/workers/worker.ts).
    maxCachedWorkflows: 1_000,
  });
  const { client } = await connectBenchClient(process.env, address);

  const app = express();
  app.use(express.json());
  app.post('/jobs', (req, res, next) => {
    const job = req.body as FloorJob;
    client.workflow
      .start('floorWorkflow', { taskQueue, workflowId: job.id, args: [job] })
      .then(() => res.status(202).json({ id: job.id }))
      .catch(next);
  });
  const server = app.listen(Number(process.env.FLOOR_PORT ?? 0), '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));

  const running = worker.run();
  process.stdout.write(`floor ready http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  process.once('SIGTERM', () => {
    server.close();
    worker.shutdown();
  });
  await running;
  await pool.end();
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`floor failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
