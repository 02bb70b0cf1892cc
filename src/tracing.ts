import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { RequestHandler } from 'express';
import type { Config } from './config';
import type { Logger } from './logger';

/** Workflow-side tracing interceptors, in the traced workflow bundle (src/workers/workflow-bundle.ts) a worker runs when tracing is on. */
export const tracingWorkflowModule = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** The tracer of this service's own spans (API requests, Telegram updates). No-op until tracing starts. */
export const tracer = () => trace.getTracer('temporal-telegram-bots');

/**
 * Tracing across process and workflow boundaries: an API request's span is the parent of the
 * workflow it starts (Temporal's client interceptor carries the context in headers), whose spans
 * are the parents of its activities'. Workflow code cannot do I/O, so its spans leave the sandbox
 * through a sink and are exported by the worker.
 */
export interface Tracing {
  clientInterceptors: ClientInterceptors;
  workerInterceptors: WorkerInterceptors;
  workerSinks: InjectedSinks<never>;
  /** Exports what is buffered and stops; run after the worker has drained. */
  shutdown(): Promise<void>;
}

/**
 * Starts exporting spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise returns
 * undefined and nothing is traced (no interceptors, no cost).
 */
export function startTracing(config: Config, logger: Logger): Tracing | undefined {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return undefined;
  const resource = new Resource({ 'service.name': config.OTEL_SERVICE_NAME });
  const url = new URL('v1/traces', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).toString();
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // Global provider, AsyncLocalStorage context and W3C traceparent propagation.
  provider.register();
  logger.info({ url, serviceName: config.OTEL_SERVICE_NAME }, 'exporting OpenTelemetry traces');
  return {
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    // The workflow side is in the bundle: a worker given a bundle ignores `workflowModules`.
    workerInterceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    workerSinks: { exporter: makeWorkflowExporter(processor, resource) } as InjectedSinks<never>,
    async shutdown() {
      await provider.shutdown().catch((err: unknown) => logger.warn({ err }, 'could not flush the last spans'));
    },
  };
}

/**
 * One server span per API request, named after its route (`POST /api/generations`), continuing
 * the caller's trace when it sends a `traceparent` header. Everything the request does – starting
 * a workflow above all – happens inside it.
 */
export function traceRequests(): RequestHandler {
  return (req, res, next) => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer().startSpan(
      `${req.method} ${req.path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
      parent,
    );
    res.on('finish', () => {
      // Only now is the matched route known; low-cardinality names make traces searchable.
      if (req.route) span.updateName(`${req.method} ${req.baseUrl}${String(req.route.path)}`);
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}

/** Runs `work` in a new span (ended when it settles, marked failed when it throws). */
export async function inSpan<T>(name: string, attributes: Record<string, string>, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}
