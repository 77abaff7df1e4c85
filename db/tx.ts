import type postgres from 'postgres';
import type { PgTransaction } from 'drizzle-orm/pg-core';
import type { PostgresJsQueryResultHKT } from 'drizzle-orm/postgres-js';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { Schema } from './client.js';

/** A drizzle transaction over gigflow's schema, for functions that write inside the caller's. */
export type Tx = PgTransaction<PostgresJsQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

/**
 * The postgres.js transaction under a drizzle one, for the ledger's `…In` operations (written
 * with postgres.js) in a transaction that also runs drizzle writes (`issueInvoice`,
 * `assignOnCompletedJob`): one transaction, both APIs. drizzle's postgres-js session keeps it
 * as `client`.
 */
export function sqlOf(tx: Tx): postgres.TransactionSql {
  const client = (tx as unknown as { session?: { client?: postgres.TransactionSql } }).session?.client;
  if (typeof client !== 'function') throw new Error('db/tx: this drizzle transaction has no postgres.js client');
  return client;
}
