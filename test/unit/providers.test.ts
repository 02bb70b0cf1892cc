import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAnthropicProvider } from '../../src/generation/anthropic-provider';
import { createFakeProvider } from '../../src/generation/fake-provider';
import { PermanentProviderError, TransientProviderError, type GenerationContext } from '../../src/generation/provider';

const request = { jobId: 'job-1', kind: 'story', prompt: 'a lighthouse keeper', params: {} };

function context(overrides: Partial<GenerationContext> = {}): GenerationContext & { beats: unknown[] } {
  const beats: unknown[] = [];
  return { heartbeat: (d) => beats.push(d), signal: new AbortController().signal, attempt: 1, beats, ...overrides };
}

describe('the fake provider', () => {
  const fake = createFakeProvider({ latencyMs: 0, failureRate: 0 });

  it('answers the same prompt with the same text, heartbeating as it waits', async () => {
    const ctx = context();
    const first = await fake.generate(request, ctx);
    expect(await fake.generate(request, context())).toEqual(first);
    expect(first.text).toContain('a lighthouse keeper');
    // With no latency there is no wait to report progress on.
    expect(ctx.beats).toEqual([]);
    const slow = context();
    await createFakeProvider({ latencyMs: 5, failureRate: 0 }).generate(request, slow);
    expect(slow.beats.length).toBeGreaterThan(0);
  });

  it('refuses [fail] prompts for good and fails at the configured rate', async () => {
    await expect(fake.generate({ ...request, prompt: 'x [fail]' }, context())).rejects.toBeInstanceOf(PermanentProviderError);
    const flaky = createFakeProvider({ latencyMs: 0, failureRate: 0.5, random: () => 0.4 });
    await expect(flaky.generate(request, context())).rejects.toBeInstanceOf(TransientProviderError);
  });

  it('[hang] stops heartbeating and only ends when cancelled', async () => {
    const controller = new AbortController();
    const ctx = context({ signal: controller.signal });
    const pending = fake.generate({ ...request, prompt: '[hang]' }, ctx);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error('cancelled'));
    await expect(pending).rejects.toThrow('cancelled');
    expect(ctx.beats).toEqual([]);
  });
});

describe('the Anthropic provider, against a local stub of the Messages API', () => {
  let server: http.Server;
  let baseUrl: string;
  let reply: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;
  const seen: { headers: http.IncomingHttpHeaders; body: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ headers: req.headers, body: JSON.parse(body) as Record<string, unknown> });
        reply(req, body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const provider = () => createAnthropicProvider({ apiKey: 'sk-test', baseUrl, model: 'claude-test', maxTokens: 256 });
  const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  it('sends the prompt with key, version and limits, and returns the text blocks', async () => {
    reply = (_req, _body, res) =>
      json(res, 200, {
        model: 'claude-test',
        content: [
          { type: 'text', text: 'Once ' },
          { type: 'text', text: 'upon a time' },
        ],
      });
    const result = await provider().generate(request, context());
    expect(result).toEqual({ text: 'Once upon a time', model: 'claude-test' });
    const last = seen[seen.length - 1]!;
    expect(last.headers['x-api-key']).toBe('sk-test');
    expect(last.headers['anthropic-version']).toBe('2023-06-01');
    expect(last.body).toEqual({ model: 'claude-test', max_tokens: 256, messages: [{ role: 'user', content: 'a lighthouse keeper' }] });
  });

  it('treats 429 as transient and honours retry-after', async () => {
    reply = (_req, _body, res) => json(res, 429, { error: { type: 'rate_limit_error' } }, { 'retry-after': '7' });
    const error = await provider()
      .generate(request, context())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientProviderError);
    expect((error as TransientProviderError).retryAfterMs).toBe(7000);
  });

  it('treats 5xx and 529 overload as transient', async () => {
    for (const status of [500, 529]) {
      reply = (_req, _body, res) => json(res, status, { error: { type: 'overloaded_error' } });
      await expect(provider().generate(request, context())).rejects.toBeInstanceOf(TransientProviderError);
    }
  });

  it('treats other 4xx as a permanent refusal', async () => {
    reply = (_req, _body, res) => json(res, 400, { error: { type: 'invalid_request_error', message: 'prompt too long' } });
    const error = await provider()
      .generate(request, context())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect((error as Error).message).toContain('prompt too long');
  });
});
