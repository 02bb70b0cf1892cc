import crypto from 'node:crypto';
import { startChatSystem, type ChatSystem } from '../support/chat-system';

const hello = (text: string) => ({
  nodes: [
    { id: 'start', type: 'trigger.command', data: { command: '/start' } },
    { id: 'hi', type: 'message.text', data: { text } },
  ],
  edges: [{ id: 'e', source: 'start', target: 'hi' }],
});

/** Bots and flows managed through the API, while bots keep running (several at once). */
describe('bots and flows through the API', () => {
  let system: ChatSystem;
  let token: string;
  let botId: string;
  beforeAll(async () => {
    system = await startChatSystem({ flow: hello('first bot') });
    token = `${crypto.randomInt(100_000_000, 999_999_999)}:${crypto.randomBytes(27).toString('base64url').slice(0, 35)}`;
    botId = String(system.emulator.createBot({ token, username: 'second_bot' }).id);
  });
  afterAll(() => system.stop());

  it('registers a bot by its token (checked with getMe) and never shows the token', async () => {
    const created = await system.api('POST', '/api/bots', { token });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: botId, username: 'second_bot', mode: 'polling', disabled: false });
    const listed = await system.api('GET', '/api/bots');
    expect(listed.body.items.map((b: { id: string }) => b.id)).toEqual(expect.arrayContaining([system.botId, botId]));
    expect(JSON.stringify([created.body, listed.body])).not.toContain(token.split(':')[1]);
  });

  it('refuses a token Telegram does not know, naming the field, and stores nothing', async () => {
    const bad = await system.api('POST', '/api/bots', { token: `123456789:${'x'.repeat(35)}` });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].field).toBe('body.token');
    expect(JSON.stringify(bad.body)).not.toContain('x'.repeat(35));
    expect((await system.api('POST', '/api/bots', { token: 'nope' })).status).toBe(400);
  });

  it('validates a draft with every problem, publishes it, and the new bot answers with it, beside the first', async () => {
    const broken = { nodes: [{ id: 'hi', type: 'message.text', data: {} }], edges: [] };
    const draft = await system.api('PUT', `/api/bots/${botId}/flows/main/draft`, broken);
    expect(draft.body.publishable).toBe(false);
    expect(draft.body.problems.map((p: { code: string }) => p.code)).toEqual(expect.arrayContaining(['missing-field', 'no-trigger']));
    expect((await system.api('POST', `/api/bots/${botId}/flows/main/publish`)).status).toBe(422);

    await system.api('PUT', `/api/bots/${botId}/flows/main/draft`, hello('second bot v1'));
    const published = await system.api('POST', `/api/bots/${botId}/flows/main/publish`);
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ version: 1, changed: true });

    const second = system.emulator.user(Number(botId));
    second.sendText('/start');
    const first = system.user();
    first.sendText('/start');
    await system.until(first.chatId, (t) => t.includes('first bot'));
    for (let i = 0; i < 100 && !second.messages().some((m) => 'text' in m && m.text === 'second bot v1'); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(second.messages().map((m) => ('text' in m ? m.text : ''))).toEqual(['/start', 'second bot v1']);
  });

  it('lists versions, diffs them, and rolls back by activating an older one', async () => {
    const v2 = hello('second bot v2');
    v2.nodes.push({ id: 'extra', type: 'message.text', data: { text: 'and more' } });
    v2.edges.push({ id: 'e2', source: 'hi', target: 'extra' });
    expect((await system.api('POST', `/api/bots/${botId}/flows/main/publish`, v2)).body.version).toBe(2);
    // A version's problems under today's rules: none for a valid one.
    expect((await system.api('GET', `/api/bots/${botId}/flows/main/versions/2`)).body).toMatchObject({ version: 2, problems: [] });
    const versions = await system.api('GET', `/api/bots/${botId}/flows/main/versions`);
    expect(versions.body.items.map((v: { version: number; active: boolean }) => [v.version, v.active])).toEqual([
      [2, true],
      [1, false],
    ]);

    const diff = await system.api('GET', `/api/bots/${botId}/flows/main/diff?from=1&to=2`);
    expect(diff.body).toMatchObject({
      nodes: { added: ['extra'], removed: [], changed: ['hi'] },
      edges: { added: ['e2'], removed: [], changed: [] },
    });

    expect((await system.api('POST', `/api/bots/${botId}/flows/main/versions/1/activate`)).body).toMatchObject({
      version: 1,
      active: true,
    });
    const user = system.emulator.user(Number(botId));
    user.sendText('/start');
    for (let i = 0; i < 100 && user.messages().length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(user.messages().map((m) => ('text' in m ? m.text : ''))).toEqual(['/start', 'second bot v1']);
    expect((await system.api('GET', `/api/bots/${botId}/flows/main/diff?from=1&to=9`)).status).toBe(404);
    expect((await system.api('GET', `/api/bots/${botId}/flows/main/diff?from=one&to=2`)).body.error.details[0].field).toBe('query.from');
  });

  it('refuses to switch a bot to the chat simulator where none runs, naming the field', async () => {
    const refused = await system.api('PATCH', `/api/bots/${botId}`, { simulator: true });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('simulator_unavailable');
    expect(refused.body.error.details).toEqual([{ field: 'body.simulator', message: 'no simulator' }]);
    expect((await system.api('GET', `/api/bots/${botId}`)).body.simulator).toBe('off');
  });

  it('disables a bot: its webhook refuses updates and it is shown as disabled', async () => {
    const disabled = await system.api('POST', `/api/bots/${botId}/disable`);
    expect(disabled.body.disabled).toBe(true);
    const webhook = await fetch(`${system.baseUrl}/telegram/${botId}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'anything' },
      body: JSON.stringify({ update_id: 1 }),
    });
    // The same answer as for a wrong secret or an unknown bot.
    expect(webhook.status).toBe(401);
    expect((await system.api('GET', `/api/bots/${botId}`)).body.disabled).toBe(true);
    expect((await system.api('GET', '/api/bots/4')).status).toBe(404);
  });

  it('keeps an audit log of who changed bots and flows', async () => {
    const log = await system.api('GET', `/api/audit?target=flow:${botId}/main`);
    expect(log.body.items.map((e: { action: string; actor: string }) => `${e.actor} ${e.action}`)).toEqual([
      'operator flow.activate',
      'operator flow.publish',
      'operator flow.publish',
      'operator flow.draft',
      'operator flow.draft',
    ]);
    const bot = await system.api('GET', `/api/audit?target=bot:${botId}`);
    expect(bot.body.items.map((e: { action: string }) => e.action)).toEqual(['bot.disable', 'bot.register']);
  });
});
