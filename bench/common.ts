/**
 * What the benchmarks share (bench/orders.ts, bench/cluster.ts, bench/faults.ts,
 * bench/reputation.ts): the seeded buyers and sellers that drive lifecycles, CPU read from /proc
 * (a process tree's, and the whole machine's), a median and a percentile, a log's tail.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Db } from '../db/client.js';
import { createLedger } from '../db/ledger.js';
import { createAccounts } from '../services/accounts.js';
import { systemClock } from '../services/clock.js';
import { insertOffer } from '../test/support/catalog.js';

export interface Party {
  id: number;
  login: string;
  token: string;
}
/** One closed-loop client of a benchmark: a buyer, a seller and the seller's offer. */
export interface BenchClient {
  buyer: Party;
  seller: Party;
  offerId: number;
}

/**
 * `count` buyers (funded by a ledger top-up) and `count` sellers with a confirmed email, an
 * active offer at `priceCents` and a session each, written straight to the database.
 */
export async function seed(db: Db, count: number, priceCents: number): Promise<BenchClient[]> {
  const accounts = createAccounts({ db, clock: systemClock });
  const ledger = createLedger(db);
  const party = async (login: string): Promise<Party> => {
    const [row] = await db.sql<{ id: string }[]>`
      insert into users (login, email, email_confirmed_at) values (${login}, ${`${login}@bench.example`}, now()) returning id`;
    const id = Number(row!.id);
    return { id, login, token: (await accounts.createSession(id)).token };
  };
  const clients: BenchClient[] = [];
  for (let i = 0; i < count; i++) {
    const buyer = await party(`bench_buyer_${i}`);
    const seller = await party(`bench_seller_${i}`);
    const offerId = await insertOffer(db, seller.id, { priceCents, title: `Logo design number ${i} for the benchmark` });
    // Enough for every lifecycle of every side many times over.
    await ledger.topUp({ topUpId: `bench-${buyer.id}`, userId: buyer.id, amount: 100_000_000, method: 'paypal' });
    clients.push({ buyer, seller, offerId });
  }
  return clients;
}

/** Resolves once `child` has exited (at once if it has). */
export function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * Every process's parent and CPU ticks: its own user + system time (all threads) plus that of
 * its children it has reaped (a PostgreSQL backend that exited, say). Summed over the live
 * processes of a tree, that counts each CPU tick once.
 */
export function readProcesses(): Map<number, { ppid: number; ticks: number }> {
  const all = new Map<number, { ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command name (which may hold spaces): state, ppid, … utime (14), stime, cutime, cstime (17).
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    all.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
  }
  return all;
}

/**
 * The whole machine's CPU time since boot (/proc/stat's `cpu` line), in ms summed over its cores:
 * `busyMs` in every state but idle and I/O wait (user, nice, system, irq, softirq; guest time is
 * inside user), and `stealMs`, the time the hypervisor gave this VM's runnable CPUs to others.
 */
export function machineCpu(): { busyMs: number; stealMs: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const ms = (ticks: number) => (ticks * 1_000) / CLK_TCK;
  return { busyMs: ms(user + nice + system + irq + softirq), stealMs: ms(steal) };
}

/** The live processes of the tree under `pid` (itself included), from one `readProcesses()`. */
export function processTree(all: Map<number, { ppid: number }>, pid: number): Set<number> {
  const children = new Map<number, number[]>();
  for (const [child, p] of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), child]);
  const seen = new Set<number>();
  for (let queue = [pid]; queue.length; ) {
    const next = queue.pop()!;
    if (seen.has(next) || !all.has(next)) continue;
    seen.add(next);
    queue.push(...(children.get(next) ?? []));
  }
  return seen;
}

/** A command-line flag's value as a positive integer, or an error naming the flag. */
export function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer: ${value}`);
  return n;
}

/** The median of `xs` (of the middle two, their mean). */
export function medianOf(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** A log file's last lines ('' when it cannot be read). */
export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
