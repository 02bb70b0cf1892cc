import { Telegraf, Telegram, TelegramError } from 'telegraf';
import { TelegramEmulator, type RunningEmulator } from '../../../src/telegram-emulator';

describe('telegram emulator: injected faults', () => {
  let emulator: TelegramEmulator;
  let server: RunningEmulator;
  let token: string;
  let telegram: Telegram;

  beforeEach(async () => {
    emulator = new TelegramEmulator();
    server = await emulator.start();
    token = emulator.createBot().token;
    telegram = new Telegram(token, { apiRoot: server.apiRoot });
  });

  afterEach(async () => {
    await server.close();
  });

  it('a 429 reaches telegraf as a TelegramError carrying retry_after, and only the next call fails', async () => {
    emulator.failNext(token, 'sendMessage', { errorCode: 429, retryAfter: 2 });

    const limited = telegram.sendMessage(42, 'hi');
    await expect(limited).rejects.toBeInstanceOf(TelegramError);
    await expect(limited).rejects.toMatchObject({
      code: 429,
      description: 'Too Many Requests: retry after 2',
      parameters: { retry_after: 2 },
    });
    expect(await telegram.sendMessage(42, 'hi')).toMatchObject({ text: 'hi' });
    expect(emulator.messages(42).map((m) => ('text' in m ? m.text : undefined))).toEqual(['hi']);
  });

  it('answers 429 over HTTP with status 429 and the parameters object, as Telegram does', async () => {
    emulator.failNext(token, 'getMe', { errorCode: 429, retryAfter: 7 });
    const response = await fetch(`${server.apiRoot}/bot${token}/getMe`);
    expect(response.status).toBe(429);
    expect(await response.json()).toEqual({
      ok: false,
      error_code: 429,
      description: 'Too Many Requests: retry after 7',
      parameters: { retry_after: 7 },
    });
  });

  it('a 403 "bot was blocked by the user" fails the send and nothing reaches the chat', async () => {
    emulator.failNext(token, 'sendMessage', { errorCode: 403, description: 'Forbidden: bot was blocked by the user' });

    await expect(telegram.sendMessage(42, 'anyone there?')).rejects.toMatchObject({
      code: 403,
      description: 'Forbidden: bot was blocked by the user',
      parameters: undefined,
    });
    expect(emulator.messages(42)).toEqual([]);
  });

  it('a 500 reaches telegraf as a TelegramError with the HTTP status text', async () => {
    emulator.failNext(token, 'sendPhoto', { errorCode: 500 });
    await expect(telegram.sendPhoto(42, 'https://example.test/cat.jpg')).rejects.toMatchObject({
      code: 500,
      description: 'Internal Server Error',
    });
  });

  it('a fault scoped to one chat leaves other chats alone, and lasts the number of times asked', async () => {
    emulator.failNext(token, 'sendMessage', { errorCode: 403 }, 2, { chatId: 7 });

    expect(await telegram.sendMessage(8, 'to eight')).toMatchObject({ chat: { id: 8 } });
    await expect(telegram.sendMessage(7, 'to seven')).rejects.toMatchObject({ code: 403 });
    await expect(telegram.sendMessage(7, 'to seven')).rejects.toMatchObject({ code: 403 });
    expect(await telegram.sendMessage(7, 'to seven')).toMatchObject({ chat: { id: 7 } });
  });

  it('records failed calls with their error response', async () => {
    emulator.failNext(token, 'sendMessage', { errorCode: 403 });
    await expect(telegram.sendMessage(42, 'x')).rejects.toBeInstanceOf(TelegramError);

    expect(emulator.calls({ method: 'sendMessage', chatId: 42 })).toEqual([
      expect.objectContaining({
        method: 'sendMessage',
        params: { chat_id: 42, text: 'x' },
        response: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
      }),
    ]);
  });

  it('a bot whose reply is rate limited sees the error in its error handler', async () => {
    const bot = new Telegraf(token, { telegram: { apiRoot: server.apiRoot } });
    const seen: unknown[] = [];
    bot.on('text', (ctx) => ctx.reply('pong'));
    bot.catch((error) => {
      seen.push(error);
    });
    emulator.failNext(token, 'sendMessage', { errorCode: 429, retryAfter: 3 });
    const polling = bot.launch();
    try {
      emulator.user(token).sendText('ping');
      await emulator.waitFor((call) => call.method === 'sendMessage' && !call.response.ok);
      expect(emulator.calls({ method: 'sendMessage' })).toHaveLength(1);
    } finally {
      bot.stop('test over');
      await polling;
    }
    expect(seen).toEqual([expect.objectContaining({ code: 429, parameters: { retry_after: 3 } })]);
  });

  it('refuses to plan a fault for a method it does not emulate', () => {
    expect(() => emulator.failNext(token, 'sendSticker', { errorCode: 500 })).toThrow(/no emulated method sendSticker/);
  });
});
