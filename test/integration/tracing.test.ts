import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSystemOnTestServers, type RunningSystem } from '../support/system-process';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: number | string } }[];
}

/** A stand-in OpenTelemetry collector: the OTLP/HTTP JSON receiver on loopback, keeping every span. */
async function startCollector() {
  const spans: ExportedSpan[] = [];
  const services = new Set<string>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        const payload = JSON.parse(body) as {
          resourceSpans: { resource: { attributes: ExportedSpan['attributes'] }; scopeSpans: { spans: ExportedSpan[] }[] }[];
        };
        for (const resourceSpans of payload.resourceSpans) {
          const name = resourceSpans.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
          if (name) services.add(name);
          for (const scope of resourceSpans.scopeSpans) spans.push(...scope.spans);
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    services,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * With OTEL_EXPORTER_OTLP_ENDPOINT set, one trace follows a paid generation from the API request
 * through the workflow to its activities, continuing the trace of the caller's `traceparent`.
 */
describe('OpenTelemetry tracing', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let system: RunningSystem;

  beforeAll(async () => {
    collector = await startCollector();
    system = await startSystemOnTestServers('tracing', {
      FAKE_PROVIDER_LATENCY_MS: '10',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: 'bots-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
  });

  afterAll(async () => {
    await system?.stop('SIGTERM');
    await collector?.close();
  });

  async function api(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${system.apiUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${system.apiToken}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** Waits until the spans of `traceId` (or all spans) satisfy `done`. */
  async function spansOf(traceId: string | undefined, done: (spans: ExportedSpan[]) => boolean): Promise<ExportedSpan[]> {
    for (let i = 0; i < 200; i++) {
      const spans = collector.spans.filter((s) => traceId === undefined || s.traceId === traceId);
      if (done(spans)) return spans;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`spans of ${traceId}: ${JSON.stringify(collector.spans.map((s) => [s.traceId, s.name]))}`);
  }

  it('follows a generation from the API request through its workflow to its activities', async () => {
    const user = await api('POST', '/api/users', {});
    const userId = user.body.id as string;
    await api('POST', `/api/users/${userId}/credits`, { amount: 100 }, { 'idempotency-key': 'grant' });

    const traceId = crypto.randomBytes(16).toString('hex');
    const callerSpanId = crypto.randomBytes(8).toString('hex');
    const started = await api(
      'POST',
      '/api/generations',
      { userId, kind: 'story', prompt: 'a traced story' },
      { 'idempotency-key': 'traced', traceparent: `00-${traceId}-${callerSpanId}-01` },
    );
    expect(started.status).toBe(202);

    const spans = await spansOf(
      traceId,
      (s) => s.some((span) => span.name === 'RunActivity:generate') && s.some((span) => span.name === 'RunWorkflow:generationWorkflow'),
    );
    const named = (name: string) => {
      const span = spans.find((s) => s.name === name);
      if (!span) throw new Error(`no span ${name} among ${spans.map((s) => s.name).join(', ')}`);
      return span;
    };
    const request = named('POST /api/generations');
    const start = named('StartWorkflow:generationWorkflow');
    const run = named('RunWorkflow:generationWorkflow');
    const scheduleGenerate = spans.find((s) => s.name === 'StartActivity:generate' && s.parentSpanId === run.spanId);
    const generate = named('RunActivity:generate');

    // Each step is the child of the one that caused it, and the chain hangs off the caller's span.
    expect(request.parentSpanId).toBe(callerSpanId);
    expect(request.kind).toBe(2); // SERVER
    expect(start.parentSpanId).toBe(request.spanId);
    expect(run.parentSpanId).toBe(start.spanId);
    expect(scheduleGenerate).toBeDefined();
    expect(generate.parentSpanId).toBe(scheduleGenerate!.spanId);
    expect(request.attributes).toContainEqual({ key: 'http.response.status_code', value: { intValue: 202 } });
    expect(collector.services).toEqual(new Set(['bots-under-test']));
    // The request's log line carries the same trace id, to go from a log to its trace.
    expect(system.output()).toMatch(new RegExp(`"traceId":"${traceId}"[^\\n]*"path":"/api/generations"`));
  });

  it('follows a Telegram update into its chat workflow and the messages it sends', async () => {
    // The simulator's demo bot (no bot token configured) plays the Telegram side.
    const sent = await fetch(`${system.apiUrl}/simulator/telegram/emulator/bots/1000000001/users/${2 ** 52 + 1}/text`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${system.apiToken}` },
      body: JSON.stringify({ text: '/start', firstName: 'Tracy' }),
    });
    expect(sent.status).toBe(201);
    const root = (await spansOf(undefined, (spans) => spans.some((s) => s.name === 'telegram update'))).find(
      (s) => s.name === 'telegram update',
    )!;
    const spans = await spansOf(root.traceId, (s) => s.some((span) => span.name === 'telegram sendMessage'));
    const named = (name: string) => spans.find((s) => s.name === name);
    const signal = named('SignalWithStartWorkflow:chatWorkflow');
    expect(root.parentSpanId ?? '').toBe('');
    expect(signal?.parentSpanId).toBe(root.spanId);
    expect(named('HandleSignal:chatUpdate')?.parentSpanId).toBe(signal?.spanId);
    // The reply: the activity that sends it, and inside it the Bot API call itself.
    const call = named('telegram sendMessage')!;
    const activity = named('RunActivity:sendTelegram');
    expect(call.parentSpanId).toBe(activity?.spanId);
  });
});
