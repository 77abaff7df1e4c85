/**
 * Closed-loop order traffic over several API processes: each client runs lifecycles one after
 * another — place → start_work → deliver → accept — and each request goes to the next API in
 * turn. Every POST carries an Idempotency-Key of its own; a request that fails (a refused or
 * reset connection, a timeout, a 5xx, a 409) is sent again with the same key, to the next API,
 * within a bound. What clients saw is counted: attempts, failures by kind, retries, and the
 * answers each key got.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { pollUntil } from '../scripts/poll.js';
import type { BenchClient } from './common.js';

const steps = [
  { by: 'seller', action: { type: 'start_work' } },
  { by: 'seller', action: { type: 'deliver', text: 'The logo, in SVG and PNG.', links: ['https://files.example.com/logo.zip'] } },
  { by: 'buyer', action: { type: 'accept' } },
] as const;

/** An attempt's answer longer than this is given up and sent again: Temporal restarting can hold an Update. */
const ATTEMPT_TIMEOUT_MS = 30_000;
/** A request is sent again for at most this long, then its lifecycle counts as failed. */
const RETRY_BOUND_MS = 180_000;
const RETRY_INTERVAL_MS = 250;

/** What the clients saw, for the report and the checks. */
export interface TrafficStats {
  lifecyclesStarted: number;
  lifecyclesCompleted: number;
  /** Lifecycles given up: a request still failing after RETRY_BOUND_MS (each with its last error). */
  lifecyclesFailed: string[];
  requests: number;
  attempts: number;
  /** Requests that failed at least once; `recovered` of them then succeeded with their key. */
  failedRequests: number;
  recovered: number;
  /** Failed attempts by kind ("connection refused", "HTTP 503"…), and by the phase they fell in. */
  errors: Map<string, number>;
  errorsByPhase: Map<string, Map<string, number>>;
  /** Retried requests whose answer was the first attempt's (a placement answered 200, not 201). */
  replayedPlacements: number;
  /** Every placement key and the order ids its answers named (one each, or a key placed twice). */
  placements: Map<string, Set<number>>;
  /** Set by the driver of the run: the label failures are counted under. */
  phase: string;
}

export function newStats(): TrafficStats {
  return {
    lifecyclesStarted: 0, lifecyclesCompleted: 0, lifecyclesFailed: [], requests: 0, attempts: 0, failedRequests: 0, recovered: 0,
    errors: new Map(), errorsByPhase: new Map(), replayedPlacements: 0, placements: new Map(), phase: 'start',
  };
}

const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

interface Answer {
  status: number;
  body: { orderId?: number; status?: string; error?: { code?: string } };
}

/** One attempt: its answer, or the kind of failure a client sees. */
function attempt(agent: Agent, base: string, path: string, token: string, body: unknown, key: string): Promise<Answer | { failure: string }> {
  const url = new URL(base);
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path,
        timeout: ATTEMPT_TIMEOUT_MS,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'idempotency-key': key },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'] });
          } catch {
            resolve({ failure: `HTTP ${res.statusCode} (not JSON)` });
          }
        });
        res.on('error', () => resolve({ failure: 'connection reset' }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ failure: failureKind(err) }));
    req.end(payload);
  });
}

function failureKind(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return 'connection refused';
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.message === 'socket hang up') return 'connection reset';
  if (err.message === 'timeout') return 'timeout';
  return err.code ?? err.message;
}

/** Sends the request, again with the same key after a failure, to the next API each time, within the bound. */
async function send(t: Traffic, path: string, token: string, body: unknown, key: string): Promise<Answer> {
  t.stats.requests++;
  let failed = false;
  const answer = await pollUntil<Answer>(
    async () => {
      const apis = t.apis();
      const base = apis[t.next++ % apis.length]!;
      t.stats.attempts++;
      const got = await attempt(t.agents.get(base) ?? agentFor(t, base), base, path, token, body, key);
      const failure = 'failure' in got ? got.failure : got.status >= 500 || got.status === 409 ? `HTTP ${got.status}${got.body.error?.code ? ` ${got.body.error.code}` : ''}` : undefined;
      if (failure === undefined) return got as Answer;
      failed = true;
      count(t.stats.errors, failure);
      count(t.stats.errorsByPhase.get(t.stats.phase) ?? t.stats.errorsByPhase.set(t.stats.phase, new Map()).get(t.stats.phase)!, failure);
      return undefined;
    },
    { timeoutMs: RETRY_BOUND_MS, intervalMs: RETRY_INTERVAL_MS, what: `POST ${path} to succeed` },
  ).finally(() => {
    if (failed) t.stats.failedRequests++;
  });
  if (failed) t.stats.recovered++;
  if (answer.status >= 300) throw new Error(`POST ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer;
}

function agentFor(t: Traffic, base: string): Agent {
  // Kept-alive connections, as a client's HTTP library keeps them: a killed API resets them.
  const agent = new Agent({ keepAlive: true, maxSockets: t.clients });
  t.agents.set(base, agent);
  return agent;
}

interface Traffic {
  stats: TrafficStats;
  apis: () => string[];
  next: number;
  agents: Map<string, Agent>;
  clients: number;
}

/** One lifecycle of `client`; throws unless the order ends completed. */
async function lifecycle(t: Traffic, client: BenchClient): Promise<void> {
  const key = randomUUID();
  const placed = await send(t, '/orders', client.buyer.token, { offerId: client.offerId }, key);
  const orderId = placed.body.orderId!;
  const ids = t.stats.placements.get(key) ?? new Set<number>();
  t.stats.placements.set(key, ids.add(orderId));
  if (placed.status === 200) t.stats.replayedPlacements++;
  let last = placed;
  for (const step of steps) last = await send(t, `/orders/${orderId}/actions`, client[step.by].token, step.action, randomUUID());
  if (last.body.status !== 'completed') throw new Error(`order ${orderId}: ${last.body.status} after accept`);
}

export interface RunningTraffic {
  stats: TrafficStats;
  /** Resolves once every client has stopped: `limit` reached, or stop() asked. */
  finished: Promise<void>;
  /** Lets every client finish the lifecycle it is in, then resolves. */
  stop(): Promise<void>;
}

/**
 * Starts one closed-loop client per `clients` entry over the APIs `apis()` names (read at each
 * attempt, so a restarted API is used again). `limit`: stop after that many lifecycles begun.
 */
export function startTraffic(clients: BenchClient[], apis: () => string[], stats: TrafficStats = newStats(), limit = Infinity): RunningTraffic {
  const t: Traffic = { stats, apis, next: 0, agents: new Map(), clients: clients.length };
  let stopping = false;
  const loops = clients.map(async (client) => {
    while (!stopping && stats.lifecyclesStarted < limit) {
      stats.lifecyclesStarted++;
      try {
        await lifecycle(t, client);
        stats.lifecyclesCompleted++;
      } catch (err) {
        stats.lifecyclesFailed.push((err as Error).message);
      }
    }
  });
  const finished = Promise.all(loops).then(() => {
    for (const agent of t.agents.values()) agent.destroy();
  });
  return {
    stats,
    finished,
    async stop() {
      stopping = true;
      await finished;
    },
  };
}
