// The conversations recorded as replay fixtures (scripts/record-histories.ts runs them). Together
// they make the chat workflow execute every node type of the flow language at least once, plus
// continue-as-new, going idle, a user who blocked the bot and an operator's restart. The flows
// are under test/fixtures/flows; the replay test checks the coverage from the histories.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils';
import { and, eq, like } from 'drizzle-orm';
import { publishFlow } from '../src/bots/registry';
import { topUp } from '../src/credits/ledger';
import { generationJobs } from '../src/db/schema';
import { chatWorkflowId } from '../src/temporal/workflow-ids';
import { chatEvent } from '../src/temporal/chat-messages';
import { startChatSystem, type ChatSystem } from '../test/support/chat-system';

export interface RecordedHistory {
  /** File name under test/fixtures/histories, without `.json`. */
  name: string;
  history: History;
}

type Flow = { nodes: { type: string; data: Record<string, unknown> }[] };

const flowsDir = path.resolve(__dirname, '..', 'test', 'fixtures', 'flows');
const flow = (name: string): Flow => JSON.parse(fs.readFileSync(path.join(flowsDir, `${name}.json`), 'utf8')) as Flow;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A history as it stands once the workflow has nothing in flight: the bot's last reply reaches the
 * emulator before the workflow task that sent it is recorded, and a history fetched in between
 * would miss that task.
 */
async function settledHistory(client: Client, workflowId: string, runId?: string): Promise<History> {
  const handle = client.workflow.getHandle(workflowId, runId);
  for (let i = 0; ; i++) {
    const { raw } = await handle.describe();
    if (!raw.pendingWorkflowTask && !raw.pendingActivities?.length && !raw.pendingChildren?.length) return handle.fetchHistory();
    if (i === 200) throw new Error(`${workflowId} still has work in flight after 10 s`);
    await sleep(50);
  }
}

// Over the webhook, as production bots are: updates then carry the flow version they run.
async function withChatSystem<T>(options: Parameters<typeof startChatSystem>[0], body: (system: ChatSystem) => Promise<T>): Promise<T> {
  const system = await startChatSystem({ mode: 'webhook', ...options });
  try {
    return await body(system);
  } finally {
    await system.stop();
  }
}

const chatHistory = (system: ChatSystem, chatId: number) => settledHistory(system.client, chatWorkflowId(system.botId, chatId));

/** Photo, video and document; an inline keyboard whose presses edit its message and delete the photo. */
async function messages(): Promise<RecordedHistory[]> {
  return withChatSystem({ flow: flow('messages') }, async (system) => {
    const user = system.user({ firstName: 'Ann' });
    user.sendText('/start');
    await system.until(user.chatId, (t) => t.includes('Menu'));
    user.pressButton('edit');
    await system.until(user.chatId, (t) => t.includes('Menu (edited by Ann)'));
    user.pressButton('delete');
    await system.until(user.chatId, (t) => t.includes('The photo is gone'));
    return [{ name: 'chat-messages', history: await chatHistory(system, user.chatId) }];
  });
}

/**
 * Text triggers (exact and pattern), then a sign-up: a text wait with a pattern (one retry), a
 * reply keyboard and a contact wait (one retry), a button wait, a switch, and a wait that times out.
 */
async function waits(): Promise<RecordedHistory[]> {
  return withChatSystem({ flow: flow('waits') }, async (system) => {
    const user = system.user({ firstName: 'Ann' });
    user.sendText('help');
    await system.until(user.chatId, (t) => t.includes('Send /start to sign up'));
    user.sendText('order 42');
    await system.until(user.chatId, (t) => t.includes('Order 42 is on its way'));
    user.sendText('/start');
    await system.until(user.chatId, (t) => t.at(-1) === 'Your name?');
    user.sendText('R2D2');
    await system.until(user.chatId, (t) => t.at(-1) === 'Letters only, please');
    user.sendText('Ann');
    await system.until(user.chatId, (t) => t.at(-1) === 'Thanks, Ann. Your phone number?');
    user.sendText('later');
    await system.until(user.chatId, (t) => t.at(-1) === 'Please use the button below');
    user.shareContact('+15550001234');
    await system.until(user.chatId, (t) => t.at(-1) === 'Which plan?');
    user.pressButton('pro');
    await system.until(user.chatId, (t) => t.includes('Pro it is, Ann (+15550001234)'));
    // Nobody answers: the wait's 2 s timeout takes its `timeout` handle.
    await system.until(user.chatId, (t) => t.at(-1) === 'No answer; bye for now', 15_000);
    return [{ name: 'chat-waits', history: await chatHistory(system, user.chatId) }];
  });
}

/** A counting loop (set, condition, delay, jump), a sub-flow call and back, then an external event. */
async function logic(): Promise<RecordedHistory[]> {
  return withChatSystem({ flow: flow('logic') }, async (system) => {
    // The sub-flow is another flow of the same bot.
    await publishFlow(system.db, system.botId, 'helper', flow('helper'));
    const user = system.user({ firstName: 'Ann' });
    user.sendText('/count');
    await system.until(user.chatId, (t) => t.includes('Back from the helper after 3 rounds'));
    const handle = system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId));
    await handle.signal(chatEvent, { name: 'order_shipped', payload: { order: 'A-17' }, eventId: 'evt-1' });
    await system.until(user.chatId, (t) => t.includes('Order A-17 shipped'));
    return [{ name: 'chat-logic', history: await chatHistory(system, user.chatId) }];
  });
}

/** A loopback API: slots are found, bookings fail (the `error` handle of action.http). */
async function startStub(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const found = req.method === 'GET' && req.url?.startsWith('/slots');
    res
      .writeHead(found ? 200 : 500, { 'content-type': 'application/json' })
      .end(JSON.stringify(found ? { slot: '10:00' } : { error: 'fully booked' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The flow's HTTP nodes point at a placeholder origin; this points them at the stub. */
function withHttpOrigin(definition: Flow, origin: string): Flow {
  return {
    ...definition,
    nodes: definition.nodes.map((n) =>
      n.type === 'action.http' ? { ...n, data: { ...n.data, url: String(n.data.url).replace(/^http:\/\/[^/]+/, origin) } } : n,
    ),
  };
}

/**
 * Scoped variables, HTTP calls (success and error), a notice to an admin chat, analytics, the
 * balance, a paid story and a paid generation that fails and is refunded.
 */
async function actions(): Promise<RecordedHistory[]> {
  const stub = await startStub();
  try {
    return await withChatSystem({ flow: withHttpOrigin(flow('actions'), stub.origin) }, async (system) => {
      const user = system.user({ firstName: 'Ann' });
      const userId = `tg:${system.botId}:${user.id}`;
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.includes('Balance: 0 credits'));
      await topUp(system.db, userId, 100, 'gift');
      user.pressButton('story');
      await system.until(user.chatId, (t) => t.at(-1)?.startsWith('A story about') === true);
      user.pressButton('fail');
      await system.until(user.chatId, (t) => t.at(-1) === 'That one failed and was refunded; balance: 50 credits');
      const [failed] = await system.db
        .select({ id: generationJobs.id })
        .from(generationJobs)
        .where(and(eq(generationJobs.userId, userId), like(generationJobs.prompt, '%[fail]%')));
      if (!failed) throw new Error('the failing generation left no job');
      return [
        { name: 'chat-actions', history: await chatHistory(system, user.chatId) },
        { name: 'generation-refunded', history: await settledHistory(system.client, failed.id) },
      ];
    });
  } finally {
    await stub.close();
  }
}

/**
 * A long conversation: button presses until Temporal suggests continue-as-new (after 200 events on
 * the test server, see test/support/global-setup.ts). The first run's history is kept.
 */
async function continueAsNew(): Promise<RecordedHistory[]> {
  return withChatSystem(
    { flow: flow('counter'), env: { TELEGRAM_CHAT_RATE_PER_SECOND: '50', TELEGRAM_CHAT_BURST: '50' } },
    async (system) => {
      const user = system.user();
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.includes('Menu'));
      const handle = system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId));
      const firstRun = (await handle.describe()).runId;
      let clicks = 0;
      while ((await handle.describe()).runId === firstRun) {
        if (clicks === 150) throw new Error('no continue-as-new after 150 presses');
        user.pressButton('count');
        clicks += 1;
        await system.until(user.chatId, (t) => t.at(-1) === `click ${clicks}`);
      }
      return [{ name: 'chat-continue-as-new', history: await settledHistory(system.client, handle.workflowId, firstRun) }];
    },
  );
}

/** A chat that goes quiet for its flow's idle timeout (a minute): it saves its variables and completes. */
async function idle(): Promise<RecordedHistory[]> {
  return withChatSystem({ flow: flow('idle') }, async (system) => {
    const user = system.user();
    user.sendText('/start');
    await system.until(user.chatId, (t) => t.includes('visit 1'));
    await system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId)).result();
    return [{ name: 'chat-idle', history: await chatHistory(system, user.chatId) }];
  });
}

/** Telegram answers the first reply with 403 (the user blocked the bot): the chat ends. */
async function blocked(): Promise<RecordedHistory[]> {
  return withChatSystem({ flow: flow('waits') }, async (system) => {
    const user = system.user();
    system.emulator.failNext(
      Number(system.botId),
      'sendMessage',
      { errorCode: 403, description: 'Forbidden: bot was blocked by the user' },
      1,
      { chatId: user.chatId },
    );
    user.sendText('/start');
    // The refused reply is sent by the chat's workflow, so the workflow exists by then.
    await system.emulator.waitFor({ method: 'sendMessage', chatId: user.chatId });
    await system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId)).result();
    return [{ name: 'chat-blocked', history: await chatHistory(system, user.chatId) }];
  });
}

/** An operator restarts a conversation through the API: from a chosen node, then from its first command. */
async function restart(): Promise<RecordedHistory[]> {
  return withChatSystem({ flow: flow('waits') }, async (system) => {
    const user = system.user({ firstName: 'Ann' });
    user.sendText('/start');
    await system.until(user.chatId, (t) => t.at(-1) === 'Your name?');
    user.sendText('Ann');
    await system.until(user.chatId, (t) => t.at(-1) === 'Thanks, Ann. Your phone number?');
    const route = `/api/executions/${encodeURIComponent(chatWorkflowId(system.botId, user.chatId))}/restart`;
    for (const [body, reply] of [
      [{ fromNode: 'ask-plan' }, 'Which plan?'],
      [{}, 'Your name?'],
    ] as const) {
      const response = await system.api('POST', route, body);
      if (response.status !== 202) throw new Error(`restart refused: ${JSON.stringify(response.body)}`);
      await system.until(user.chatId, (t) => t.at(-1) === reply);
    }
    return [{ name: 'chat-restart', history: await chatHistory(system, user.chatId) }];
  });
}

/**
 * A credit pack sold for Stars: an invoice paid and its run going on through `paid`; a second
 * invoice paid after its run moved on (credited and told); the same payment delivered again; and
 * a refund Telegram reports.
 */
async function payments(): Promise<RecordedHistory[]> {
  return withChatSystem({ flow: flow('payments') }, async (system) => {
    const user = system.user({ firstName: 'Ann' });
    const pay = async () => {
      const { pre_checkout_query: query } = user.payInvoice();
      const verdict = await system.emulator.waitForCheckout(query.id);
      if (verdict.status !== 'paid') throw new Error(`the purchase was not paid: ${JSON.stringify(verdict)}`);
      return verdict.chargeId as string;
    };
    user.sendText('/buy');
    await system.until(user.chatId, (t) => t.includes('[invoice: 100 credits]'));
    await pay();
    await system.until(user.chatId, (t) => t.includes('Thanks! +100 credits; balance 100'));
    user.sendText('/buy');
    await system.until(user.chatId, (t) => t.filter((x) => x === '[invoice: 100 credits]').length === 2);
    user.sendText('/other');
    await system.until(user.chatId, (t) => t.includes('Something else'));
    const late = await pay();
    await system.until(user.chatId, (t) => t.some((x) => x.startsWith('Payment received')));
    const payment = user
      .messages()
      .reverse()
      .find((m) => 'successful_payment' in m);
    system.emulator.injectUpdate(Number(system.botId), { message: payment });
    user.refundedByTelegram(late);
    await system.until(user.chatId, (t) => t.some((x) => x.startsWith('Your payment was refunded')));
    return [{ name: 'chat-payments', history: await chatHistory(system, user.chatId) }];
  });
}

/** By name; the slow idle one first, so that it waits out its minute while the others run. */
export const recordings: Record<string, () => Promise<RecordedHistory[]>> = {
  idle,
  messages,
  waits,
  logic,
  actions,
  'continue-as-new': continueAsNew,
  blocked,
  restart,
  payments,
};
