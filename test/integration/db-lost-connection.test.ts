/**
 * A transaction whose connection PostgreSQL closes under it — a restart, a failover, an
 * administrator ending the session — fails with the server's error (57P01, the session was
 * terminated), and the process and its pool carry on. postgres.js 3.4.x wrote the transaction's
 * COMMIT or ROLLBACK on the closed connection and died of an uncaught TypeError, taking the API
 * or the worker down with it (found by `npm run bench:faults` at its PostgreSQL restart); 4 does
 * not (db/client.ts), and this holds it to that.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pollUntil } from '../../scripts/poll.js';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';

describe('a transaction whose connection is closed under it', () => {
  let database: TestDatabase;

  before(async () => {
    database = await createTestDatabase(import.meta.filename);
  });
  after(async () => {
    await database?.drop();
  });

  /**
   * Opens a transaction that awaits `held` after its first statement (as a placement awaits
   * Temporal), ends its session from another connection, then lets the callback go on with `then`.
   */
  async function closedUnder(then: () => void): Promise<unknown> {
    const { sql } = database.db;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const running = sql.begin(async (tx) => {
      await tx`select 1`;
      await held;
      then();
    });
    const outcome = running.then(() => 'committed', (err: { code?: string }) => err.code);
    await pollUntil(async () => (await sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where datname = current_database() and state = 'idle in transaction'`)[0]!.n === 1, {
      what: 'the transaction to wait',
    });
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and state = 'idle in transaction'`;
    const code = await outcome;
    release();
    // Had anything been written on the closed connection, the process would have died by now.
    await pollUntil(async () => (await sql<{ n: number }[]>`select 2 as n`)[0]!.n === 2, { what: 'the pool to answer again' });
    return code;
  }

  it('fails with the server\'s 57P01 when the callback then completes, and writes no COMMIT on the closed connection', async () => {
    assert.equal(await closedUnder(() => {}), '57P01');
  });

  it('fails with the server\'s 57P01 when the callback then throws, and writes no ROLLBACK on the closed connection', async () => {
    assert.equal(
      await closedUnder(() => {
        throw new Error('a later step failed');
      }),
      '57P01',
    );
  });
});
