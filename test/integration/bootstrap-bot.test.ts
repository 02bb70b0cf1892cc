import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TelegramEmulator } from '../../src/telegram-emulator';
import { embeddedStackEnv, startSystem, type RunningSystem } from '../support/system-process';

/**
 * `npm start` with TELEGRAM_BOT_TOKEN: the bot is registered at start and runs the example
 * loyalty flow, or the flow file TELEGRAM_BOT_FLOW names, published again only when it changed.
 */
describe('npm start with a bot token', () => {
  let dataDir: string;
  let emulator: TelegramEmulator;
  let stopEmulator: () => Promise<void>;
  let system: RunningSystem | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bots-bootstrap-'));
    fs.chmodSync(dataDir, 0o755);
    emulator = new TelegramEmulator();
    const running = await emulator.start({ port: 0 });
    stopEmulator = running.close;
    const bot = emulator.createBot({ username: 'loyalty_demo_bot' });
    env = {
      ...(await embeddedStackEnv(dataDir)),
      TELEGRAM_BOT_TOKEN: bot.token,
      TELEGRAM_API_ROOT: running.apiRoot,
      LOG_LEVEL: 'info',
    };
  });

  afterAll(async () => {
    await system?.stop('SIGTERM');
    await stopEmulator();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const botTexts = (chatId: number) =>
    emulator
      .messages(chatId)
      .filter((m) => m.from?.is_bot)
      .map((m) => ('text' in m ? m.text : ''));
  async function until(chatId: number, done: (texts: string[]) => boolean): Promise<string[]> {
    for (let i = 0; i < 300; i++) {
      if (done(botTexts(chatId))) return botTexts(chatId);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`bot said ${JSON.stringify(botTexts(chatId))}`);
  }

  it('runs the example loyalty flow by default, over long polling', async () => {
    system = await startSystem(env);
    const user = emulator.user(emulator.bots()[0]!.id, { firstName: 'Ann' });
    user.sendText('/start');
    expect(await until(user.chatId, (t) => t.length === 1)).toEqual(['Hi, Ann! Your balance: 0 credits.']);
  });

  it('publishes the flow file of TELEGRAM_BOT_FLOW at the next start, and runs it', async () => {
    await system!.stop('SIGTERM');
    const flowFile = path.join(dataDir, 'hello.json');
    fs.writeFileSync(
      flowFile,
      JSON.stringify({
        nodes: [
          { id: 'start', type: 'trigger.command', data: { command: '/start' } },
          { id: 'hi', type: 'message.text', data: { text: 'Hello from a flow file' } },
        ],
        edges: [{ id: 'e', source: 'start', target: 'hi' }],
      }),
    );
    system = await startSystem({ ...env, TELEGRAM_BOT_FLOW: flowFile });
    expect(system.output()).toMatch(/"msg":"bootstrap bot ready"/);
    expect(system.output()).toMatch(/"version":2,"changed":true/);
    const user = emulator.user(emulator.bots()[0]!.id);
    user.sendText('/start');
    expect(await until(user.chatId, (t) => t.length === 1)).toEqual(['Hello from a flow file']);
  });
});
