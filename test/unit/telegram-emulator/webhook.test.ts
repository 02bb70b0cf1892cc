import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Markup, Telegraf, Telegram } from 'telegraf';
import { TelegramEmulator, type EmulatorOptions, type RunningEmulator } from '../../../src/telegram-emulator';
import { startWebhookReceiver, type Reply, type WebhookReceiver } from './webhook-receiver';

describe('telegram emulator: webhooks', () => {
  let emulator: TelegramEmulator;
  let server: RunningEmulator;
  const cleanups: Array<() => Promise<void>> = [];

  /** Webhook tries are retried after 10 ms here, so retry tests finish quickly. */
  async function startEmulator(options: EmulatorOptions = {}): Promise<void> {
    emulator = new TelegramEmulator({ webhookRetryDelayMs: 10, ...options });
    const started = await emulator.start();
    server = started;
    cleanups.push(() => started.close());
  }

  async function receiver(answer: Parameters<typeof startWebhookReceiver>[0]): Promise<WebhookReceiver> {
    const started = await startWebhookReceiver(answer);
    cleanups.push(() => started.close());
    return started;
  }

  beforeEach(() => startEmulator());

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('posts each update to the webhook with the secret token header', async () => {
    const { token } = emulator.createBot();
    const hook = await receiver(() => ({ status: 200 }));
    await new Telegram(token, { apiRoot: server.apiRoot }).setWebhook(hook.url, { secret_token: 'hush-123' });

    const update = emulator.user(token).sendText('hi');
    await hook.received(1);

    expect(hook.requests[0]).toEqual({ update, secretToken: 'hush-123' });
  });

  it('a telegraf webhook bot replies over the API, and the answer it puts in the webhook response is executed', async () => {
    const { token } = emulator.createBot();
    const bot = new Telegraf(token, { telegram: { apiRoot: server.apiRoot } });
    bot.on('text', (ctx) => ctx.reply(`You said ${ctx.message.text}`, Markup.inlineKeyboard([Markup.button.callback('OK', 'ok')])));
    bot.action('ok', (ctx) => ctx.answerCbQuery('Noted'));
    const hookServer = http.createServer(bot.webhookCallback('/hook', { secretToken: 'hush-123' }));
    await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => hookServer.close(() => resolve())));
    const { port } = hookServer.address() as AddressInfo;
    await bot.telegram.setWebhook(`http://127.0.0.1:${port}/hook`, { secret_token: 'hush-123' });

    const user = emulator.user(token);
    user.sendText('hello');
    const reply = await emulator.waitFor({ method: 'sendMessage' });
    expect(reply.response).toMatchObject({ ok: true, result: { text: 'You said hello' } });

    const press = user.pressButton('ok');
    const answer = await emulator.waitFor({ method: 'answerCallbackQuery' });

    expect(answer.via).toBe('webhook-reply');
    expect(emulator.callbackAnswers(press.callback_query.id)).toEqual([expect.objectContaining({ text: 'Noted' })]);
    expect(emulator.deliveries().map((d) => d.status)).toEqual([200, 200]);
  });

  it('delivers one chat one update at a time, and different chats at the same time', async () => {
    const { token } = emulator.createBot();
    const events: string[] = [];
    const release = new Map<string, () => void>();
    const hook = await receiver(
      ({ update }) =>
        new Promise<Reply>((resolve) => {
          const text = update.message?.text ?? '?';
          events.push(`arrived ${text}`);
          release.set(text, () => {
            events.push(`answered ${text}`);
            resolve({ status: 200 });
          });
        }),
    );
    await emulator.callApi(token, 'setWebhook', { url: hook.url });
    const alice = emulator.user(token, { firstName: 'Alice' });
    const bob = emulator.user(token, { firstName: 'Bob' });

    alice.sendText('alice 1');
    alice.sendText('alice 2');
    bob.sendText('bob 1');
    await hook.received(2);
    expect(events).toEqual(expect.arrayContaining(['arrived alice 1', 'arrived bob 1']));

    release.get('alice 1')?.();
    await hook.received(3);
    release.get('alice 2')?.();
    release.get('bob 1')?.();
    await Promise.all(hook.requests.map(({ update }) => emulator.waitForDelivery((d) => d.updateId === update.update_id)));

    expect(events.indexOf('arrived alice 2')).toBeGreaterThan(events.indexOf('answered alice 1'));
    expect(emulator.deliveries().every((d) => d.ok && d.attempt === 1)).toBe(true);
  });

  it('retries an update the webhook failed with 500, and records every try', async () => {
    const { token } = emulator.createBot();
    let tries = 0;
    const hook = await receiver(() => {
      tries += 1;
      return { status: tries === 1 ? 500 : 200 };
    });
    await emulator.callApi(token, 'setWebhook', { url: hook.url });

    const update = emulator.user(token).sendText('hi');
    await emulator.waitForDelivery((d) => d.ok);

    expect(emulator.deliveries()).toEqual([
      expect.objectContaining({ updateId: update.update_id, attempt: 1, ok: false, status: 500, redelivery: false }),
      expect.objectContaining({ updateId: update.update_id, attempt: 2, ok: true, status: 200, redelivery: false }),
    ]);
    expect(hook.requests.map((r) => r.update)).toEqual([update, update]);
    const info = await new Telegram(token, { apiRoot: server.apiRoot }).getWebhookInfo();
    expect(info).toMatchObject({
      url: hook.url,
      pending_update_count: 0,
      last_error_message: 'Wrong response from the webhook: 500 Internal Server Error',
    });
  });

  it('gives an update up after the configured number of tries', async () => {
    await startEmulator({ webhookRetryDelayMs: 1, webhookMaxAttempts: 3 });
    const { token } = emulator.createBot();
    const hook = await receiver(() => ({ status: 502 }));
    await emulator.callApi(token, 'setWebhook', { url: hook.url });

    emulator.user(token).sendText('lost');
    await emulator.waitForDelivery((d) => d.attempt === 3);
    const info = await emulator.callApi(token, 'getWebhookInfo');

    expect(emulator.deliveries().map((d) => d.status)).toEqual([502, 502, 502]);
    expect(info).toMatchObject({ ok: true, result: { pending_update_count: 0 } });
  });

  it('records a webhook that cannot be reached as a failed try with the network error', async () => {
    await startEmulator({ webhookMaxAttempts: 1 });
    const { token } = emulator.createBot();
    const closed = await receiver(() => ({ status: 200 }));
    await closed.close();
    await emulator.callApi(token, 'setWebhook', { url: closed.url });

    emulator.user(token).sendText('nobody home');
    const attempt = await emulator.waitForDelivery(() => true);

    expect(attempt).toMatchObject({ ok: false, error: 'Connection refused' });
    expect(attempt.status).toBeUndefined();
  });

  it('redelivers an update on request, as a Telegram webhook retry would', async () => {
    const { token } = emulator.createBot();
    const hook = await receiver(() => ({ status: 200 }));
    await emulator.callApi(token, 'setWebhook', { url: hook.url });
    const update = emulator.user(token).sendText('twice');
    await hook.received(1);

    const attempts = await emulator.redeliver(token, update.update_id);

    expect(attempts).toEqual([expect.objectContaining({ updateId: update.update_id, redelivery: true, ok: true })]);
    expect(hook.requests.map((r) => r.update)).toEqual([update, update]);
  });

  it('keeps updates the webhook has not taken for getUpdates once the webhook is deleted', async () => {
    await startEmulator({ webhookRetryDelayMs: 1, webhookMaxAttempts: 1000 });
    const { token } = emulator.createBot();
    const hook = await receiver(() => ({ status: 500 }));
    await emulator.callApi(token, 'setWebhook', { url: hook.url });
    const update = emulator.user(token).sendText('stuck');
    await hook.received(1);

    await emulator.callApi(token, 'deleteWebhook');

    expect(await emulator.callApi(token, 'getUpdates')).toEqual({ ok: true, result: [update] });
  });

  it('rejects a secret token with characters Telegram does not allow', async () => {
    const { token } = emulator.createBot();
    const response = await emulator.callApi(token, 'setWebhook', { url: 'http://127.0.0.1:9/hook', secret_token: 'no spaces' });
    expect(response).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: bad webhook: secret token contains unallowed characters',
    });
  });
});
