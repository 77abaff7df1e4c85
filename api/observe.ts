/**
 * Each API request observed (issue 19 §4): a server span that the request's Temporal calls
 * continue (the client's interceptor starts its spans under it, and the workflow's under those),
 * and the request's duration by route pattern and status. Without a tracer provider
 * (OTEL_EXPORTER_OTLP_ENDPOINT unset) the span is OpenTelemetry's no-op one.
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { httpDuration } from '../telemetry/metrics.js';

const tracer = trace.getTracer('gigflow-api');

/**
 * The route's pattern (`/orders/:id`), never the raw path, so that metrics' series and spans'
 * names stay few; a request no route matched (404, 405) is `unmatched`.
 */
function routeOf(c: Parameters<MiddlewareHandler>[0]): string {
  const path = routePath(c, -1);
  return path === '*' || path === '/*' || path === '' ? 'unmatched' : path;
}

export function observeRequests(): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    const span = tracer.startSpan(`${c.req.method}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': c.req.method } });
    try {
      await context.with(trace.setSpan(context.active(), span), next);
    } finally {
      const route = routeOf(c);
      const status = c.res.status;
      httpDuration.observe({ method: c.req.method, route, status: String(status) }, (performance.now() - started) / 1000);
      span.updateName(`${c.req.method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  };
}
