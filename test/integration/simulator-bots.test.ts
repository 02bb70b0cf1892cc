import crypto from 'node:crypto';
import { SIMULATED_ID_BASE } from '../../src/simulator/simulated-ids';
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
  const simulatedUser = SIMULATED_ID_BASE + 7;

  beforeAll(async () => {
    telegram = new TelegramEmulator();
    const running = await telegram.start({ port: 0 });
    closeTelegram = running.close;
    const bot = telegram.createBot({ username: 'real_loyalty_bot', token: `${crypto.randomInt(100_000_000, 999_999_999)}:${crypto.randomBytes(27).toString('base64url')}` });
    botNumber = bot.id;
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
    const res = await fetch(`${system.apiUrl}${url}${url.includes('?') ? '&' : '?'}token=${system.apiToken}`, {
      method,
      headers: { authorization: `Bearer ${system.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  const simulator = (route: string, body?: unknown) => call(body === undefined ? 'GET' : 'POST', `/simulator/telegram/emulator${route}`, body);

  /** The bot's texts in a simulated chat, as the simulator page shows them. */
  async function simulatedTexts(until: (texts: string[]) => boolean): Promise<string[]> {
    for (let i = 0; i < 300; i++) {
      const chat = await simulator(`/bots/${botId}/chats/${simulatedUser}`);
      const texts = (chat.body.messages as { from?: { is_bot: boolean }; text?: string }[]).filter((m) => m.from?.is_bot).map((m) => m.text ?? '');
      if (until(texts)) return texts;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the simulated chat did not get the expected replies');
  }

  async function realTexts(chatId: number, until: (texts: string[]) => boolean): Promise<string[]> {
    for (let i = 0; i < 300; i++) {
      const texts = telegram.messages(chatId, botNumber).filter((m) => m.from?.is_bot).map((m) => ('text' in m ? m.text : ''));
      if (until(texts)) return texts;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the real chat did not get the expected replies');
  }

  it('runs beside a real token, serving no bot until one is switched to it', async () => {
    expect(system.output()).toMatch(/Simulator\s+http:\/\/\S+\/simulator\?token=\S+\s+\(switch a bot to it/);
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

  it('switches the bot back: the simulator no longer serves it, its real chat still does', async () => {
    const back = await call('PATCH', `/api/bots/${botId}`, { simulator: false });
    expect(back.body.simulator).toBe('off');
    expect((await call('GET', '/simulator/config')).body.bots).toEqual([]);
    const real = telegram.user(botNumber, { firstName: 'Later' });
    real.sendText('/start');
    expect(await realTexts(real.chatId, (t) => t.length === 1)).toEqual(['Hi, Later! Your balance: 0 credits.']);
    const audit = await call('GET', `/api/audit?target=bot:${botId}`);
    expect(audit.body.items.map((e: { details: unknown }) => e.details)).toEqual(expect.arrayContaining([{ simulator: true }, { simulator: false }]));
  });
});
