/**
 * One PostgreSQL pool (postgres.js) and its drizzle handle. Every process builds its own
 * with `createDb(url)` and closes it on shutdown; nothing here is a module-level singleton.
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
  /** The raw postgres.js client, for the few statements drizzle does not express. */
  sql: postgres.Sql;
  close(): Promise<void>;
}

export interface DbOptions {
  /** Pool size; the API and the worker each hold one pool. */
  max?: number;
  /** Seconds to wait for a connection before a query fails (keeps /health prompt when the server is down). */
  connectTimeout?: number;
}

export function createDb(url: string, options: DbOptions = {}): Db {
  const sql = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeout ?? 5,
    idle_timeout: 30,
    onnotice: () => {},
  });
  return {
    orm: drizzle(sql, { schema }),
    sql,
    close: () => sql.end({ timeout: 5 }),
  };
}
