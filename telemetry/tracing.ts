/**
 * Traces (issue 19 §4): OpenTelemetry's SDK for one process, exporting by OTLP over HTTP to
 * OTEL_EXPORTER_OTLP_ENDPOINT. Tracing is on only when that is configured: otherwise nothing
 * is registered, OpenTelemetry's API hands out its no-op tracer, and no Temporal interceptor is
 * installed (`services/temporal-client.ts`, `worker.ts`), so an untraced process pays nothing more.
 *
 * One trace follows an order: the API's server span (`api/observe.ts`) → the client's
 * StartWorkflow/StartWorkflowUpdate span (client interceptor) → the workflow's RunWorkflow/
 * HandleUpdate span (workflow interceptors, exported from the sandbox through a sink) → its
 * StartActivity span → the worker's RunActivity span (activity interceptor).
 *
 * The SDK's packages (some 150 modules, about 0.2 s of CPU) are loaded when a process starts
 * tracing, not by every process that imports this module.
 */
import { createRequire } from 'node:module';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-node';

const require = createRequire(import.meta.url);
const sdk = () => ({
  ...(require('@opentelemetry/resources') as typeof import('@opentelemetry/resources')),
  ...(require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node')),
});

/** A process's tracing: what the worker's workflow sink exports through, and its shutdown. */
export interface Tracing {
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Exports what is buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * Registers a tracer provider for the process (`service`: `gigflow-api`, `gigflow-worker`)
 * whose spans go through `spanProcessor` (a test's in-memory exporter, or OTLP's batches).
 */
export function startTracingWith(spanProcessor: SpanProcessor, service: string): Tracing {
  const { Resource, NodeTracerProvider } = sdk();
  const resource = new Resource({ 'service.name': service });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // The AsyncLocalStorage context manager and W3C trace-context propagation, process-wide.
  provider.register();
  return { spanProcessor, resource, shutdown: () => provider.shutdown() };
}

/** Tracing exported to `endpoint` by OTLP/HTTP (`<endpoint>/v1/traces`), or none when no endpoint is configured. */
export function startTracing(endpoint: string | undefined, service: string): Tracing | undefined {
  if (!endpoint) return undefined;
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { BatchSpanProcessor } = sdk();
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
  return startTracingWith(new BatchSpanProcessor(exporter), service);
}
