/**
 * What the API's and the web client's processes share: one log line per request, and serving
 * an app until SIGINT/SIGTERM, then draining in-flight requests before closing the pools.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { getRequestListener } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { errorBody } from './errors.js';

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
 * `c.header()` after the route made the adapter's light answer a whole web Response and
 * rebuilt it around a stream of its body, which the adapter then read back (issue 19 §3: 75 µs
 * of CPU a signed-in request, client and server, measured over 3,000 requests).
 */
export function keepFromCaches(c: Context): void {
  const headers = c.res.headers;
  if (!/no-store/.test(headers.get('cache-control') ?? '')) headers.set('Cache-Control', 'private, no-store');
}

/** What the HTTP parser refuses, by Node's code for it: the status, its reason phrase, our error code and what to say. */
function parserRefusal(code: string | undefined): [number, string, string, string] {
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'Request Header Fields Too Large', 'headers_too_large', 'the request\'s header section is over 16 KB'];
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'HPE_HEADERS_TIMEOUT') return [408, 'Request Timeout', 'request_timeout', 'the request did not arrive in time: send it again'];
  if (code === 'HPE_INVALID_METHOD') return [400, 'Bad Request', 'invalid_request', 'the request line does not start with an HTTP method'];
  return [400, 'Bad Request', 'invalid_request', 'this is not a well-formed HTTP/1.1 request'];
}

/** A refusal before any route: our error body, its headers, and the connection closed after it. */
function refusal(code: string, message: string, details?: Record<string, string>): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(errorBody(code, message, details));
  return { body, headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store', Connection: 'close' } };
}

/** A refusal written straight to the connection (there is no response object yet), which then closes. */
function writeRefusal(socket: Duplex, [status, reason, code, message]: [number, string, string, string], details: Record<string, string>): void {
  const { body, headers } = refusal(code, message, details);
  socket.end(`HTTP/1.1 ${status} ${reason}\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n${body}`);
}

/**
 * The HTTP/1 server of `fetch` (not yet listening). What Node's HTTP parser or the adapter refuse
 * before any route sees it gets our error body too, never a bare status line: a method that is
 * none of HTTP's, a header section past Node's 16 KB (431), a malformed request line, header,
 * length or chunk, bytes past a body's declared length, a request that did not arrive in time
 * (408), an HTTP/1.1 request without `Host`, a Host or target the adapter cannot make a URL of.
 * Those close the connection: after a malformed request nothing more on it can be read with
 * confidence.
 */
export function httpServer(options: { fetch: (req: Request) => Response | Promise<Response>; host: string; logger: Logger }): Server {
  const listener = getRequestListener(options.fetch, {
    hostname: options.host,
    errorHandler: () => {
      const { body, headers } = refusal('invalid_request', 'the request\'s target or Host header is not one a URL can be made of');
      return new Response(body, { status: 400, headers });
    },
  });
  // Node's own check of Host answers a bare 400: ours answers with the error body.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    if (req.httpVersion !== '1.0' && req.headers.host === undefined) {
      const { body, headers } = refusal('invalid_request', 'an HTTP/1.1 request names its Host');
      return void res.writeHead(400, headers).end(body);
    }
    return listener(req, res);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A connection the client dropped, or one with an answer already under way, is just closed.
    const answering = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (err.code === 'ECONNRESET' || !socket.writable || answering) return void socket.destroy();
    options.logger.info({ code: err.code }, 'refused a malformed request');
    writeRefusal(socket, parserRefusal(err.code), err.code ? { parser: err.code } : {});
  });
  return server;
}

/**
 * How long in-flight requests may take to finish once the process is asked to stop; the rest
 * are cut. Below `npm start`'s bound for the API and the worker (7 s), so it never has to kill us.
 */
const DRAIN_MS = 5_000;

/** Serves `fetch` on host:port (HTTP/1) until SIGINT or SIGTERM; then drains, calls `close`, exits 0. */
export function serveUntilStopped(options: { fetch: (req: Request) => Response | Promise<Response>; port: number; host: string; logger: Logger; name: string; close(): Promise<void> }): void {
  const { logger, name } = options;
  const server = httpServer(options);
  server.listen(options.port, options.host, () => {
    const { port } = server.address() as AddressInfo;
    logger.info({ port, host: options.host }, `${name} listening on http://${options.host}:${port}`);
  });
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
