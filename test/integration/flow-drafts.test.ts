import { sql } from 'drizzle-orm';
import { createDatabase } from '../../src/db/client';
import { startChatSystem, type ChatSystem } from '../support/chat-system';
import { testApiToken } from '../support/generation-system';

const readonlyToken = 'readonly-token-0123456789abcdef';

const hello = (text: string) => ({
  nodes: [
    { id: 'start', type: 'trigger.command', data: { command: '/start' } },
    { id: 'hi', type: 'message.text', data: { text } },
  ],
  edges: [{ id: 'e', source: 'start', target: 'hi' }],
});

/**
 * Draft revisions as the studio uses them: GET gives the draft with its ETag, a save carries it
 * back as If-Match and is refused (412, with the revision it missed) when someone else saved in
 * between – also when both save at the same moment – and publishing the draft is refused the
 * same way. Saves without a precondition keep working as before.
 */
describe('flow drafts with ETag and If-Match', () => {
  let system: ChatSystem;
  let flows: string;
  beforeAll(async () => {
    system = await startChatSystem({
      flow: hello('hello'),
      worker: false,
      env: { API_READONLY_TOKEN: readonlyToken, TEMPORAL_UI_URL: 'https://temporal.example.com/' },
    });
    flows = `/api/bots/${system.botId}/flows`;
  });
  afterAll(() => system?.stop());

  /** A request with the answer's headers too (the harness's `api` gives status and body only). */
  async function call(method: string, route: string, options: { body?: unknown; headers?: Record<string, string>; token?: string } = {}) {
    const response = await fetch(`${system.baseUrl}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${options.token ?? testApiToken}`,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, etag: response.headers.get('etag'), body: text ? JSON.parse(text) : undefined };
  }
  const save = (flowId: string, draft: unknown, headers: Record<string, string> = {}) =>
    call('PUT', `${flows}/${flowId}/draft`, { body: draft, headers });
  const load = (flowId: string) => call('GET', `${flows}/${flowId}`);

  it('GET answers the draft with its revision, as body field and strong ETag', async () => {
    expect((await save('shown', hello('one'))).status).toBe(200);
    const shown = await load('shown');
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ draft: hello('one'), draftRevision: 1 });
    expect(shown.etag).toBe('"1"');
    // A flow published without a draft (as the harness does) is at revision 0.
    const main = await load('main');
    expect(main.body).toMatchObject({ draft: null, draftRevision: 0 });
    expect(main.etag).toBe('"0"');
  });

  it('a stale If-Match is refused with 412 and the current revision; the first writer’s draft stays', async () => {
    await save('race', hello('base'));
    const { etag } = await load('race');
    const first = await save('race', hello('alice'), { 'if-match': etag! });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ saved: true, draftRevision: 2 });
    expect(first.etag).toBe('"2"');

    const second = await save('race', hello('bob'), { 'if-match': etag! });
    expect(second.status).toBe(412);
    expect(second.body.error).toMatchObject({ code: 'draft_changed', details: { draftRevision: 2 } });
    expect(second.body.error.message).toMatch(/someone else saved the draft/);
    expect(second.etag).toBe('"2"');
    const after = await load('race');
    expect(after.body).toMatchObject({ draft: hello('alice'), draftRevision: 2 });

    // With the current ETag (here in a list, as HTTP allows) the save goes through.
    const retried = await save('race', hello('bob'), { 'if-match': '"1", "2"' });
    expect(retried.status).toBe(200);
    expect(retried.etag).toBe('"3"');
  });

  it('of concurrent saves carrying the same If-Match, exactly one wins; the others get 412', async () => {
    await save('together', hello('base'));
    const { etag } = await load('together');
    const writers = ['a', 'b', 'c', 'd', 'e'];
    // The row is held locked while the saves arrive, so all of them are in flight against the same
    // revision at once: a save that read the revision first and wrote it after would let each through.
    const locker = createDatabase(system.databaseUrl, { max: 2 });
    let pending: Promise<Awaited<ReturnType<typeof save>>[]> | undefined;
    let settled = false;
    try {
      await locker.transaction(async (tx) => {
        await tx.execute(sql`select 1 from flows where bot_id = ${system.botId} and id = 'together' for update`);
        pending = Promise.all(writers.map((w) => save('together', hello(w), { 'if-match': etag! })));
        void pending.finally(() => (settled = true));
        // Released once every save waits for the row (asked of PostgreSQL, not guessed from the clock).
        for (;;) {
          const { rows } = await locker.execute<{ waiting: number }>(
            sql`select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
          );
          if (rows[0]!.waiting >= writers.length || settled) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      });
    } finally {
      await locker.$client.end();
    }
    const answers = await pending!;
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 412, 412, 412, 412]);
    const winner = writers[answers.findIndex((a) => a.status === 200)]!;
    for (const lost of answers.filter((a) => a.status === 412)) expect(lost.body.error.details).toEqual({ draftRevision: 2 });
    expect((await load('together')).body).toMatchObject({ draft: hello(winner), draftRevision: 2 });
  });

  it('If-Match on a flow that does not exist is 412 with no revision, and creates nothing', async () => {
    for (const ifMatch of ['"0"', '*']) {
      const answer = await save('ghost', hello('x'), { 'if-match': ifMatch });
      expect(answer.status).toBe(412);
      expect(answer.body.error).toMatchObject({ code: 'draft_changed', details: { draftRevision: null } });
      expect(answer.etag).toBeNull();
    }
    expect((await load('ghost')).status).toBe(404);
  });

  it('If-Match: * saves over any revision of an existing flow', async () => {
    await save('any', hello('one'));
    await save('any', hello('two'));
    const answer = await save('any', hello('three'), { 'if-match': '*' });
    expect(answer.status).toBe(200);
    expect(answer.body.draftRevision).toBe(3);
  });

  it('If-None-Match: * creates a new flow at revision 1, and refuses an existing one without touching it', async () => {
    const created = await save('fresh', hello('new'), { 'if-none-match': '*' });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ saved: true, draftRevision: 1 });
    expect(created.etag).toBe('"1"');

    const again = await save('fresh', hello('someone else'), { 'if-none-match': '*' });
    expect(again.status).toBe(412);
    expect(again.body.error.code).toBe('flow_exists');
    expect((await load('fresh')).body).toMatchObject({ draft: hello('new'), draftRevision: 1 });
    // A flow that exists without a draft (published only) exists too.
    expect((await save('main', hello('x'), { 'if-none-match': '*' })).status).toBe(412);
    expect((await load('main')).body.draft).toBeNull();
  });

  it('a save without a precondition still overwrites unconditionally, bumping the revision', async () => {
    await save('plain', hello('one'));
    const answer = await save('plain', hello('two'));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ saved: true, draftRevision: 2, publishable: true, problems: [] });
    expect((await load('plain')).body.draft).toEqual(hello('two'));
  });

  it('a malformed If-Match is a 400 naming the header, and saves nothing', async () => {
    await save('odd', hello('kept'));
    for (const ifMatch of ['1', 'W/"1"', '"one"']) {
      const answer = await save('odd', hello('lost'), { 'if-match': ifMatch });
      expect(answer.status).toBe(400);
      expect(answer.body.error.details).toEqual([expect.objectContaining({ field: 'headers.if-match' })]);
    }
    expect((await load('odd')).body).toMatchObject({ draft: hello('kept'), draftRevision: 1 });
  });

  it('publishing with a stale If-Match is 412 and publishes nothing; with the current one it publishes that draft', async () => {
    await save('pub', hello('v1'));
    const seen = (await load('pub')).etag!;
    await save('pub', hello('changed behind your back'));
    const versions = async () => (await call('GET', `${flows}/pub/versions`)).body.items;
    expect(await versions()).toEqual([]);

    const stale = await call('POST', `${flows}/pub/publish`, { headers: { 'if-match': seen } });
    expect(stale.status).toBe(412);
    expect(stale.body.error).toMatchObject({ code: 'draft_changed', details: { draftRevision: 2 } });
    expect(stale.etag).toBe('"2"');
    expect(await versions()).toEqual([]);
    expect((await load('pub')).body.activeVersionId).toBeNull();

    const current = await call('POST', `${flows}/pub/publish`, { body: {}, headers: { 'if-match': '"2"' } });
    expect(current.status).toBe(201);
    expect(await versions()).toHaveLength(1);
    const published = await call('GET', `${flows}/pub/versions/1`);
    expect(JSON.stringify(published.body.definition)).toContain('changed behind your back');
    // Publishing does not change the draft's revision.
    expect((await load('pub')).etag).toBe('"2"');
    // Of a flow that does not exist: 412 too, not 404, as for a save.
    expect((await call('POST', `${flows}/ghost/publish`, { headers: { 'if-match': '"1"' } })).status).toBe(412);
  });

  it('GET /api/session: the operator token is an operator; the Temporal UI is the configured one', async () => {
    const session = await call('GET', '/api/session');
    expect(session.status).toBe(200);
    expect(session.body).toEqual({
      role: 'operator',
      temporalUi: { url: 'https://temporal.example.com', namespace: 'default' },
      simulator: false,
    });
  });

  it('the read-only token: GET /api/session says readonly; it may load a draft but not save one', async () => {
    const session = await call('GET', '/api/session', { token: readonlyToken });
    expect(session.status).toBe(200);
    expect(session.body.role).toBe('readonly');
    expect((await call('GET', `${flows}/plain`, { token: readonlyToken })).etag).toBe('"2"');
    const refused = await call('PUT', `${flows}/plain/draft`, { body: hello('x'), headers: { 'if-match': '"2"' }, token: readonlyToken });
    expect(refused.status).toBe(403);
    expect((await load('plain')).body).toMatchObject({ draft: hello('two'), draftRevision: 2 });
  });

  it('GET /api/session with a wrong token or none is 401', async () => {
    expect((await call('GET', '/api/session', { token: 'not-a-valid-token-at-all' })).status).toBe(401);
    expect((await fetch(`${system.baseUrl}/api/session`)).status).toBe(401);
  });
});
