import { eq } from 'drizzle-orm';
import { checkLedger } from '../../src/credits/check';
import {
  bookTelegramRefund,
  completeRefund,
  creditPurchase,
  holdRefund,
  openInvoice,
  preCheckoutVerdict,
  releaseRefund,
  type ConfirmedPayment,
} from '../../src/credits/purchases';
import { bots, creditLedger, starPayments, users } from '../../src/db/schema';
import { createTestDatabase } from '../support/harness';

/** The money rules of Stars purchases, straight against PostgreSQL: once per charge, refunds once. */
describe('Stars purchases: the ledger', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const NOW = new Date('2026-01-01T12:00:00Z');
  let n = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    await database.db.insert(bots).values([
      { id: '111', tokenCiphertext: 'x' },
      { id: '222', tokenCiphertext: 'x' },
    ]);
  });
  afterAll(async () => {
    await database.drop();
  });

  /** A user with an invoice for 100 credits at 50 Stars, unpaid. */
  async function invoiced(overrides: { expiresAt?: Date } = {}) {
    n += 1;
    const userId = `buyer-${n}`;
    await database.db.insert(users).values({ id: userId });
    const invoiceId = `inv-${n}`;
    await openInvoice(database.db, {
      id: invoiceId,
      botId: '111',
      chatId: String(500 + n),
      userId,
      telegramUserId: 500 + n,
      title: 'Pack',
      description: '100 credits',
      stars: 50,
      credits: 100,
      expiresAt: overrides.expiresAt ?? new Date(NOW.getTime() + 60_000),
    });
    const payment: ConfirmedPayment = {
      botId: '111',
      chatId: String(500 + n),
      telegramUserId: 500 + n,
      chargeId: `charge-${n}`,
      invoiceId,
      currency: 'XTR',
      stars: 50,
    };
    return { userId, invoiceId, payment };
  }

  const balanceOf = async (userId: string) =>
    (await database.db.select({ balance: users.balance }).from(users).where(eq(users.id, userId)))[0]?.balance;
  const entriesOf = (userId: string) => database.db.select().from(creditLedger).where(eq(creditLedger.userId, userId));

  it('answers a pre-checkout from the invoice: exists, this bot, this user, unpaid, not expired, the right price', async () => {
    const { invoiceId, payment } = await invoiced();
    const query = { botId: '111', payload: invoiceId, telegramUserId: payment.telegramUserId, currency: 'XTR', totalAmount: 50 };
    const verdict = (q: Partial<typeof query>, at = NOW) => preCheckoutVerdict(database.db, { ...query, ...q }, at);
    expect(await verdict({})).toEqual({ ok: true });
    expect(await verdict({ payload: 'no-such-invoice' })).toMatchObject({ ok: false, reason: 'unknown_invoice' });
    expect(await verdict({ botId: '222' })).toMatchObject({ ok: false, reason: 'unknown_invoice' });
    expect(await verdict({ telegramUserId: 1 })).toMatchObject({ ok: false, reason: 'other_user' });
    expect(await verdict({ totalAmount: 49 })).toMatchObject({ ok: false, reason: 'wrong_amount' });
    expect(await verdict({ currency: 'USD' })).toMatchObject({ ok: false, reason: 'wrong_amount' });
    expect(await verdict({}, new Date(NOW.getTime() + 60_000))).toMatchObject({
      ok: false,
      reason: 'expired',
      errorMessage: expect.any(String),
    });
    await creditPurchase(database.db, payment);
    expect(await verdict({})).toMatchObject({ ok: false, reason: 'already_paid' });
  });

  it('credits a payment once, however often and however concurrently it is delivered', async () => {
    const { userId, payment } = await invoiced();
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => creditPurchase(database.db, payment)));
    expect(outcomes.filter((o) => o.status === 'credited' && o.created)).toHaveLength(1);
    expect(outcomes.every((o) => o.status === 'credited' && o.credits === 100 && o.handled === false)).toBe(true);
    expect(await balanceOf(userId)).toBe(100);
    expect(await entriesOf(userId)).toEqual([expect.objectContaining({ amount: 100, reason: 'purchase', chargeId: payment.chargeId })]);
    expect(await creditPurchase(database.db, payment)).toMatchObject({ status: 'credited', created: false, balance: 100 });
  });

  it('credits nothing for a payment of an invoice it does not know, or of another bot', async () => {
    const { userId, payment } = await invoiced();
    expect(await creditPurchase(database.db, { ...payment, invoiceId: 'forged' })).toEqual({ status: 'unknown-invoice' });
    expect(await creditPurchase(database.db, { ...payment, botId: '222' })).toEqual({ status: 'unknown-invoice' });
    expect(await entriesOf(userId)).toEqual([]);
  });

  it('a refund holds the credits only when the balance allows, and only one refund at a time', async () => {
    const { userId, payment } = await invoiced();
    await creditPurchase(database.db, payment);
    await database.db.update(users).set({ balance: 99 }).where(eq(users.id, userId));
    expect(await holdRefund(database.db, payment.chargeId, 'r-poor')).toMatchObject({ status: 'insufficient-balance', balance: 99 });
    await database.db.update(users).set({ balance: 100 }).where(eq(users.id, userId));

    const holds = await Promise.all(['r-a', 'r-b', 'r-c'].map((id) => holdRefund(database.db, payment.chargeId, id)));
    expect(holds.filter((h) => h.status === 'held')).toHaveLength(1);
    expect(holds.filter((h) => h.status === 'in-progress')).toHaveLength(2);
    const winner = ['r-a', 'r-b', 'r-c'][holds.findIndex((h) => h.status === 'held')] as string;
    expect(await holdRefund(database.db, payment.chargeId, winner)).toMatchObject({ status: 'held' });
    expect(await balanceOf(userId)).toBe(0);
    expect(await holdRefund(database.db, 'no-such-charge', 'r')).toEqual({ status: 'unknown-payment' });
  });

  it('a refund Telegram refused gives the credits back once; a completed one is final', async () => {
    const { userId, payment } = await invoiced();
    await creditPurchase(database.db, payment);
    await holdRefund(database.db, payment.chargeId, 'r1');
    await releaseRefund(database.db, payment.chargeId, 'r1');
    await releaseRefund(database.db, payment.chargeId, 'r1');
    expect(await balanceOf(userId)).toBe(100);
    expect(await holdRefund(database.db, payment.chargeId, 'r2')).toMatchObject({ status: 'held' });
    await completeRefund(database.db, payment.chargeId, 'r2', 'api');
    expect(await completeRefund(database.db, payment.chargeId, 'r2', 'api')).toMatchObject({ status: 'refunded', refundSource: 'api' });
    // A late compensation of the finished refund changes nothing.
    await releaseRefund(database.db, payment.chargeId, 'r2');
    expect(await holdRefund(database.db, payment.chargeId, 'r3')).toMatchObject({ status: 'already-refunded' });
    expect(await balanceOf(userId)).toBe(0);
    // The database itself refuses to make a refunded payment payable again.
    await expect(
      database.db.update(starPayments).set({ status: 'paid' }).where(eq(starPayments.chargeId, payment.chargeId)),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ message: expect.stringMatching(/is refunded and cannot become paid/) }) });
  });

  it('a refund Telegram reports takes back what the balance has, once; one of ours in flight is just finished', async () => {
    const spent = await invoiced();
    await creditPurchase(database.db, spent.payment);
    await database.db.update(users).set({ balance: 30 }).where(eq(users.id, spent.userId));
    await database.db
      .insert(creditLedger)
      .values({ userId: spent.userId, amount: -70, reason: 'debit', entryKey: `spent-${spent.userId}` });
    expect(await bookTelegramRefund(database.db, spent.payment.chargeId)).toMatchObject({ status: 'booked', takenBack: 30 });
    expect(await bookTelegramRefund(database.db, spent.payment.chargeId)).toMatchObject({ status: 'already-refunded' });
    expect(await balanceOf(spent.userId)).toBe(0);

    const racing = await invoiced();
    await creditPurchase(database.db, racing.payment);
    await holdRefund(database.db, racing.payment.chargeId, 'r-race');
    expect(await bookTelegramRefund(database.db, racing.payment.chargeId)).toMatchObject({ status: 'booked', takenBack: 0 });
    await completeRefund(database.db, racing.payment.chargeId, 'r-race', 'api');
    expect(await balanceOf(racing.userId)).toBe(0);
    expect((await entriesOf(racing.userId)).map((e) => e.amount)).toEqual([100, -100]);
  });

  it('check:ledger accepts all of the above and names a payment whose trail is wrong', async () => {
    expect(await checkLedger(database.db)).toEqual([]);
    const { userId, payment } = await invoiced();
    await creditPurchase(database.db, payment);
    // A refund marked without its entry, and a purchase entry of no payment.
    await database.db
      .update(starPayments)
      .set({ status: 'refunded', refundedCredits: 100 })
      .where(eq(starPayments.chargeId, payment.chargeId));
    await database.db
      .insert(creditLedger)
      .values({ userId, amount: 5, reason: 'purchase', entryKey: 'forged-purchase', chargeId: 'nowhere' });
    await database.db.update(users).set({ balance: 105 }).where(eq(users.id, userId));
    const problems = await checkLedger(database.db);
    expect(problems).toEqual([
      expect.objectContaining({ kind: 'payment-money-trail', subject: `payment ${payment.chargeId}` }),
      expect.objectContaining({ kind: 'purchase-without-payment', subject: 'entry forged-purchase' }),
    ]);
  });
});
