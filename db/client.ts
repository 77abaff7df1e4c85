/**
 * The PostgreSQL pool (postgres.js 4) and its drizzle handle. Every process builds its own with
 * `createDb(url)` and closes it on shutdown; nothing here is a module-level singleton.
 *
 * postgres.js 4 leases a connection to a transaction before its BEGIN, and fails a transaction
 * whose connection closes (a restart, a failover) with the server's error, writing nothing more
 * on it. 3.4 did neither, and this module had two workarounds for it: a pool of transactions'
 * own (a BEGIN queued behind a busy connection's statements could leave a session inside a
 * transaction for the next statements to join) and a guard against writing a COMMIT on a closed
 * connection (which killed the process). Both stay tested, against the driver itself:
 * test/integration/db-busy-pool.test.ts and db-lost-connection.test.ts.
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
import * as workflowStarts from './schema/workflow-starts.js';

/** Every table of gigflow, one module per area (`db/schema/<area>.ts`). */
const schema = { ...users, ...attachments, ...ledger, ...catalog, ...orders, ...attention, ...requests, ...referrals, ...invoices, ...affiliates, ...jobs, ...workflowStarts };

export type Schema = typeof schema;

export interface Db {
  /** Typed query builder over the schema in `db/schema/`. */
  orm: PostgresJsDatabase<Schema>;
  /** The raw postgres.js client, for the few statements drizzle does not express. */
  sql: postgres.Sql;
  close(): Promise<void>;
}

export interface DbOptions {
  /** The pool's size; the API and the worker each hold one `Db`. */
  max?: number;
  /** Seconds to wait for a connection before a query fails (keeps /health prompt when the server is down). */
  connectTimeout?: number;
}

export function createDb(url: string, options: DbOptions = {}): Db {
  const settings = { max: options.max ?? 10, connect_timeout: options.connectTimeout ?? 5, idle_timeout: 30, onnotice: () => {} };
  const sql = postgres(url, settings);
  const orm = drizzle(sql, { schema });
  return {
    orm,
    sql,
    close: async () => {
      await sql.end({ timeout: 5 });
    },
  };
}
