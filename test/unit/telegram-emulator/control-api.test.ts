import { Telegram } from 'telegraf';
import { TelegramEmulator, type RunningEmulator } from '../../../src/telegram-emulator';

describe('telegram emulator: control API over HTTP', () => {
  let emulator: TelegramEmulator;
  let server: RunningEmulator;

  async function control(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${server.apiRoot}/emulator${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }

  beforeEach(async () => {
    emulator = new TelegramEmulator();
    server = await emulator.start();
  });

  afterEach(async () => {
    await server.close();
  });

  it('a simulator can create a bot, talk to it as a user, and read the chat back', async () => {
    const created = await control('POST', '/bots', { username: 'sim_bot' });
    expect(created).toEqual({ status: 201, body: { id: expect.any(Number), token: expect.any(String), username: 'sim_bot' } });
    const { id, token } = created.body as { id: number; token: string };
    // Whoever created a bot got its token; the list never shows it.
    expect((await control('GET', '/bots')).body).toEqual([{ id, username: 'sim_bot' }]);

    const sent = await control('POST', `/bots/${id}/users/55/text`, { text: '/start', firstName: 'Sim' });
    expect(sent).toMatchObject({ status: 201, body: { message: { text: '/start', from: { id: 55, first_name: 'Sim' } } } });

    const telegram = new Telegram(token, { apiRoot: server.apiRoot });
    const [update] = await telegram.getUpdates(0, 100, 0, []);
    expect(update).toEqual(sent.body);
    await telegram.sendMessage(55, 'Welcome', { reply_markup: { inline_keyboard: [[{ text: 'Go', callback_data: 'go' }]] } });

    const pressed = await control('POST', `/bots/${id}/users/55/button`, { callbackData: 'go' });
    expect(pressed).toMatchObject({ status: 201, body: { callback_query: { data: 'go', message: { text: 'Welcome' } } } });

    const chat = await control('GET', `/bots/${id}/chats/55`);
    expect(chat).toMatchObject({ status: 200, body: { messages: [{ text: '/start' }, { text: 'Welcome' }], replyKeyboard: null } });
    expect((await control('GET', `/calls?method=sendMessage&chatId=55`)).body).toEqual([
      expect.objectContaining({ method: 'sendMessage' }),
    ]);
  });

  it('plans faults and reports usage errors with a status', async () => {
    const { id, token } = emulator.createBot();
    expect(await control('POST', `/bots/${id}/faults`, { method: 'sendMessage', errorCode: 429, retryAfter: 4 })).toEqual({
      status: 204,
      body: undefined,
    });
    await expect(new Telegram(token, { apiRoot: server.apiRoot }).sendMessage(1, 'x')).rejects.toMatchObject({
      parameters: { retry_after: 4 },
    });

    expect(await control('POST', `/bots/${id}/users/1/button`, { callbackData: 'missing' })).toMatchObject({ status: 409 });
    expect(await control('POST', '/bots/999/users/1/text', { text: 'hi' })).toMatchObject({ status: 404 });
    expect(await control('POST', `/bots/${id}/users/1/text`, {})).toMatchObject({ status: 400 });
  });

  it('in the simulator scope: page routes only, bots by id, call events without their other parameters', async () => {
    const express = (await import('express')).default;
    const { controlApiRouter } = await import('../../../src/telegram-emulator/control-api');
    const app = express().use('/emulator', controlApiRouter(emulator, 'simulator'));
    const scoped = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => scoped.once('listening', resolve));
    const base = `http://127.0.0.1:${(scoped.address() as { port: number }).port}/emulator`;
    try {
      const { id, token } = emulator.createBot({ username: 'scoped_bot' });
      const abort = new AbortController();
      const stream = await fetch(`${base}/events`, { signal: abort.signal });
      const telegram = new Telegram(token, { apiRoot: server.apiRoot });
      await telegram.setWebhook('http://127.0.0.1:1/hook', { secret_token: 'webhook-secret-value' });
      await telegram.deleteWebhook();
      const sent = await fetch(`${base}/bots/${id}/users/7/text`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'hi' }),
      });
      expect(sent.status).toBe(201);
      await telegram.sendMessage(7, 'hello');
      let events = '';
      const reader = stream.body!.getReader();
      while (!events.includes('"method":"sendMessage"')) events += new TextDecoder().decode((await reader.read()).value);
      abort.abort();
      expect(events).toContain('"chat_id":7');
      expect(events).not.toContain('webhook-secret-value');
      expect(events).not.toContain(token.split(':')[1]);
      for (const path of ['/bots', '/calls', '/deliveries']) expect((await fetch(`${base}${path}`)).status).toBe(404);
      expect((await fetch(`${base}/bots/${encodeURIComponent(token)}/chats/7`)).status).toBe(400);
      expect((await fetch(`${base}/bots/${id}/chats/7`)).status).toBe(200);
    } finally {
      await new Promise((resolve) => scoped.close(resolve));
    }
  });

  it('streams calls as server-sent events for a live view', async () => {
    const { token } = emulator.createBot();
    const abort = new AbortController();
    const stream = await fetch(`${server.apiRoot}/emulator/events`, { signal: abort.signal });
    const reader = stream.body?.getReader();
    if (!reader) throw new Error('no event stream body');

    await new Telegram(token, { apiRoot: server.apiRoot }).getMe();
    let received = '';
    while (!received.includes('event: call')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      received += new TextDecoder().decode(chunk.value);
    }
    abort.abort();

    expect(received).toContain('event: call');
    expect(received).toContain('"method":"getMe"');
  });
});
