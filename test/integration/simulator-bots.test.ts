import crypto from 'node:crypto';
import { SIMULATED_ID_BASE } from '../../src/telegram/simulated-ids';
import { TelegramEmulator } from '../../src/telegram-emulator';
import { startSystemOnTestServers, type RunningSystem } from '../support/system-process';

/**
 * `npm start` with a real bot token (an emulator plays the real Telegram here): the simulator
 * still runs, and the bot can be switched to it and tried there, while its real chats go on.
 */
describe('the simulator for a registered bot', () => {
  let telegram: TelegramEmulator;
  let closeTelegram: () => Promise<void>;
  let system: RunningSystem;
  let botId: string;
  let botNumber: number;
  let telegramToken: string;
  const simulatedUser = SIMULATED_ID_BASE + 7;

  beforeAll(async () => {
    telegram = new TelegramEmulator();
    const running = await telegram.start({ port: 0 });
    closeTelegram = running.close;
    const bot = telegram.createBot({
      username: 'real_loyalty_bot',
      token: `${crypto.randomInt(100_000_000, 999_999_999)}:${crypto.randomBytes(27).toString('base64url')}`,
    });
    botNumber = bot.id;
    telegramToken = bot.token;
    botId = String(bot.id);
    system = await startSystemOnTestServers('simulator-bots', {
      TELEGRAM_BOT_TOKEN: bot.token,
      TELEGRAM_API_ROOT: running.apiRoot,
    });
  });

  afterAll(async () => {
    await system?.stop('SIGTERM');
    await closeTelegram?.();
  });

  async function call(method: string, url: string, body?: unknown) {
    const res = await fetch(`${system.apiUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${system.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  const simulator = (route: string, body?: unknown) =>
    call(body === undefined ? 'GET' : 'POST', `/simulator/telegram/emulator${route}`, body);

  /** The bot's texts in a simulated chat, as the simulator page shows them. */
  async function simulatedTexts(until: (texts: string[]) => boolean): Promise<string[]> {
    for (let i = 0; i < 300; i++) {
      const chat = await simulator(`/bots/${botId}/chats/${simulatedUser}`);
      const texts = (chat.body.messages as { from?: { is_bot: boolean }; text?: string }[])
        .filter((m) => m.from?.is_bot)
        .map((m) => m.text ?? '');
      if (until(texts)) return texts;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the simulated chat did not get the expected replies');
  }

  async function realTexts(chatId: number, until: (texts: string[]) => boolean): Promise<string[]> {
    for (let i = 0; i < 300; i++) {
      const texts = telegram
        .messages(chatId, botNumber)
        .filter((m) => m.from?.is_bot)
        .map((m) => ('text' in m ? m.text : ''));
      if (until(texts)) return texts;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the real chat did not get the expected replies');
  }

  it('runs beside a real token, serving no bot until one is switched to it', async () => {
    expect(system.output()).toMatch(/Simulator\s+http:\/\/\S+\/simulator\s+\(sign in with the API token; switch a bot to it/);
    expect((await call('GET', '/simulator/config')).body.bots).toEqual([]);
    expect((await call('GET', `/api/bots/${botId}`)).body.simulator).toBe('off');
  });

  it('switches the bot to the simulator, where it answers, while its real chat goes on', async () => {
    const switched = await call('PATCH', `/api/bots/${botId}`, { simulator: true });
    expect(switched.status).toBe(200);
    expect(switched.body.simulator).toBe('on');
    expect((await call('GET', '/simulator/config')).body.bots).toEqual([{ id: botId, username: 'real_loyalty_bot' }]);

    const sent = await simulator(`/bots/${botId}/users/${simulatedUser}/text`, { text: '/start', firstName: 'Sim' });
    expect(sent.status).toBe(201);
    expect(await simulatedTexts((t) => t.length === 1)).toEqual(['Hi, Sim! Your balance: 0 credits.']);

    const real = telegram.user(botNumber, { firstName: 'Real' });
    real.sendText('/start');
    expect(await realTexts(real.chatId, (t) => t.length === 1)).toEqual(['Hi, Real! Your balance: 0 credits.']);
    // Neither Telegram sees the other's chat.
    expect(telegram.messages(simulatedUser, botNumber)).toEqual([]);
    expect((await simulator(`/bots/${botId}/chats/${real.chatId}`)).body.messages).toEqual([]);
  });

  it('answers a button pressed in the simulator there (the spinner stops)', async () => {
    const pressed = await simulator(`/bots/${botId}/users/${simulatedUser}/button`, { callbackData: 'balance' });
    expect(pressed.status).toBe(201);
    const queryId = pressed.body.callback_query.id as string;
    for (let i = 0; i < 300; i++) {
      const answers = await simulator(`/callback-answers/${queryId}`);
      if (answers.status === 200 && answers.body.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`callback query ${queryId} was never answered in the simulator`);
  });

  it('never answers with a bot token: not in the bot list, chats, records or the event stream', async () => {
    const secret = telegramToken.split(':')[1]!;
    const abort = new AbortController();
    const stream = await fetch(`${system.apiUrl}/simulator/telegram/emulator/events`, {
      headers: { authorization: `Bearer ${system.apiToken}` },
      signal: abort.signal,
    });
    expect(stream.status).toBe(200);
    const before = (await simulatedTexts(() => true)).length;
    await simulator(`/bots/${botId}/users/${simulatedUser}/text`, { text: '/start', firstName: 'Sim' });
    await simulatedTexts((t) => t.length > before);
    const bodies = [
      await call('GET', '/simulator/config'),
      await call('GET', `/simulator/executions/${encodeURIComponent(`chat:${botId}:${simulatedUser}`)}`),
      await simulator('/bots'),
      await simulator(`/bots/${botId}/chats/${simulatedUser}`),
      await simulator(`/calls?bot=${botId}`),
      await simulator(`/deliveries`),
      await simulator(`/bots/${encodeURIComponent(telegramToken)}/chats/${simulatedUser}`),
      await call('GET', `/api/bots/${botId}`),
      await call('GET', '/api/bots'),
    ];
    let events = '';
    const reader = stream.body!.getReader();
    while (!events.includes('"method":"sendMessage"')) events += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    // The list, the records and the Bot API itself are not reachable through the simulator, and a bot is named by id only.
    expect(bodies.slice(2).map((b) => b.status)).toEqual([404, 200, 404, 404, 400, 200, 200]);
    expect(
      (
        await fetch(`${system.apiUrl}/simulator/telegram/bot${telegramToken}/getMe`, {
          headers: { authorization: `Bearer ${system.apiToken}` },
        })
      ).status,
    ).toBe(404);
    expect(JSON.stringify(bodies)).not.toContain(secret);
    expect(events).not.toContain(secret);
    expect(bodies[1]!.body).toMatchObject({ status: 'running', chat: { botId, status: expect.any(String) } });
  });

  it('trades the API token for a short-lived HttpOnly session cookie, and never takes it from a URL', async () => {
    expect((await fetch(`${system.apiUrl}/simulator/config?token=${system.apiToken}`)).status).toBe(401);
    const session = (token: string) =>
      fetch(`${system.apiUrl}/simulator/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
    expect((await session('not-the-api-token-at-all')).status).toBe(401);
    const signedIn = await session(system.apiToken);
    expect(signedIn.status).toBe(204);
    const cookie = signedIn.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^simulator_session=v1\.\d+\.[\w-]+; HttpOnly; SameSite=Strict; Path=\/simulator; Max-Age=3600$/);
    expect(cookie).not.toContain(system.apiToken);
    const sessionCookie = cookie.split(';')[0]!;
    expect((await fetch(`${system.apiUrl}/simulator/config`, { headers: { cookie: sessionCookie } })).status).toBe(200);
    // The session opens the simulator, not the API.
    expect((await fetch(`${system.apiUrl}/api/bots`, { headers: { cookie: sessionCookie } })).status).toBe(401);
    expect(
      (
        await fetch(`${system.apiUrl}/simulator/config`, {
          headers: { cookie: 'simulator_session=v1.99999999999999.forged-signature-forged-signature-forged-sig' },
        })
      ).status,
    ).toBe(401);
  });

  it('switches the bot back: the simulator no longer serves it, its real chat still does', async () => {
    const back = await call('PATCH', `/api/bots/${botId}`, { simulator: false });
    expect(back.body.simulator).toBe('off');
    expect((await call('GET', '/simulator/config')).body.bots).toEqual([]);
    const real = telegram.user(botNumber, { firstName: 'Later' });
    real.sendText('/start');
    expect(await realTexts(real.chatId, (t) => t.length === 1)).toEqual(['Hi, Later! Your balance: 0 credits.']);
    const audit = await call('GET', `/api/audit?target=bot:${botId}`);
    expect(audit.body.items.map((e: { details: unknown }) => e.details)).toEqual(
      expect.arrayContaining([{ simulator: true }, { simulator: false }]),
    );
  });
});
