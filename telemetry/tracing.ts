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
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-node';

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
  const resource = new Resource({ 'service.name': service });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // The AsyncLocalStorage context manager and W3C trace-context propagation, process-wide.
  provider.register();
  return { spanProcessor, resource, shutdown: () => provider.shutdown() };
}

/** Tracing exported to `endpoint` by OTLP/HTTP (`<endpoint>/v1/traces`), or none when no endpoint is configured. */
export function startTracing(endpoint: string | undefined, service: string): Tracing | undefined {
  if (!endpoint) return undefined;
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
  return startTracingWith(new BatchSpanProcessor(exporter), service);
}
