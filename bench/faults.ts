/**
 * `npm run bench:faults [-- --clients C --per-phase K]`: faults survived, measured (issue 19 §2).
 * Defaults: C = 12 clients, K = 36 lifecycles between faults.
 *
 * On the cluster topology (bench/topology.ts: PostgreSQL, the Temporal server, two worker and
 * two API processes, each in a process group of its own), C clients run order lifecycles
 * without pause over both APIs (bench/traffic.ts: every POST with an Idempotency-Key, sent
 * again with it after a failure). Once K lifecycles have completed with nothing wrong, then
 * again after each fault, the next fault comes:
 *
 *   1. SIGKILL one worker process, then start it again (as an orchestrator would);
 *   2. SIGKILL one API process, then start it again on its port;
 *   3. restart the Temporal server;
 *   4. restart PostgreSQL (a fast shutdown, then a start on the same data directory).
 *
 * Then the clients finish their lifecycles, and the run waits (bounded) until every order's
 * workflow has closed. It prints what clients saw (attempts, failures by kind and by fault,
 * retries) and checks, PASS or FAIL, exit code 1 when one fails: no lifecycle given up; every
 * failed request succeeded on a retry with its key; every order completed; one order per
 * Idempotency-Key; each order's ledger transactions and postings exactly those of an order
 * placed before any fault (none twice, none missing); no money lost (escrow empty, every
 * seller's, buyer's and the platform's balance the sum its orders make, the ledger consistent);
 * one workflow per order and no start left queued; no process exited unasked. The progress between faults is counted in lifecycles, not
 * seconds, so a slow machine stretches the run but does not change its verdict.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { runThenExit } from '../db/embedded.js';
import { pollUntil } from '../scripts/poll.js';
import { assertLedgerConsistent } from '../test/support/ledger.js';
import { orderWorkflowType } from '../workflows/order/messages.js';
import { positive, tail } from './common.js';
import { newStats, startTraffic, type TrafficStats } from './traffic.js';
import { NAMESPACE, startTopology, stopOnSignals, type Topology } from './topology.js';

const { values: flags } = parseArgs({
  options: {
    clients: { type: 'string', short: 'c', default: '12' },
    'per-phase': { type: 'string', short: 'k', default: '36' },
  },
});
const C = positive('clients', flags.clients);
const K = positive('per-phase', flags['per-phase']);
/** A phase's K lifecycles must complete within this, a fault's recovery included. */
const PHASE_BOUND_MS = 600_000;
/** A fault (a kill and restart) must be over within this: a restart that hangs fails the run, naming itself. */
const FAULT_BOUND_MS = 180_000;
const SETTLE_BOUND_MS = 180_000;
/** Every buyer's top-up (bench/common.ts). */
const TOP_UP_CENTS = 100_000_000;

const say = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1_000).toFixed(1)} s`;

interface PhaseRecord {
  name: string;
  /** How long the fault itself took (a restart until the process serves again); none for the warm-up. */
  faultMs?: number;
  /** From the fault's start until K more lifecycles had completed. */
  totalMs: number;
}

/** `work`, or an error naming `what` once `ms` have passed without it settling. */
async function withinBound(work: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} was not over within ${ms / 1000} s`)), ms);
  });
  try {
    await Promise.race([work, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lets K more lifecycles complete, after `fault` (none for the first phase). */
async function phase(stats: TrafficStats, name: string, fault?: () => Promise<void>): Promise<PhaseRecord> {
  stats.phase = name;
  const target = stats.lifecyclesCompleted + K;
  const started = performance.now();
  say(`${name}…`);
  if (fault) await withinBound(fault(), FAULT_BOUND_MS, `the fault "${name}"`);
  const faultMs = performance.now() - started;
  await pollUntil(() => stats.lifecyclesCompleted >= target || stats.lifecyclesFailed.length > 0, { timeoutMs: PHASE_BOUND_MS, intervalMs: 250, what: `${K} lifecycles after "${name}"` });
  const record = { name, ...(fault ? { faultMs } : {}), totalMs: performance.now() - started };
  say(`  ${fault ? `done in ${seconds(faultMs)}; ` : ''}${K} more lifecycles by ${seconds(record.totalMs)} (${stats.lifecyclesCompleted} completed in all)`);
  return record;
}

async function runFaults(top: Topology, stats: TrafficStats): Promise<PhaseRecord[]> {
  const [worker] = top.workers;
  const [api] = top.apis;
  const records = [await phase(stats, 'no fault (warm-up)')];
  records.push(await phase(stats, `SIGKILL ${worker!.name}, start it again`, async () => {
    await worker!.kill('SIGKILL');
    await worker!.start();
  }));
  records.push(await phase(stats, `SIGKILL ${api!.name}, start it again`, async () => {
    await api!.kill('SIGKILL');
    await api!.start();
  }));
  records.push(await phase(stats, 'restart the Temporal server', () => top.temporal.restart()));
  records.push(await phase(stats, 'restart PostgreSQL', () => top.restartPostgres()));
  return records;
}

/**
 * Waits until every order's row is final and no order workflow runs;
 * answers how long that took and how many order workflows there are.
 */
async function settle(top: Topology): Promise<{ settleMs: number; workflows: number }> {
  const started = performance.now();
  const temporal = new Client({ connection: top.connection, namespace: NAMESPACE });
  await pollUntil(
    async () => {
      const [open] = await top.db.sql<{ n: number }[]>`select count(*)::int as n from orders where closed_at is null`;
      if (open!.n > 0) return false;
      const running = await temporal.workflow.count(`WorkflowType = "${orderWorkflowType}" AND ExecutionStatus = "Running"`);
      return running.count === 0;
    },
    { timeoutMs: SETTLE_BOUND_MS, intervalMs: 500, what: 'every order to settle' },
  );
  const settleMs = performance.now() - started;
  return { settleMs, workflows: (await temporal.workflow.count(`WorkflowType = "${orderWorkflowType}"`)).count };
}

type Check = [what: string, ok: boolean, value: string];

/** Orders, keys and the ledger, as the database holds them after the run. */
async function checkOrdersAndLedger(top: Topology, stats: TrafficStats): Promise<{ checks: Check[]; counts: Record<string, number> }> {
  const { db } = top;
  const statuses = await db.sql<{ status: string; n: number }[]>`select status, count(*)::int as n from orders group by status order by status`;
  const placed = statuses.reduce((s, r) => s + r.n, 0);
  const completed = statuses.find((r) => r.status === 'completed')?.n ?? 0;
  const [twice] = await db.sql<{ n: number }[]>`select count(*)::int as n from (select 1 from orders group by buyer_id, request_key having count(*) > 1) k`;
  const keyedTwice = [...stats.placements.values()].filter((ids) => ids.size > 1).length;
  const keys = [...stats.placements.keys()];
  const [matched] = await db.sql<{ n: number }[]>`select count(*)::int as n from orders where request_key = any(${keys}::text[])`;
  // Each order's ledger transactions and postings, against the first order's (placed before any fault).
  const perOrder = await db.sql<{ id: string; kinds: string; postings: number }[]>`
    select o.id, string_agg(distinct t.kind, ',' order by t.kind) as kinds, count(p.id)::int as postings
    from orders o
    left join ledger_transactions t on t.idempotency_key like 'order:' || o.id || ':%'
    left join ledger_postings p on p.transaction_id = t.id
    group by o.id order by o.id`;
  const reference = perOrder[0];
  const unlike = perOrder.filter((r) => r.kinds !== reference?.kinds || r.postings !== reference?.postings);
  const [money] = await db.sql<{ escrow: string; sellers: number; buyers: number; revenue: string; commission: string }[]>`
    with per_seller as (select seller_id as id, sum(seller_earnings_cents) as expected from orders group by seller_id),
         per_buyer as (select buyer_id as id, ${TOP_UP_CENTS}::int8 - sum(total_cents) as expected from orders group by buyer_id)
    select
      (select coalesce(sum(abs(balance)), 0) from ledger_accounts where kind = 'escrow') as escrow,
      (select count(*)::int from per_seller s left join ledger_accounts a on a.key = 'user:' || s.id || ':main' where coalesce(a.balance, 0) <> s.expected) as sellers,
      (select count(*)::int from per_buyer b left join ledger_accounts a on a.key = 'user:' || b.id || ':main' where coalesce(a.balance, 0) <> b.expected) as buyers,
      (select coalesce(balance, 0) from ledger_accounts where key = 'platform:revenue') as revenue,
      (select coalesce(sum(commission_cents), 0) from orders) as commission`;
  let ledgerError = '';
  await assertLedgerConsistent(db).catch((err: Error) => (ledgerError = err.message.split('\n')[0]!));
  const byStatus = statuses.map((s) => `${s.status} ${s.n}`).join(', ') || 'none';
  return {
    counts: { placed, completed, keyedTwice: twice!.n + keyedTwice, unlike: unlike.length },
    checks: [
      ['every order completed, one per lifecycle', completed === placed && placed === stats.lifecyclesCompleted, `${byStatus}; ${stats.lifecyclesCompleted} lifecycles`],
      ['one order per Idempotency-Key (in the database, and in every answer a key got)', twice!.n === 0 && keyedTwice === 0 && matched!.n === keys.length && placed === keys.length, `${twice!.n} keys with two orders, ${keyedTwice} keys answered with two ids, ${matched!.n} of ${keys.length} keys found`],
      [`each order's ledger exactly a fault-free order's (${reference?.kinds ?? '—'}, ${reference?.postings ?? '—'} postings): none twice, none missing`, unlike.length === 0, unlike.length ? `${unlike.length} differ, e.g. order ${unlike[0]!.id}: ${unlike[0]!.kinds} ${unlike[0]!.postings}` : `${perOrder.length} orders`],
      ['no money lost: escrow empty, every seller, buyer and the platform at the sum of their orders', Number(money!.escrow) === 0 && money!.sellers === 0 && money!.buyers === 0 && money!.revenue === money!.commission,
        `escrow ${money!.escrow}, ${money!.sellers} sellers and ${money!.buyers} buyers off, revenue ${money!.revenue} for commission ${money!.commission}`],
      ['the ledger consistent (balanced transactions, balances the sums of postings)', ledgerError === '', ledgerError || 'yes'],
    ],
  };
}

function report(top: Topology, stats: TrafficStats, records: PhaseRecord[], { settleMs, workflows }: Awaited<ReturnType<typeof settle>>): void {
  say('');
  say(`clients: ${C} closed-loop, over ${top.apis.length} API processes; ${top.workers.length} worker processes; ${K} lifecycles between faults`);
  for (const r of records) say(`  ${r.name.padEnd(44)} ${r.faultMs === undefined ? ''.padStart(15) : `fault ${seconds(r.faultMs).padStart(7)}, `}${K} lifecycles by ${seconds(r.totalMs)}`);
  say(`  settled ${seconds(settleMs)} after the traffic stopped; ${workflows} order workflows for ${stats.lifecyclesCompleted} lifecycles (one an order: a placement starts its workflow after its commit, so one rolled back starts none, and a start it left queued is started once by a retry or a worker's sweep)`);
  say(`lifecycles: ${stats.lifecyclesStarted} begun, ${stats.lifecyclesCompleted} completed, ${stats.lifecyclesFailed.length} given up`);
  say(`requests: ${stats.requests}, attempts ${stats.attempts}, retries ${stats.attempts - stats.requests}; ${stats.failedRequests} requests failed at least once, ${stats.recovered} of them then succeeded with their key; ${stats.replayedPlacements} placements answered as a retry (200, the first attempt's order)`);
  say(`client-visible errors: ${[...stats.errors].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
  for (const [p, errors] of stats.errorsByPhase) say(`  during "${p}": ${[...errors].map(([k, n]) => `${k} ${n}`).join(', ')}`);
}

async function main() {
  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  let top: Topology | undefined;
  stopOnSignals(async () => void (await top?.stop()));
  try {
    top = await startTopology({ workers: 2, apis: 2, clients: C, say });
    const stats = newStats();
    const traffic = startTraffic(top.clients, () => top!.apis.map((a) => a.url!), stats);
    let records: PhaseRecord[];
    try {
      records = await runFaults(top, stats);
    } finally {
      stats.phase = 'the last lifecycles';
      await traffic.stop();
    }
    const settled = await settle(top);
    report(top, stats, records, settled);
    const { checks, counts } = await checkOrdersAndLedger(top, stats);
    // Issue 19 §3: a placement starts its workflow after its commit, so a workflow is an order's.
    const [queued] = await top.db.sql<{ n: number }[]>`select count(*)::int as n from workflow_starts`;
    checks.push(['one workflow per order, no start left queued', settled.workflows === counts.placed && queued!.n === 0, `${settled.workflows} workflows for ${counts.placed} orders, ${queued!.n} queued`]);
    const unasked = [...top.workers, ...top.apis].filter((a) => a.unaskedExits > 0);
    checks.unshift(
      ['no lifecycle given up', stats.lifecyclesFailed.length === 0, stats.lifecyclesFailed.slice(0, 3).join('; ') || '0'],
      ['every request that failed succeeded on a retry with its Idempotency-Key', stats.failedRequests === stats.recovered, `${stats.recovered} of ${stats.failedRequests}`],
    );
    checks.push(['no process exited unasked', unasked.length === 0, unasked.map((a) => `${a.name} ${a.unaskedExits}×`).join(', ') || '0']);
    say(`orders placed ${counts.placed}, completed ${counts.completed}; duplicates found: ${counts.keyedTwice} orders for one key, ${counts.unlike} orders whose ledger differs`);
    say(`load average (1 min) at the start and the end: ${loadBefore.toFixed(2)}, ${loadavg()[0]!.toFixed(2)}`);
    say('');
    for (const [what, ok, value] of checks) say(`check: ${what}: ${ok ? 'PASS' : 'FAIL'} (${value})`);
    say(`done in ${seconds(performance.now() - started)}`);
    if (!checks.every(([, ok]) => ok)) process.exitCode = 1;
  } catch (err) {
    for (const app of [...(top?.workers ?? []), ...(top?.apis ?? [])]) say(`--- ${app.name} log (last lines) ---\n${tail(app.log)}`);
    throw err;
  } finally {
    await top?.stop();
  }
}

await runThenExit(main);
