import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { botSecrets } from '../../src/db/schema';
import { checkFlow } from '../../src/flow';
import { chatWorkflowId } from '../../src/temporal/workflow-ids';
import { startChatSystem, type ChatSystem } from '../support/chat-system';

const readonlyToken = 'readonly-token-0123456789abcdef';
const apiKey = 'sk-live-7f3a9c1e5b2d8f40';

describe('flow secrets', () => {
  let system: ChatSystem;
  let api: http.Server;
  const seen: { authorization?: string; url?: string }[] = [];
  beforeAll(async () => {
    // An author's API that echoes what it was sent, as some do.
    api = http.createServer((req, res) => {
      seen.push({ authorization: req.headers.authorization, url: req.url });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ auth: req.headers.authorization, url: req.url }));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    const caller = {
      variables: [{ name: 'echo', scope: 'run', type: 'string' }],
      nodes: [
        { id: 'start', type: 'trigger.command', data: { command: '/call' } },
        {
          id: 'call',
          type: 'action.http',
          data: {
            method: 'GET',
            url: `${url}/answers?key={{ secret.API_KEY }}&q={{ message.args }}`,
            headers: { Authorization: 'Bearer {{ secret.API_KEY }}' },
            saveResponse: [{ variable: 'run.echo', value: 'response.body.auth' }],
          },
        },
        { id: 'got', type: 'message.text', data: { text: 'got {{ run.echo }}' } },
        { id: 'failed', type: 'message.text', data: { text: 'the API could not be called' } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'call' },
        { id: 'e2', source: 'call', sourceHandle: 'success', target: 'got' },
        { id: 'e3', source: 'call', sourceHandle: 'error', target: 'failed' },
      ],
    };
    system = await startChatSystem({ flow: caller, env: { API_READONLY_TOKEN: readonlyToken } });
  });
  afterAll(async () => {
    await system.stop();
    api.close();
  });

  it('a missing secret takes the error handle, and sends nothing', async () => {
    const user = system.user();
    user.sendText('/call x');
    expect(await system.until(user.chatId, (t) => t.length === 1)).toEqual(['the API could not be called']);
    expect(seen).toEqual([]);
  });

  it('is written through the API, sent by the worker, and found in no flow, answer or history', async () => {
    const secrets = `/api/bots/${system.botId}/secrets`;
    expect((await system.api('PUT', `${secrets}/API_KEY`, { value: apiKey }, { authorization: `Bearer ${readonlyToken}` })).status).toBe(
      403,
    );
    expect((await system.api('PUT', `${secrets}/API_KEY`, { value: apiKey })).status).toBe(204);
    expect((await system.api('PUT', `${secrets}/not-a-name`, { value: apiKey })).body.error.details[0].field).toBe('params.name');

    const user = system.user();
    user.sendText('/call weather');
    // The author's API got the real key; the chat (and its history) only ever saw it masked.
    expect(await system.until(user.chatId, (t) => t.length === 1)).toEqual(['got Bearer [secret]']);
    expect(seen.at(-1)).toEqual({ authorization: `Bearer ${apiKey}`, url: `/answers?key=${apiKey}&q=weather` });

    // The history as the client reads it, with every payload decoded.
    const history = historyToJSON(await system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId)).fetchHistory());
    const decoded = history + decodePayloads(history);
    expect(decoded).toContain('⟦secret:');
    expect(decoded).not.toContain(apiKey);

    const answers = await Promise.all([
      system.api('GET', secrets),
      system.api('GET', `/api/bots/${system.botId}/flows/main/versions/1`),
      system.api('GET', `/api/bots/${system.botId}`),
      system.api('GET', `/api/executions/${encodeURIComponent(chatWorkflowId(system.botId, user.chatId))}`),
      system.api('GET', `/api/audit?target=bot:${system.botId}`),
    ]);
    for (const answer of answers) expect(JSON.stringify(answer.body)).not.toContain(apiKey);
    expect(answers[0]!.body.items).toEqual([{ name: 'API_KEY', updatedAt: expect.any(String) }]);
    // At rest, encrypted.
    const rows = await system.db.select().from(botSecrets);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.ciphertext).not.toContain(apiKey);

    expect((await system.api('DELETE', `${secrets}/API_KEY`)).status).toBe(204);
    expect((await system.api('DELETE', `${secrets}/API_KEY`)).status).toBe(404);
  });

  it('can be read only where the validator allows it: the HTTP node’s url, headers and body', () => {
    const leaky = {
      nodes: [
        { id: 'start', type: 'trigger.command', data: { command: '/start' } },
        { id: 'say', type: 'message.text', data: { text: 'the key is {{ secret.API_KEY }}' } },
      ],
      edges: [{ id: 'e', source: 'start', target: 'say' }],
    };
    expect(checkFlow(leaky).problems).toContainEqual(
      expect.objectContaining({
        code: 'unknown-name',
        nodeId: 'say',
        message: expect.stringMatching(/"secret" cannot be read in this field/),
      }),
    );
  });
});

/** The history's payloads (base64 JSON) decoded, so that a value inside them is found too. */
function decodePayloads(history: string): string {
  return [...history.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)]
    .map((m) => Buffer.from(m[1] as string, 'base64').toString('utf8'))
    .join('\n');
}
