import { Markup, Telegraf, Telegram, TelegramError } from 'telegraf';
import { TelegramEmulator, type RunningEmulator } from '../../../src/telegram-emulator';

describe('telegram emulator: long polling', () => {
  let emulator: TelegramEmulator;
  let server: RunningEmulator;

  beforeEach(async () => {
    emulator = new TelegramEmulator();
    server = await emulator.start({ port: 0 });
  });

  afterEach(async () => {
    await server.close();
  });

  it('a telegraf bot on long polling answers /start and a button press, and the chat shows the result', async () => {
    const { token } = emulator.createBot({ username: 'tea_bot' });
    const bot = new Telegraf(token, { telegram: { apiRoot: server.apiRoot } });
    bot.start((ctx) => ctx.reply('What will it be?', Markup.inlineKeyboard([Markup.button.callback('Tea', 'pick:tea')])));
    bot.action('pick:tea', async (ctx) => {
      await ctx.answerCbQuery('Good choice');
      await ctx.editMessageText('You picked tea');
    });
    const polling = bot.launch();
    try {
      const alice = emulator.user(token, { firstName: 'Alice' });
      alice.sendText('/start');
      const reply = await emulator.waitFor({ method: 'sendMessage' });
      expect(reply.response).toMatchObject({ ok: true, result: { text: 'What will it be?', chat: { id: alice.chatId } } });

      const press = alice.pressButton('pick:tea');
      await emulator.waitFor({ method: 'editMessageText' });

      expect(emulator.callbackAnswers(press.callback_query.id)).toEqual([
        expect.objectContaining({ text: 'Good choice', showAlert: false }),
      ]);
      expect(emulator.messages(alice.chatId).map((m) => ('text' in m ? m.text : undefined))).toEqual(['/start', 'You picked tea']);
      expect(emulator.messages(alice.chatId)[1]?.reply_markup).toBeUndefined();
    } finally {
      bot.stop('test over');
      await polling;
    }
  });

  it('getUpdates hands out updates in order, and an offset forgets the ones before it', async () => {
    const { token } = emulator.createBot();
    const telegram = new Telegram(token, { apiRoot: server.apiRoot });
    const user = emulator.user(token);
    user.sendText('one');
    user.sendText('two');
    user.sendText('three');

    const all = await telegram.getUpdates(0, 100, 0, []);
    const ids = all.map((u) => u.update_id);
    expect(all.map((u) => ('message' in u && 'text' in u.message ? u.message.text : undefined))).toEqual(['one', 'two', 'three']);

    const second = ids[1] ?? -1;
    expect((await telegram.getUpdates(0, 100, second, [])).map((u) => u.update_id)).toEqual(ids.slice(1));
    expect((await telegram.getUpdates(0, 100, 0, [])).map((u) => u.update_id)).toEqual(ids.slice(1));
    expect((await telegram.getUpdates(0, 1, 0, [])).map((u) => u.update_id)).toEqual([second]);
    expect((await telegram.getUpdates(0, 100, -1, [])).map((u) => u.update_id)).toEqual([ids[2]]);
    expect(await telegram.getUpdates(0, 100, (ids[2] ?? 0) + 1, [])).toEqual([]);
  });

  it('a waiting getUpdates answers as soon as the user writes', async () => {
    const { token } = emulator.createBot();
    const poll = emulator.callApi(token, 'getUpdates', { timeout: 30 });
    emulator.user(token).sendText('hello');
    expect(await poll).toMatchObject({ ok: true, result: [{ message: { text: 'hello' } }] });
  });

  it('a waiting getUpdates with nothing to hand out ends empty when its timeout passes', async () => {
    const { token } = emulator.createBot();
    const telegram = new Telegram(token, { apiRoot: server.apiRoot });
    expect(await telegram.getUpdates(1, 100, 0, [])).toEqual([]);
  });

  it('a second getUpdates ends the waiting one with 409 Conflict, as when two bot instances run', async () => {
    const { token } = emulator.createBot();
    const first = emulator.callApi(token, 'getUpdates', { timeout: 30 });
    const second = emulator.callApi(token, 'getUpdates', { timeout: 0 });
    expect(await first).toEqual({
      ok: false,
      error_code: 409,
      description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    });
    expect(await second).toEqual({ ok: true, result: [] });
  });

  it('getUpdates is refused with 409 while a webhook is set', async () => {
    const { token } = emulator.createBot();
    const telegram = new Telegram(token, { apiRoot: server.apiRoot });
    await telegram.setWebhook('http://127.0.0.1:9/hook');
    const refusal = telegram.getUpdates(0, 100, 0, []);
    await expect(refusal).rejects.toBeInstanceOf(TelegramError);
    await expect(refusal).rejects.toMatchObject({ code: 409 });
    await telegram.deleteWebhook();
    expect(await telegram.getUpdates(0, 100, 0, [])).toEqual([]);
  });

  it('allowed_updates leaves out the update kinds the bot did not ask for', async () => {
    const { token } = emulator.createBot();
    const telegram = new Telegram(token, { apiRoot: server.apiRoot });
    expect(await telegram.getUpdates(0, 100, 0, ['callback_query'])).toEqual([]);
    emulator.user(token).sendText('ignored');
    expect(await telegram.getUpdates(0, 100, 0, [])).toEqual([]);
  });

  it('counts getUpdates calls and the most that waited at once, over the control API too', async () => {
    const { token, id } = emulator.createBot();
    const polls = async () => (await fetch(`${server.apiRoot}/emulator/bots/${id}/polls`)).json();
    expect(await polls()).toEqual({ calls: 0, running: 0, maxConcurrent: 0 });

    // One poller after another: never two at once.
    await emulator.callApi(token, 'getUpdates', { timeout: 0 });
    await emulator.callApi(token, 'getUpdates', { timeout: 0 });
    expect(await polls()).toEqual({ calls: 2, running: 0, maxConcurrent: 1 });

    // A second poller while the first waits: both seen at once (the first then ends with 409).
    const abort = new AbortController();
    const waiting = emulator.callApi(token, 'getUpdates', { timeout: 30 }, { signal: abort.signal });
    expect(emulator.polls(id)).toEqual({ calls: 3, running: 1, maxConcurrent: 1 });
    const second = emulator.callApi(token, 'getUpdates', { timeout: 0 });
    expect(emulator.polls(id)).toMatchObject({ calls: 4, maxConcurrent: 2 });
    expect(await waiting).toMatchObject({ ok: false, error_code: 409 });
    await second;
    expect(await polls()).toEqual({ calls: 4, running: 0, maxConcurrent: 2 });

    // A caller that goes away stops counting as running.
    const left = emulator.callApi(token, 'getUpdates', { timeout: 30 }, { signal: abort.signal });
    expect(emulator.polls(id).running).toBe(1);
    abort.abort();
    await left;
    expect(emulator.polls(id).running).toBe(0);
  });

  it('a replaced token is refused and the new one works, as after /revoke', async () => {
    const { token, id } = emulator.createBot();
    const renewed = emulator.replaceToken(id);
    expect(renewed).toMatchObject({ id });
    expect(renewed.token).not.toBe(token);
    expect(await emulator.callApi(token, 'getMe')).toMatchObject({ ok: false, error_code: 401 });
    expect(await emulator.callApi(renewed.token, 'getMe')).toMatchObject({ ok: true, result: { id } });
    expect(() => emulator.replaceToken(id, '1:abc')).toThrow(/starts with/);
  });
});
