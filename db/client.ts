/**
 * The PostgreSQL pools (postgres.js) and their drizzle handle: one for statements, one for
 * transactions (`transactionsPool`). Every process builds its own with `createDb(url)` and
 * closes it on shutdown; nothing here is a module-level singleton.
 */
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as affiliates from './schema/affiliates.js';
import * as attachments from './schema/attachments.js';
import * as attention from './schema/attention.js';
import * as catalog from './schema/catalog.js';
import * as invoices from './schema/invoices.js';
import * as jobs from './schema/jobs.js';
import * as ledger from './schema/ledger.js';
import * as orders from './schema/orders.js';
import * as referrals from './schema/referrals.js';
import * as requests from './schema/requests.js';
import * as users from './schema/users.js';

/** Every table of gigflow, one module per area (`db/schema/<area>.ts`). */
const schema = { ...users, ...attachments, ...ledger, ...catalog, ...orders, ...attention, ...requests, ...referrals, ...invoices, ...affiliates, ...jobs };

export type Schema = typeof schema;

export interface Db {
  /** Typed query builder over the schema in `db/schema/`. */
  orm: PostgresJsDatabase<Schema>;
  /**
   * The raw postgres.js client, for the few statements drizzle does not express. Its `begin`
   * (drizzle's transactions too) runs on a pool of its own (`transactionsPool`).
   */
  sql: postgres.Sql;
  close(): Promise<void>;
}

export interface DbOptions {
  /** Each pool's size (statements, transactions); the API and the worker each hold one `Db`. */
  max?: number;
  /** Seconds to wait for a connection before a query fails (keeps /health prompt when the server is down). */
  connectTimeout?: number;
}

export function createDb(url: string, options: DbOptions = {}): Db {
  const settings = { max: options.max ?? 10, connect_timeout: options.connectTimeout ?? 5, idle_timeout: 30, onnotice: () => {} };
  const sql = postgres(url, settings);
  // drizzle sets how this client passes timestamps and JSON (as text): the transactions' pool copies it.
  const orm = drizzle(sql, { schema });
  const transactions = transactionsPool(sql, url, settings);
  noWritesOnLostConnection(transactions);
  Object.assign(sql, { begin: transactions.begin.bind(transactions) });
  return {
    orm,
    sql,
    close: async () => {
      await Promise.all([sql.end({ timeout: 5 }), transactions.end({ timeout: 5 })]);
    },
  };
}

/**
 * A pool that runs only transactions. postgres.js 3.4.x (3.4.10 too) sends a transaction's BEGIN
 * on a busy connection, behind the statements already queued there, when the pool has no idle
 * one; if the BEGIN is the statement that fills that connection's pipeline (`max_pipeline`) or
 * meets a full socket buffer, the connection is never reserved for the transaction
 * (porsager/postgres#823, #1189): `begin` fails with UNSAFE_TRANSACTION (a request answers 500,
 * as a placement likely did when a test placed a hundred orders at once on a pool of five), and
 * PostgreSQL stays in the transaction on a connection the pool hands out again, where later
 * statements meant to commit on their own join it — to be committed or rolled back with whatever
 * transaction comes next (test/integration/db-busy-pool.test.ts). In a pool of its own, a BEGIN
 * only ever goes to an idle or a new connection (nothing else there is pipelined), or waits for
 * one; connections open when first used, so a process without transactions opens none there.
 * postgres.js 4 leases a connection to a transaction before its BEGIN. Values cross both pools
 * alike: the same parsers and serializers.
 */
function transactionsPool(sql: postgres.Sql, url: string, settings: postgres.Options<Record<string, never>>): postgres.Sql {
  const transactions = postgres(url, settings);
  Object.assign(transactions.options.parsers, sql.options.parsers);
  Object.assign(transactions.options.serializers, sql.options.serializers);
  return transactions;
}

/**
 * postgres.js 3.4.x kills the process — an uncaught TypeError in its `nextWrite`, thrown from a
 * setImmediate — when a transaction writes its COMMIT or ROLLBACK on a connection that has just
 * closed, as transactions in flight do when PostgreSQL restarts or fails over
 * (porsager/postgres#1154, #1208; the guard is not released as of 3.4.10). Found by
 * `npm run bench:faults`: both API processes died at the PostgreSQL restart. So once a
 * transaction's connection is gone — `begin` rejects with a `CONNECTION_*` error as soon as the
 * pool sees the close, or a statement of the callback does — its callback never settles, and
 * postgres.js writes nothing more on that connection; `begin` has already answered the caller with
 * the connection's error, and the server rolls back a transaction whose session ended by itself.
 * drizzle's transactions go through the same `begin`.
 */
function noWritesOnLostConnection(sql: postgres.Sql): void {
  type Callback = (tx: postgres.TransactionSql) => unknown;
  const begin = sql.begin.bind(sql) as (...args: unknown[]) => Promise<unknown>;
  const lost = (err: unknown) => typeof (err as { code?: unknown })?.code === 'string' && (err as { code: string }).code.startsWith('CONNECTION_');
  Object.assign(sql, {
    begin(options: string | Callback, callback?: Callback) {
      let gone = false;
      const guarded = (run: Callback) => async (tx: postgres.TransactionSql) => {
        let outcome: { value: unknown } | { error: unknown };
        try {
          const result = run(tx);
          // An array of queries is awaited together, as postgres.js's own begin does.
          outcome = { value: await (Array.isArray(result) ? Promise.all(result) : result) };
        } catch (error) {
          gone ||= lost(error);
          outcome = { error };
        }
        if (gone) return new Promise<never>(() => {});
        if ('error' in outcome) throw outcome.error;
        return outcome.value;
      };
      const running = typeof options === 'function' ? begin(guarded(options)) : begin(options, guarded(callback!));
      running.catch((err: unknown) => {
        gone ||= lost(err);
      });
      return running;
    },
  });
}
