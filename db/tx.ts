import type { TransactionSql } from 'postgres';
import type { PgTransaction } from 'drizzle-orm/pg-core';
import type { PostgresJsQueryResultHKT } from 'drizzle-orm/postgres-js';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { Schema } from './client.js';

/** A drizzle transaction over gigflow's schema, for functions that write inside the caller's. */
export type Tx = PgTransaction<PostgresJsQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

/**
 * The postgres.js transaction under a drizzle one, for the ledger's internals (`db/ledger.ts`
 * writes with postgres.js tagged statements) called from a caller that holds a drizzle
 * transaction: both then write in the one database transaction. drizzle's postgres-js
 * transaction keeps it as `session.client` (not in its public types).
 */
export function sqlOf(tx: Tx): TransactionSql {
  const client = (tx as unknown as { session?: { client?: TransactionSql } }).session?.client;
  if (typeof client !== 'function') throw new TypeError('not a drizzle postgres-js transaction');
  return client;
}
