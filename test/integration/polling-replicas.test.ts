import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { eq, sql } from 'drizzle-orm';
import { publishFlow } from '../../src/bots/registry';
import { pollingLeases } from '../../src/db/schema';
import { TelegramEmulator, type EmulatedUser } from '../../src/telegram-emulator';
import { edge, flow } from '../support/flow-json';
import { createTestDatabase, temporalAddress, uniqueTaskQueue } from '../support/harness';
import { freePort } from '../support/ports';
import { runEntrypoint } from '../support/system-process';

type Running = Awaited<ReturnType<typeof runEntrypoint>>;
interface Replica extends Running {
  name: string;
  url: string;
  holder: string;
}

const pongFlow = flow(
  [
    { id: 'ping', type: 'trigger.text', data: { pattern: '^ping' } },
    { id: 'pong', type: 'message.text', data: { text: 'pong {{ message.text }}' } },
  ],
  [edge('ping', 'pong')],
);

const newToken = () => `${crypto.randomInt(100_000_000, 999_999_999)}:${crypto.randomBytes(27).toString('base64url')}`;

/**
 * Two `npm run api` replicas and an `npm run worker` on one database and task queue, with the
 * Bot API emulator as Telegram: each polling bot is polled by one replica at a time, a bot
 * changed through one replica is served accordingly by the other, and when the polling replica
 * dies without a word the other takes over and every update is still answered, once.
 */
describe('two API replicas', () => {
  const emulator = new TelegramEmulator({ webhookRetryDelayMs: 100, webhookMaxAttempts: 3 });
  let closeEmulator: () => Promise<void>;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataDir: string;
  let a: Replica;
  let b: Replica;
  let worker: Running;
  const apiToken = crypto.randomBytes(16).toString('hex');
  /** Processes still running, and how each ends. */
  const alive = new Map<ChildProcess, Promise<number | null>>();
  let env: Record<string, string>;
  const summary: string[] = [];

  async function replica(name: string, port: number): Promise<Replica> {
    const running = await runEntrypoint('api', { ...env, PORT: String(port) }, /"msg":"telegram ingress started"/);
    alive.set(running.child, running.exited);
    const holder = /"holder":"([^"]+)","msg":"telegram ingress started"/.exec(running.output())?.[1] as string;
    return { ...running, name, url: `http://127.0.0.1:${port}`, holder };
  }

  beforeAll(async () => {
    const telegram = await emulator.start({ port: 0 });
    closeEmulator = telegram.close;
    database = await createTestDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bots-replicas-'));
    const [portA, portB] = [await freePort(), await freePort()];
    env = {
      TEMPORAL_ADDRESS: temporalAddress(),
      DATABASE_URL: database.url,
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('replicas'),
      TELEGRAM_API_ROOT: telegram.apiRoot,
      BOT_TOKEN_KEY: 'test-bot-token-key-0123456789',
      API_TOKEN: apiToken,
      // Webhooks go to replica B, whichever replica registered them.
      PUBLIC_URL: `http://127.0.0.1:${portB}`,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    };
    // One after the other: both would apply the migrations (safely), but the second would wait anyway.
    a = await replica('A', portA);
    [b, worker] = await Promise.all([replica('B', portB), runEntrypoint('worker', env, /"msg":"worker running"/)]);
    alive.set(worker.child, worker.exited);
  });

  afterAll(async () => {
    await Promise.all([...alive].map(([child, exited]) => (child.kill('SIGTERM'), exited)));
    await database?.drop();
    await closeEmulator?.();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function api(replica: Replica, method: string, route: string, body?: unknown) {
    const res = await fetch(`${replica.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Registers a bot through a replica and publishes its flow. */
  async function register(replica: Replica, token: string, mode: 'polling' | 'webhook'): Promise<string> {
    const registered = await api(replica, 'POST', '/api/bots', { token, mode });
    expect(registered.status).toBe(201);
    const botId = registered.body.id as string;
    await publishFlow(database.db, botId, 'main', pongFlow);
    return botId;
  }

  /** Waits for a line of the replica's log written after `since` characters of it. */
  async function logged(replica: Running, since: number, line: RegExp): Promise<void> {
    for (let i = 0; i < 400; i++) {
      if (line.test(replica.output().slice(since))) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`not logged: ${line}\n${replica.output().slice(since)}`);
  }
  const changeOf = (botId: string) => new RegExp(`"botId":"${botId}","msg":"bot changed"`);

  function botTexts(botId: string, user: EmulatedUser): string[] {
    return emulator
      .messages(user.chatId, Number(botId))
      .filter((m) => m.from?.id === Number(botId))
      .map((m) => ('text' in m ? m.text : ''));
  }

  async function answered(botId: string, user: EmulatedUser, count: number): Promise<string[]> {
    for (let i = 0; i < 1200; i++) {
      if (botTexts(botId, user).length >= count) return botTexts(botId, user);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`bot ${botId} answered ${botTexts(botId, user).length} of ${count} in chat ${user.chatId}`);
  }

  async function holderOf(botId: string): Promise<string | undefined> {
    const [lease] = await database.db.select().from(pollingLeases).where(eq(pollingLeases.botId, botId));
    return lease?.holder;
  }

  const polling = emulator.createBot({ username: 'replicated_bot', token: newToken() });
  const stopped = emulator.createBot({ username: 'stopped_bot', token: newToken() });
  const hooked = emulator.createBot({ username: 'hooked_bot', token: newToken() });
  const pollingId = String(polling.id);
  const users = [0, 1, 2].map(() => emulator.user(polling.id));
  let stoppedPolls = -1;

  it('polls a bot registered through either replica from one replica at a time', async () => {
    await register(a, polling.token, 'polling');
    await register(b, stopped.token, 'polling');
    for (const user of users) user.sendText('ping 1');
    for (const user of users) expect(await answered(pollingId, user, 1)).toEqual(['pong ping 1']);
    expect([a.holder, b.holder]).toContain(await holderOf(pollingId));
    expect([a.holder, b.holder]).toContain(await holderOf(String(stopped.id)));
    expect(emulator.polls(polling.id).maxConcurrent).toBe(1);
    expect(emulator.polls(stopped.id).maxConcurrent).toBe(1);
  });

  it('serves a webhook bot registered through replica A on replica B, whose cache had it as unknown', async () => {
    const botId = String(hooked.id);
    // B looks the bot up before it exists, and would keep "unknown" for its cache's 5 s.
    const early = await fetch(`${b.url}/telegram/${botId}/webhook`, {
      method: 'POST',
      headers: { 'x-telegram-bot-api-secret-token': 'guess', 'content-type': 'application/json' },
      body: JSON.stringify({ update_id: 1 }),
    });
    expect(early.status).toBe(401);
    const since = b.output().length;
    await register(a, hooked.token, 'webhook');
    await logged(b, since, changeOf(botId));
    const user = emulator.user(hooked.id);
    const update = user.sendText('ping hook');
    expect(await answered(botId, user, 1)).toEqual(['pong ping hook']);
    // Accepted by B at the first try (the emulator retries only 3 times, 100 ms apart).
    expect(emulator.deliveries({ bot: hooked.id, updateId: update.update_id }).map((d) => d.status)).toEqual([200]);
  });

  it('sends with a bot’s new token once it is registered again through replica A', async () => {
    const renewed = emulator.replaceToken(polling.id);
    const sendsBefore = emulator.calls({ bot: polling.id, method: 'sendMessage' }).length;
    const since = worker.output().length;
    expect((await api(a, 'POST', '/api/bots', { token: renewed.token, mode: 'polling' })).status).toBe(201);
    await logged(worker, since, changeOf(pollingId));
    users[0]!.sendText('ping 2');
    expect(await answered(pollingId, users[0]!, 2)).toEqual(['pong ping 1', 'pong ping 2']);
    // The worker's client with the old token was dropped before it sent: no send was refused.
    const sends = emulator.calls({ bot: polling.id, method: 'sendMessage' }).slice(sendsBefore);
    expect(sends.map((call) => call.response.ok)).toEqual([true]);
  });

  it('refuses a bot disabled through replica A on replica B at once, and stops polling a disabled bot', async () => {
    const botId = String(hooked.id);
    const since = b.output().length;
    expect((await api(a, 'POST', `/api/bots/${botId}/disable`)).status).toBe(200);
    await logged(b, since, changeOf(botId));
    const update = emulator.user(hooked.id).sendText('ping after disable');
    await emulator.waitForDelivery((d) => d.bot === hooked.id && d.updateId === update.update_id);
    expect(emulator.deliveries({ bot: hooked.id, updateId: update.update_id })[0]?.status).toBe(401);

    // Disabled through the replica that does not poll it: the one that does stops.
    const stoppedId = String(stopped.id);
    const holder = (await holderOf(stoppedId)) === a.holder ? a : b;
    const other = holder === a ? b : a;
    const holderSince = holder.output().length;
    expect((await api(other, 'POST', `/api/bots/${stoppedId}/disable`)).status).toBe(200);
    await logged(holder, holderSince, new RegExp(`"botId":"${stoppedId}","msg":"stopped polling`));
    stoppedPolls = emulator.polls(stopped.id).calls;
  });

  it('goes on polling from the other replica when the polling one is killed, losing no update', async () => {
    const holder = (await holderOf(pollingId)) === a.holder ? a : b;
    const survivor = holder === a ? b : a;
    const pollsBefore = emulator.polls(polling.id).calls;
    holder.child.kill('SIGKILL');
    expect(await holder.exited).toBeNull();
    alive.delete(holder.child);
    const killedAt = performance.now();
    // Sent while nobody polls: Telegram (the emulator) keeps them until someone does.
    for (const user of users) user.sendText('ping 3');
    for (const user of users) await answered(pollingId, user, users.indexOf(user) === 0 ? 3 : 2);
    const takeoverMs = Math.round(performance.now() - killedAt);

    expect(await holderOf(pollingId)).toBe(survivor.holder);
    expect(botTexts(pollingId, users[0]!)).toEqual(['pong ping 1', 'pong ping 2', 'pong ping 3']);
    for (const user of users.slice(1)) expect(botTexts(pollingId, user)).toEqual(['pong ping 1', 'pong ping 3']);
    const polls = emulator.polls(polling.id);
    expect(polls.maxConcurrent).toBe(1);
    // The disabled bot was not polled again by anyone.
    expect(emulator.polls(stopped.id).calls).toBe(stoppedPolls);

    const delivered = users.reduce((sum, user) => sum + botTexts(pollingId, user).length, 0);
    summary.push(
      `two-replica polling: ${polls.calls} getUpdates seen for the bot (${polls.calls - pollsBefore} after the kill), ` +
        `max concurrent per bot ${polls.maxConcurrent}, ${delivered} updates answered once each, ` +
        `replica ${holder.name} SIGKILLed, replica ${survivor.name} answered the updates sent meanwhile after ${takeoverMs} ms`,
    );
    // From here on `a` names the survivor.
    [a, b] = [survivor, holder];
  });

  it('hands the bot over at once when the polling replica stops cleanly', async () => {
    // `a` is the survivor now; a new replica C joins, then `a` is stopped with SIGTERM.
    const c = await replica('C', await freePort());
    expect(await holderOf(pollingId)).toBe(a.holder);
    const since = c.output().length;
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    alive.delete(a.child);
    const stoppedAt = performance.now();
    // Given back on the way out, not left to run out: C needs no wait for it.
    const { rows } = await database.db.execute<{ holder: string; released: boolean }>(
      sql`select holder, expires_at = '-infinity' as released from polling_leases where bot_id = ${pollingId}`,
    );
    expect(rows[0]?.holder === c.holder || rows[0]?.released === true).toBe(true);
    for (const user of users) user.sendText('ping 4');
    for (const user of users) await answered(pollingId, user, users.indexOf(user) === 0 ? 4 : 3);
    const handoverMs = Math.round(performance.now() - stoppedAt);
    await logged(c, since, new RegExp(`"botId":"${pollingId}",[^\n]*"msg":"polling for updates"`));
    expect(await holderOf(pollingId)).toBe(c.holder);
    expect(emulator.polls(polling.id).maxConcurrent).toBe(1);
    summary.push(`clean stop: replica C answered the updates sent after ${a.name}'s SIGTERM within ${handoverMs} ms`);
    console.log(summary.join('\n'));
    c.child.kill('SIGTERM');
    expect(await c.exited).toBe(0);
    alive.delete(c.child);
  });
});
