import type { Database } from '../../src/db/client';
import { applyMigrations } from '../../src/db/migrate';
import { NoSendSlotError, SendPacer } from '../../src/telegram/send-pace';
import { createTestDatabase } from '../support/harness';

const limits = { botPerSecond: 30, chatBurst: 3, chatPerSecond: 1, groupPerMinute: 20 };

/** The slots PostgreSQL hands out (waits in ms from the moment of each call), as two workers see them. */
describe('the send pace shared by every worker', () => {
  let database: { db: Database; drop(): Promise<void> };
  beforeAll(async () => {
    database = await createTestDatabase();
    await applyMigrations(database.db);
  });
  afterAll(() => database.drop());

  it('lets a chat’s burst through at once, then spaces its messages a second apart, across two workers', async () => {
    const workers = [new SendPacer(database.db, limits), new SendPacer(database.db, limits)];
    const waits = await Promise.all(Array.from({ length: 8 }, (_, i) => workers[i % 2]!.reserve('1', '42', 60_000)));
    waits.sort((a, b) => a - b);
    // Calls land a few ms apart; each wait is measured from its own call.
    expect(waits.slice(0, 3).every((w) => w < 200)).toBe(true);
    for (let i = 3; i < waits.length; i++) expect(waits[i]! - waits[i - 1]!).toBeGreaterThan(800);
    expect(waits[7]!).toBeGreaterThan(4_500);
  });

  it('paces a group by the group pace and a private chat by its own, whoever sends', async () => {
    const pacer = new SendPacer(database.db, limits);
    const group: number[] = [];
    for (let i = 0; i < 5; i++) group.push(await pacer.reserve('2', '-100777', 600_000));
    // 20 a minute: three at once, then one every three seconds.
    expect(group[3]!).toBeGreaterThan(2_500);
    expect(group[4]! - group[3]!).toBeGreaterThan(2_500);
    const direct: number[] = [];
    for (let i = 0; i < 4; i++) direct.push(await pacer.reserve('2', '777', 600_000));
    expect(direct[3]!).toBeGreaterThan(500);
    expect(direct[3]!).toBeLessThan(1_500);
  });

  it('reserves nothing for an attempt whose slot would come after its deadline', async () => {
    const pacer = new SendPacer(database.db, limits);
    for (let i = 0; i < 3; i++) await pacer.reserve('3', '9', 0);
    const refused = await pacer.reserve('3', '9', 500).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(NoSendSlotError);
    expect((refused as NoSendSlotError).waitMs).toBeGreaterThan(500);
    // The refused attempt took no slot: the next caller gets the one it was refused.
    const next = await pacer.reserve('3', '9', 5_000);
    expect(next).toBeGreaterThan(500);
    expect(next).toBeLessThan(1_100);
  });

  it('keeps a bot within its own rate over many chats', async () => {
    const pacer = new SendPacer(database.db, { ...limits, botPerSecond: 10 });
    const waits: number[] = [];
    for (let chat = 0; chat < 25; chat++) waits.push(await pacer.reserve('4', String(1_000 + chat), 60_000));
    // A second's worth at once, then one every 100 ms.
    expect(waits[9]!).toBeLessThan(100);
    expect(waits[24]!).toBeGreaterThan(1_300);
  });
});
