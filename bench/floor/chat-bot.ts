/**
 * The floor bot's process (bench/chat-floor.ts starts it): a webhook that turns each Telegram
 * update into one signal-with-start of the chat's workflow, and a worker for those workflows, on
 * the Temporal server of the stack under test. What the project's ingress and chat worker do,
 * minus everything the project adds.
 *
 * Environment: TEMPORAL_ADDRESS, FLOOR_PORT, TELEGRAM_API_ROOT, FLOOR_BOT_TOKENS (comma-separated).
 * Prints "floor ready" once its webhooks are set and the worker polls.
 */
import express from 'express';
import { Worker } from '@temporalio/worker';
import { connectBenchClient, connectBenchWorker } from '../support/temporal-connection';
import * as activities from './chat-activities';
import { floorChat, floorUpdate, type FloorUpdate } from './chat-workflow';

const TASK_QUEUE = 'bench-floor-chat';

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const port = Number(process.env.FLOOR_PORT ?? 0);
  const apiRoot = process.env.TELEGRAM_API_ROOT ?? '';
  const tokens = (process.env.FLOOR_BOT_TOKENS ?? '').split(',').filter(Boolean);
  const { client } = await connectBenchClient(process.env, address);
  const worker = await Worker.create({
    connection: await connectBenchWorker(process.env, address),
    taskQueue: TASK_QUEUE,
    workflowsPath: require.resolve('./chat-workflow'),
    activities,
  });

  const app = express();
  app.use(express.json());
  app.post('/floor/:bot/webhook', async (req, res) => {
    const token = tokens[Number(req.params.bot)];
    const body = req.body as {
      update_id: number;
      message?: { chat: { id: number }; text?: string };
      callback_query?: { id: string; message?: { chat: { id: number } } };
    };
    const chatId = body.message?.chat.id ?? body.callback_query?.message?.chat.id;
    if (token === undefined || chatId === undefined) {
      res.sendStatus(200);
      return;
    }
    const update: FloorUpdate = { updateId: body.update_id, chatId };
    if (body.message?.text !== undefined) update.text = body.message.text;
    if (body.callback_query) update.callbackId = body.callback_query.id;
    try {
      await client.workflow.signalWithStart(floorChat, {
        workflowId: `floor:${req.params.bot}:${chatId}`,
        taskQueue: TASK_QUEUE,
        args: [{ botToken: token }],
        signal: floorUpdate,
        signalArgs: [update],
      });
      res.sendStatus(200);
    } catch (err) {
      res.status(500).send(String(err));
    }
  });
  const server = app.listen(port, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const listening = (server.address() as { port: number }).port;
  for (const [index, token] of tokens.entries()) {
    const response = await fetch(`${apiRoot}/bot${token}/setWebhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${listening}/floor/${index}/webhook`, max_connections: 40 }),
    });
    if (!response.ok) throw new Error(`setWebhook: HTTP ${response.status}`);
  }
  const running = worker.run();
  process.once('SIGTERM', () => {
    server.close();
    worker.shutdown();
  });
  console.log(`floor ready on port ${listening}`);
  await running;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
