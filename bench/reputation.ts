/**
 * `npm run bench:reputation [-- --sizes 1000,5000,20000 --rounds R]`: what recomputing a
 * seller's reputation costs as their history grows. Every completion of a seller's order
 * recomputes it from all their closed orders, in the transaction that closes the order and with
 * the seller's `seller_stats` row locked (`db/reputation.ts`), so its cost is a completion's
 * latency and how long the seller's other completions wait.
 *
 * Starts its own embedded PostgreSQL (throwaway folder), applies the migrations, and writes one
 * seller's history: 50 orders closed by the real order machine and `recordOrderEvent` (liked,
 * unrated, late, ignored, cancelled, with feedback), then copies of those rows up to each size.
 * At each size, R alternating rounds (default 7) of:
 *
 *   the read     the recompute's query alone (`closedOrderRows`): the seller's closed orders
 *                with their feedback, as the recompute reads them — the baseline;
 *   recompute    `recomputeSellerReputation` in a transaction rolled back after it (the read,
 *                the rules of `workflows/lib/reputation.ts`, the writes).
 *
 * Prints, per size, the medians (and spread) of wall time and of this process's CPU for each,
 * and the ratio recompute ÷ read. Target (issue 19 §3, a completion's queries): the recompute
 * grows linearly with the history — its wall time per closed order at the largest size at most
 * 1.5 × its time per closed order at the smallest (the rules were quadratic in an offer's
 * orders: 2.9 s at 20,000 closed orders against 0.3 s for the read). Exit code 1 on FAIL.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDb } from '../db/client.js';
import { runThenExit, startEmbeddedPostgres } from '../db/embedded.js';
import { runMigrations } from '../db/migrate.js';
import { closedOrderRows, recomputeSellerReputation } from '../db/reputation.js';
import { insertOffer } from '../test/support/catalog.js';
import { insertConfirmedUser } from '../test/support/ledger.js';
import { freePort } from '../test/support/ports.js';
import { finishOrders, historyFrom, times } from '../test/support/reputation.js';
import { medianOf, positive } from './common.js';

const { values: flags } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,5000,20000' },
    rounds: { type: 'string', short: 'r', default: '7' },
  },
});
/** Ascending: each size grows the history the one before left. */
const SIZES = flags.sizes.split(',').map((s) => positive('sizes', s)).sort((a, b) => a - b);
const ROUNDS = positive('rounds', flags.rounds);
/** The target: wall time per closed order at the largest size ÷ at the smallest. */
const TARGET_LINEARITY = 1.5;

interface Sample {
  wallMs: number;
  cpuMs: number;
}

async function measure(run: () => Promise<unknown>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run();
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

/** Thrown to roll the recompute's transaction back. */
class RolledBack extends Error {}

const spread = (values: number[]): string => `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`;

await runThenExit(async () => {
  // The embedded server runs as the `postgres` user when we are root: it must enter the folder.
  const scratch = mkdtempSync(join(tmpdir(), 'gigflow-bench-reputation-'));
  chmodSync(scratch, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: join(scratch, 'postgres'), port: await freePort(), database: 'gigflow_bench', persistent: false });
  const db = createDb(pg.url);
  try {
    await runMigrations(db);
    const seller = await insertConfirmedUser(db, 'bench_seller');
    const buyer = await insertConfirmedUser(db, 'bench_buyer');
    const offerId = await insertOffer(db, seller.id);
    console.log('writing the seller’s first 50 closed orders through the order machine…');
    const outcomes = [...times('liked', 30), ...times('unrated', 8), ...times('late_liked', 4), ...times('ignored', 4), ...times('too_busy_disliked', 2), ...times('no_longer_needed', 2)];
    const written = await finishOrders(db, historyFrom(), { buyer, offerId, outcomes });
    // The cause a level-change notice names (it is rolled back with the rest).
    const cause = { kind: 'order', orderId: written[written.length - 1]!, seq: 0 } as const;
    // Every column but the id, the request key (unique per buyer) and those PostgreSQL generates, copied as written.
    const [{ columns }] = (await db.sql<{ columns: string }[]>`
      select string_agg(quote_ident(column_name), ', ' order by ordinal_position) as columns
      from information_schema.columns
      where table_name = 'orders' and column_name not in ('id', 'request_key') and is_generated = 'NEVER'`) as unknown as [{ columns: string }];
    const closedCount = async () => Number((await db.sql<{ n: string }[]>`select count(*) as n from orders where seller_id = ${seller.id} and closure is not null`)[0]!.n);

    const results: { size: number; read: Sample[]; recompute: Sample[] }[] = [];
    for (const size of SIZES) {
      for (let have = await closedCount(); have < size; have = await closedCount()) {
        await db.sql.unsafe(
          `insert into orders (request_key, ${columns}) select gen_random_uuid()::text, ${columns} from orders where seller_id = $1 and closure is not null limit $2`,
          [seller.id, Math.min(have, size - have)],
        );
      }
      await db.sql`analyze orders`;
      const read: Sample[] = [];
      const recompute: Sample[] = [];
      // One of each first, unmeasured: the plans and the rules' code warm up.
      for (let round = -1; round < ROUNDS; round++) {
        const r = await measure(() => closedOrderRows(db.sql, seller.id));
        const c = await measure(() =>
          db.sql
            .begin(async (tx) => {
              await recomputeSellerReputation(tx, seller.id, new Date().toISOString(), cause);
              throw new RolledBack();
            })
            .catch((err: unknown) => {
              if (!(err instanceof RolledBack)) throw err;
            }),
        );
        if (round >= 0) {
          read.push(r);
          recompute.push(c);
        }
      }
      results.push({ size, read, recompute });
      const m = (samples: Sample[], key: keyof Sample) => medianOf(samples.map((s) => s[key]));
      console.log(
        `${String(size).padStart(7)} closed orders: read ${m(read, 'wallMs').toFixed(1)} ms (${spread(read.map((s) => s.wallMs))}), CPU ${m(read, 'cpuMs').toFixed(1)} ms; ` +
          `recompute ${m(recompute, 'wallMs').toFixed(1)} ms (${spread(recompute.map((s) => s.wallMs))}), CPU ${m(recompute, 'cpuMs').toFixed(1)} ms; ` +
          `recompute ÷ read ${(m(recompute, 'wallMs') / m(read, 'wallMs')).toFixed(2)} ×`,
      );
    }
    const perOrder = (r: (typeof results)[number]) => medianOf(r.recompute.map((s) => s.wallMs)) / r.size;
    const first = results[0]!;
    const last = results[results.length - 1]!;
    const linearity = perOrder(last) / perOrder(first);
    console.log(`\nrecompute per 1,000 closed orders: ${results.map((r) => `${(perOrder(r) * 1000).toFixed(1)} ms at ${r.size}`).join(', ')}`);
    const pass = linearity <= TARGET_LINEARITY;
    console.log(`target: recompute time per closed order at ${last.size} ≤ ${TARGET_LINEARITY} × at ${first.size}: ${pass ? 'PASS' : 'FAIL'} (${linearity.toFixed(2)} ×)`);
    if (!pass) process.exitCode = 1;
  } finally {
    await db.close();
    await pg.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
});
