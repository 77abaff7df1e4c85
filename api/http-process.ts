/**
 * What the API's and the web client's processes share: one log line per request, and serving
 * an app until SIGINT/SIGTERM, then draining in-flight requests before closing the pools.
 */
import type { Server } from 'node:http';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { serve } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';

/** The trace the request's span belongs to (`api/observe.ts`), when tracing is on. */
function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan()?.spanContext();
  return span && isSpanContextValid(span) ? span.traceId : undefined;
}

/**
 * Every request gets one log line (method, path, status, time, caller) and a logger with its id
 * and its trace's, so a line leads to the request's trace. The path is logged, never the query
 * nor a body: a token travels in those (issue 19 §4: no secret or personal data in logs).
 */
export function requestLog(logger: Logger, message: string): MiddlewareHandler<{ Variables: { requestId: string; log: Logger; user?: { id: number } } }> {
  return async (c, next) => {
    const traceId = activeTraceId();
    const log = logger.child({ requestId: c.var.requestId, ...(traceId ? { traceId } : {}) });
    c.set('log', log);
    const started = performance.now();
    await next();
    log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started), userId: c.var.user?.id }, message);
  };
}

/**
 * An answer to a caller who sent credentials is theirs (their balance, orders, messages): no
 * shared or browser cache keeps it (`Cache-Control: private, no-store`, unless the route said
 * `no-store` itself), so nothing of it outlives a sign-out. Called after the route.
 *
 * Set on the answer's own headers, as Hono's own middlewares (cors, secure-headers) set theirs:
 * `c.header()` after the route rebuilt the answer around a web stream of its body, so every
 * signed-in answer went out chunked through a stream reader instead of written at once with its
 * length (issue 19 §3: about a tenth of the API's CPU in the order benchmark).
 */
export function keepFromCaches(c: Context): void {
  const headers = c.res.headers;
  if (!/no-store/.test(headers.get('cache-control') ?? '')) headers.set('Cache-Control', 'private, no-store');
}

/**
 * How long in-flight requests may take to finish once the process is asked to stop; the rest
 * are cut. Below `npm start`'s bound for the API and the worker (7 s), so it never has to kill us.
 */
const DRAIN_MS = 5_000;

/** Serves `fetch` on host:port (HTTP/1) until SIGINT or SIGTERM; then drains, calls `close`, exits 0. */
export function serveUntilStopped(options: { fetch: (req: Request) => Response | Promise<Response>; port: number; host: string; logger: Logger; name: string; close(): Promise<void> }): void {
  const { logger, name } = options;
  // An HTTP/1 server: serve() makes an HTTP/2 one only when given its createServer.
  const server = serve({ fetch: options.fetch, port: options.port, hostname: options.host }, (info) => {
    logger.info({ port: info.port, host: options.host }, `${name} listening on http://${options.host}:${info.port}`);
  }) as Server;
  let stopping = false;
  /** Stops accepting connections, lets in-flight requests finish (within DRAIN_MS), then closes the pools. */
  async function shutdown(signal: string) {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${name} stopping`);
    // close() refuses new connections and ends idle kept-alive ones; it calls back once the
    // connections serving a request have finished it.
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    // A kept-alive connection whose request finishes after close() would stay open, idle.
    const closeIdle = setInterval(() => server.closeIdleConnections(), 100);
    const cut = setTimeout(() => {
      logger.warn({ afterMs: DRAIN_MS }, `${name} cutting requests still in flight`);
      server.closeAllConnections();
    }, DRAIN_MS);
    await drained;
    clearInterval(closeIdle);
    clearTimeout(cut);
    await options.close();
    logger.info(`${name} stopped`);
    process.exit(0);
  }
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
