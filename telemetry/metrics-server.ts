/**
 * The worker's `/metrics` listener (issue 19 §4): the worker serves no HTTP otherwise. It
 * answers the process's registry (Node's metrics, the business counters its activities write)
 * followed by the Temporal SDK's own metrics, which the SDK's core serves in Prometheus format
 * on a loopback port of its own (`Runtime.install`'s telemetry options): one scrape target per
 * worker. Guarded as the API's is (METRICS_TOKEN's bearer when set).
 */
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { metricsAllowed, metricsContentType, metricsText } from './metrics.js';

/** A free port on the loopback, for the SDK core's Prometheus endpoint (only this process reads it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** The SDK core's exposition, or nothing when it cannot be read (the scrape still answers Node's). */
async function coreMetrics(url: string | undefined): Promise<string> {
  if (!url) return '';
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? await res.text() : '';
  } catch {
    return '';
  }
}

/**
 * Serves `GET /metrics` on host:port (port 0: an ephemeral one, as tests use); `coreUrl`: the
 * SDK core's endpoint to append. Resolves once listening, with the server and its URL.
 */
export function serveWorkerMetrics(options: { host: string; port: number; token: string | undefined; coreUrl: string | undefined }): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'only GET /metrics is served here', details: {} } }));
        return;
      }
      if (!metricsAllowed(options.token, req.headers.authorization)) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 'unauthenticated', message: 'send `Authorization: Bearer <METRICS_TOKEN>`', details: {} } }));
        return;
      }
      const [own, core] = await Promise.all([metricsText(), coreMetrics(options.coreUrl)]);
      res.writeHead(200, { 'Content-Type': metricsContentType }).end(`${own}\n${core}`);
    })().catch(() => res.writeHead(500).end());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      const { port } = server.address() as { port: number };
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({ server, url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/metrics` });
    });
  });
}
