/**
 * `npm run bench:cluster [-- --clients C --lifecycles N --rounds R]`: order lifecycles per
 * second on the cluster topology with one worker process and with two (issue 19 §3), the same
 * two API processes throughout. Defaults: C = 16 clients, N = 120 lifecycles a phase, R = 3.
 *
 * The topology is bench/topology.ts's (PostgreSQL, the Temporal server, two workers, two APIs);
 * the traffic bench/traffic.ts's (C closed-loop clients, place → start_work → deliver → accept
 * over both APIs). After a warm-up with both workers, each round runs N lifecycles with one
 * worker (the second stopped, SIGTERM, drained) and N with two (the second started again and
 * polling), in alternating order from round to round, so neither always runs on a machine the
 * other left warm or busy. Prints each phase's lifecycles/s and CPU-ms per lifecycle (every
 * process of the run: PostgreSQL, Temporal, workers, APIs, this load generator, from /proc),
 * then each configuration's median and spread and the ratio of the medians. Exit code 1 when a
 * lifecycle failed (the figures would not be a lifecycle's).
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { runThenExit } from '../db/embedded.js';
import { percentile, positive } from './common.js';
import { newStats, startTraffic } from './traffic.js';
import { startTopology, stopOnSignals, type Topology } from './topology.js';

const { values: flags } = parseArgs({
  options: {
    clients: { type: 'string', short: 'c', default: '16' },
    lifecycles: { type: 'string', short: 'n', default: '120' },
    rounds: { type: 'string', short: 'r', default: '3' },
  },
});
const C = positive('clients', flags.clients);
const N = positive('lifecycles', flags.lifecycles);
const ROUNDS = positive('rounds', flags.rounds);

const say = (line: string) => process.stdout.write(`${line}\n`);
const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

interface PhaseResult {
  rate: number;
  cpuMsPerLifecycle: number;
  failed: number;
}

/** `count` lifecycles, C clients at once over the APIs; its rate and CPU over every process. */
async function phase(top: Topology, count: number): Promise<PhaseResult> {
  const stats = newStats();
  const cpuBefore = top.cpuMs();
  const started = performance.now();
  await startTraffic(top.clients, () => top.apis.map((a) => a.url!), stats, count).finished;
  const wallMs = performance.now() - started;
  const cpuMs = top.cpuMs() - cpuBefore;
  return { rate: (stats.lifecyclesCompleted * 1_000) / wallMs, cpuMsPerLifecycle: cpuMs / Math.max(1, stats.lifecyclesCompleted), failed: stats.lifecyclesFailed.length };
}

/** Runs the second worker, or stops it (drained), so that `workers` poll. */
async function useWorkers(top: Topology, workers: 1 | 2): Promise<void> {
  const second = top.workers[1]!;
  if (workers === 2 && second.pid === undefined) await second.start();
  if (workers === 1 && second.pid !== undefined) await second.kill('SIGTERM');
}

function summary(results: PhaseResult[]) {
  const rates = results.map((r) => r.rate).sort((a, b) => a - b);
  const cpu = results.map((r) => r.cpuMsPerLifecycle).sort((a, b) => a - b);
  return { rate: percentile(rates, 50), rateSpan: `${fixed(rates[0]!)}–${fixed(rates[rates.length - 1]!)}`, cpu: percentile(cpu, 50), cpuSpan: `${fixed(cpu[0]!)}–${fixed(cpu[cpu.length - 1]!)}` };
}

async function main() {
  const started = performance.now();
  let top: Topology | undefined;
  stopOnSignals(async () => void (await top?.stop()));
  try {
    top = await startTopology({ workers: 2, apis: 2, clients: C, say });
    say(`warming up (${2 * C} lifecycles, 2 workers)…`);
    const warm = await phase(top, 2 * C);
    const results: Record<1 | 2, PhaseResult[]> = { 1: [], 2: [] };
    const loadBefore = loadavg()[0]!;
    for (let round = 0; round < ROUNDS; round++) {
      const order: (1 | 2)[] = round % 2 === 0 ? [1, 2] : [2, 1];
      for (const workers of order) {
        await useWorkers(top, workers);
        const r = await phase(top, N);
        results[workers].push(r);
        say(`round ${round + 1}/${ROUNDS}, ${workers} worker${workers === 1 ? ' ' : 's'}: ${N} lifecycles, ${fixed(r.rate).padStart(5)}/s, ${fixed(r.cpuMsPerLifecycle).padStart(6)} CPU-ms each${r.failed ? `, ${r.failed} FAILED` : ''}`);
      }
    }
    const loadAfter = loadavg()[0]!;
    const one = summary(results[1]);
    const two = summary(results[2]);
    say('');
    say(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}; ${C} closed-loop clients over 2 API processes; ${N} lifecycles a phase, ${ROUNDS} rounds`);
    say(`load average (1 min) before and after measuring: ${loadBefore.toFixed(2)}, ${loadAfter.toFixed(2)}`);
    say(`${''.padEnd(12)}lifecycles/s median (rounds)   CPU-ms/lifecycle median (rounds)`);
    say(`${'1 worker'.padEnd(12)}${`${fixed(one.rate)} (${one.rateSpan})`.padStart(28)}   ${`${fixed(one.cpu)} (${one.cpuSpan})`.padStart(32)}`);
    say(`${'2 workers'.padEnd(12)}${`${fixed(two.rate)} (${two.rateSpan})`.padStart(28)}   ${`${fixed(two.cpu)} (${two.cpuSpan})`.padStart(32)}`);
    say(`2 workers / 1 worker: ${(two.rate / one.rate).toFixed(2)} × the lifecycles/s, ${(two.cpu / one.cpu).toFixed(2)} × the CPU per lifecycle`);
    const failed = warm.failed + [...results[1], ...results[2]].reduce((s, r) => s + r.failed, 0);
    say(`failed lifecycles: ${failed}`);
    say(`done in ${((performance.now() - started) / 1_000).toFixed(0)} s`);
    if (failed > 0) process.exitCode = 1;
  } finally {
    await top?.stop();
  }
}

await runThenExit(main);
