/**
 * The process's Prometheus metrics (issue 19 §4): one registry per process, shared by what the
 * process runs — the API's routes, the worker's activities — so a counter is incremented where
 * its event is written and scraped from that process's `/metrics`. Node's own metrics
 * (prom-client's defaults) are collected from the first import; the Temporal SDK's come from
 * the worker's core and are appended there (`telemetry/metrics-server.ts`).
 *
 * The names here are what `ops/grafana/gigflow.json` charts; a test scrapes both processes and
 * finds every name the dashboard uses.
 */
import { timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The process's registry: every metric below, and Node's. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/**
 * Each API request's duration by the route's pattern (`/orders/:id`, never the raw path, so the
 * series stay few), method and status. Buckets from 5 ms to 10 s: a read answers in a few ms,
 * an order's placement waits for its workflow's start.
 */
export const httpDuration = new Histogram({
  name: 'gigflow_http_request_duration_seconds',
  help: 'Duration of API requests, by route pattern, method and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** Orders placed: counted by the process whose transaction committed them (the API, or a worker placing a request's pick, K-44). */
export const ordersPlaced = new Counter({
  name: 'gigflow_orders_placed_total',
  help: 'Orders placed (committed with their escrow hold)',
  registers: [registry],
});

/**
 * Orders closed, by how (`completed`, `cancelled`, `split`) and why (the closure's reason:
 * `accepted`, `auto_accepted`, `seller_ignored`, a cancellation reason…): counted by the
 * worker's activity that writes the closing transition, once (a retry writes nothing).
 */
export const ordersClosed = new Counter({
  name: 'gigflow_orders_closed_total',
  help: 'Orders closed, by kind (completed, cancelled, split) and reason',
  labelNames: ['kind', 'reason'] as const,
  registers: [registry],
});

/** Withdrawals' transitions, by the state entered (`processing`, `paid`, `failed`…), counted once each by the worker's activity. */
export const withdrawalTransitions = new Counter({
  name: 'gigflow_withdrawal_transitions_total',
  help: 'Withdrawal state changes written, by the state entered',
  labelNames: ['state'] as const,
  registers: [registry],
});

/** Payment providers' webhook deliveries the API refused (`invalid_signature`) or failed on (`error`, the provider retries). */
export const webhookFailures = new Counter({
  name: 'gigflow_webhook_failures_total',
  help: 'Provider webhook deliveries refused or failed, by provider and reason',
  labelNames: ['provider', 'reason'] as const,
  registers: [registry],
});

/** The money held in escrow, read from the ledger at each scrape of the API (`services.metrics`). */
export const escrowCents = new Gauge({
  name: 'gigflow_escrow_cents',
  help: 'Money held in escrow for open orders, in cents (ledger balance at scrape time)',
  registers: [registry],
});

/** Workflow starts queued past the workers' sweep grace, by process (issue 19 §2, §3), read at each scrape of the API (`services.metrics`). */
export const workflowStartsWaiting = new Gauge({
  name: 'gigflow_workflow_starts_waiting',
  help: 'Workflow starts a request committed that have waited longer than the workers sweep after (an order placed with money held, a job, a withdrawal... without its workflow yet), by process',
  labelNames: ['process'] as const,
  registers: [registry],
});

/** The exposition's content type (Prometheus text format 0.0.4). */
export const metricsContentType = registry.contentType;

/** The registry in Prometheus' text format. */
export function metricsText(): Promise<string> {
  return registry.metrics();
}

/**
 * Whether a request may read `/metrics`: with a token configured, only a matching bearer;
 * without one, anyone (outside production; the API's route is absent in production then).
 */
export function metricsAllowed(token: string | undefined, authorization: string | undefined): boolean {
  if (token === undefined) return true;
  const given = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  return given !== undefined && timingSafeEqualStrings(given, token);
}

function timingSafeEqualStrings(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
