/**
 * A transaction begun while every connection of the pool is busy (db/client.ts): postgres.js 4
 * leases it a connection of its own before its BEGIN, and this holds it to that. postgres.js
 * 3.4.x handed the transaction's BEGIN to a busy connection, behind the statements queued there;
 * when the BEGIN was the statement that filled that connection's pipeline (`max_pipeline`, 100)
 * or met a full socket buffer, the connection was never reserved for it (porsager/postgres#823,
 * #1189): `begin` failed with UNSAFE_TRANSACTION — an API answered 500 — and PostgreSQL was left
 * inside the transaction on a connection the pool handed out again, so the next statements that
 * meant to commit on their own joined it (a placement's 500 in a reputation-scenarios run, which
 * places a hundred orders at once on a pool of five).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDb, type Db } from '../../db/client.js';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';

/** A small pool, each of whose connections the test fills. */
const CONNECTIONS = 2;
/**
 * The advisory lock the busy statements wait on, held by the test until the transaction is
 * queued. Written into their text, not a parameter: postgres.js describes a parameterized
 * statement before it runs it, and queues it differently.
 */
const HELD_LOCK = 7_340_001;
/** postgres.js's default `max_pipeline`: the statements one connection takes before it counts as full. */
const PIPELINE = 100;

describe('a transaction begun while every connection is busy', () => {
  let database: TestDatabase;
  let busy: Db;

  before(async () => {
    database = await createTestDatabase(import.meta.filename);
    busy = createDb(database.url, { max: CONNECTIONS });
    await busy.sql`create table counted (n int not null)`;
  });
  after(async () => {
    await busy?.close();
    await database?.drop();
  });

  /** Sessions of this database left inside a transaction with nothing running. */
  async function idleInTransaction(): Promise<number> {
    const [row] = await database.db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity where datname = current_database() and state = 'idle in transaction'`;
    return row!.n;
  }

  it('commits, and leaves no connection inside a transaction for the statements after it', async () => {
    // Every connection open, then each busy with a statement waiting on a lock the test holds, and
    // all but one place of its pipeline taken.
    const opened = await Promise.all(Array.from({ length: CONNECTIONS }, () => busy.sql.reserve()));
    for (const connection of opened) connection.release();
    const holder = await database.db.sql.reserve();
    await holder`select pg_advisory_lock(${HELD_LOCK})`;
    // `execute()`: a postgres.js statement is sent when it is first awaited, these at once.
    const queued = [
      ...Array.from({ length: CONNECTIONS }, () => busy.sql.unsafe(`select pg_advisory_xact_lock_shared(${HELD_LOCK})`).execute()),
      ...Array.from({ length: CONNECTIONS * (PIPELINE - 1) }, () => busy.sql`select 1`.execute()),
    ];
    // The transaction's BEGIN would be the statement that fills a connection's pipeline.
    const transaction = busy.sql.begin(async (tx) => {
      await tx`insert into counted (n) values (1)`;
      return 'committed';
    });
    // Only now do the busy connections move on.
    await holder`select pg_advisory_unlock(${HELD_LOCK})`;
    holder.release();
    const outcome = await transaction.catch((err: { code?: string; message?: string }) => `${err.code}: ${err.message}`);
    await Promise.all(queued);
    // Statements meant to commit on their own, after it, on whichever connection the pool gives them.
    for (let i = 0; i < 2 * CONNECTIONS; i++) await busy.sql`insert into counted (n) values (2)`;

    const [seen] = await database.db.sql<{ n: number }[]>`select count(*)::int as n from counted`;
    // Another connection sees every row that was to be committed, and no session waits inside a transaction.
    assert.deepEqual({ outcome, rowsSeen: seen!.n, idleInTransaction: await idleInTransaction() }, { outcome: 'committed', rowsSeen: 1 + 2 * CONNECTIONS, idleInTransaction: 0 });
  });
});
