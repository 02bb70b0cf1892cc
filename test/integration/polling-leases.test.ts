import { eq, sql } from 'drizzle-orm';
import { BotChanges } from '../../src/bots/bot-changes';
import { bots, pollingLeases } from '../../src/db/schema';
import { PollingLeases } from '../../src/ingress/polling-lease';
import { createLogger } from '../../src/logger';
import { createTestDatabase } from '../support/harness';

/** The polling leases and the bot change notifications, on a real PostgreSQL. */
describe('polling leases', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  let botNumber = 100;
  async function addBot(values: Partial<typeof bots.$inferInsert> = {}): Promise<string> {
    botNumber += 1;
    const id = String(botNumber);
    await database.db.insert(bots).values({ id, tokenCiphertext: 'x', ...values });
    return id;
  }
  /** Ends a lease as the clock would (time is not waited for). */
  const expire = (botId: string) =>
    database.db
      .update(pollingLeases)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(pollingLeases.botId, botId));

  it('gives each polling bot to one holder, who keeps it by renewing until it runs out', async () => {
    const [x, y] = [new PollingLeases(database.db), new PollingLeases(database.db)];
    const bot = await addBot();
    const webhookBot = await addBot({ mode: 'webhook' });
    const simulatorBot = await addBot({ simulator: 'only' });

    const first = await x.claim();
    expect(first.has(bot)).toBe(true);
    expect(first.has(webhookBot) || first.has(simulatorBot)).toBe(false);
    expect((await y.claim()).has(bot)).toBe(false);
    expect((await x.claim()).get(bot)).toBe(first.get(bot));

    // A change of the bot shows in its version, so that the holder restarts its loop.
    await database.db
      .update(bots)
      .set({ tokenCiphertext: 'y', updatedAt: sql`now()` })
      .where(eq(bots.id, bot));
    expect((await x.claim()).get(bot)).not.toBe(first.get(bot));

    await expire(bot);
    expect((await y.claim()).has(bot)).toBe(true);
    expect((await x.claim()).has(bot)).toBe(false);
  });

  it('carries the offset to the next holder, and refuses it from a holder that lost the lease', async () => {
    const [x, y] = [new PollingLeases(database.db), new PollingLeases(database.db)];
    const bot = await addBot();
    await x.claim();
    expect(await x.offset(bot)).toBe(0);
    expect(await x.saveOffset(bot, 41)).toBe(true);

    await expire(bot);
    // Expired: not even its old holder may record an offset now.
    expect(await x.saveOffset(bot, 42)).toBe(false);
    await y.claim();
    expect(await y.offset(bot)).toBe(41);
    expect(await x.saveOffset(bot, 43)).toBe(false);
    expect(await y.offset(bot)).toBe(41);

    // An offset saved over a day ago is not trusted: the next holder starts from Telegram's own.
    await database.db
      .update(pollingLeases)
      .set({ offsetSavedAt: sql`now() - interval '25 hours'` })
      .where(eq(pollingLeases.botId, bot));
    expect(await y.offset(bot)).toBe(0);
  });

  it('leaves a disabled bot’s lease to run out, and a released one is taken at once', async () => {
    const [x, y] = [new PollingLeases(database.db), new PollingLeases(database.db)];
    const bot = await addBot();
    expect((await x.claim()).has(bot)).toBe(true);
    await database.db
      .update(bots)
      .set({ disabledAt: sql`now()` })
      .where(eq(bots.id, bot));
    expect((await x.claim()).has(bot)).toBe(false);
    await database.db.update(bots).set({ disabledAt: null }).where(eq(bots.id, bot));
    expect((await x.claim()).has(bot)).toBe(true);

    await x.releaseAll();
    expect((await y.claim()).has(bot)).toBe(true);
  });
});

describe('bot change notifications', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let changes: BotChanges;
  const heard: (string | null)[] = [];
  const waiters: { until: (heard: (string | null)[]) => boolean; done: () => void }[] = [];

  const hear = (until: (all: (string | null)[]) => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (until(heard)) return resolve();
      const timer = setTimeout(() => reject(new Error(`never heard ${what}: ${JSON.stringify(heard)}`)), 20_000);
      waiters.push({ until, done: () => (clearTimeout(timer), resolve()) });
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    changes = new BotChanges(database.url, createLogger('silent'));
    changes.onChange((botId) => {
      heard.push(botId);
      for (const waiter of waiters.splice(0)) {
        if (waiter.until(heard)) waiter.done();
        else waiters.push(waiter);
      }
    });
    await changes.start();
  });
  afterAll(async () => {
    await changes.stop();
    await database.drop();
  });

  it('tells of every committed change of a bot or its active flow version, and of a reconnection', async () => {
    // The first connection says "anything may have changed": nothing was heard before it.
    expect(heard).toEqual([null]);
    const { db } = database;
    await db.insert(bots).values({ id: '501', tokenCiphertext: 'x' });
    await hear((all) => all.includes('501'), 'the new bot');

    await db.transaction(async (tx) => {
      await tx.update(bots).set({ mode: 'webhook' }).where(eq(bots.id, '501'));
      await tx.insert(bots).values({ id: '502', tokenCiphertext: 'x' });
    });
    await hear((all) => all.includes('502'), 'the committed change');

    const times = (botId: string) => heard.filter((id) => id === botId).length;
    await db.execute(sql`insert into flows (bot_id, id) values ('502', 'main')`);
    await hear(() => times('502') === 2, 'the new flow');
    await db.execute(sql`update flows set active_version_id = gen_random_uuid() where bot_id = '502'`);
    await hear(() => times('502') === 3, 'the new active version of the flow');

    // The listening connection is cut: it comes back, and says that anything may have changed meanwhile.
    const cut = heard.length;
    const { rows } = await db.execute(sql`select pg_terminate_backend(pid) as ended from pg_stat_activity
      where application_name = 'bot-changes' and datname = current_database()`);
    expect(rows).toEqual([{ ended: true }]);
    await hear((all) => all.slice(cut).includes(null), 'the reconnection');
    await db
      .update(bots)
      .set({ disabledAt: sql`now()` })
      .where(eq(bots.id, '501'));
    await hear((all) => all.slice(cut).includes('501'), 'a change after the reconnection');
  });
});
