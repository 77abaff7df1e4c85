/**
 * "A refused request changes nothing", checked on the database itself: a fingerprint of every
 * table, taken before and after. The tables are read from the database's catalog, so a table
 * a new migration adds is covered the day it lands, with no list to keep.
 *
 * Each table is its row count and the sum of a 64-bit hash of each row's text: the order of rows
 * does not matter, so nothing is sorted, and every table is read in one statement. (Hashing
 * the sorted rows' JSON cost the API fuzz two thirds of its time.) A user's activity time is
 * left out of the row: any signed-in request may touch it.
 */
import type { Db } from '../../db/client.js';

/** A table's row count and hash sum, by table name. */
export type Fingerprint = Record<string, string>;

/** The column any signed-in request may touch (at most once a minute), left out of the rows. */
const ACTIVITY_COLUMN = 'last_active_at';

/** Every table of the public schema but `except`, each with how to turn one of its rows `x` into text. */
async function tablesOf(db: Db, except: readonly string[]): Promise<{ name: string; row: string }[]> {
  const rows = await db.sql<{ name: string; touched: boolean }[]>`
    select t.table_name as name,
           exists (select 1 from information_schema.columns c
                   where c.table_schema = t.table_schema and c.table_name = t.table_name and c.column_name = ${ACTIVITY_COLUMN}) as touched
    from information_schema.tables t
    where t.table_schema = 'public' and t.table_type = 'BASE TABLE'
    order by t.table_name`;
  return rows
    .filter((t) => !except.includes(t.name))
    .map((t) => ({ name: t.name, row: t.touched ? `(to_jsonb(x) - '${ACTIVITY_COLUMN}')::text` : 'x::text' }));
}

/**
 * A fingerprint function for `db`, over every table but `except` (tables some rule lets a
 * refused request change, said by the caller). The table list is read once, at the first call.
 */
export function fingerprinter(db: Db, except: readonly string[] = []): () => Promise<Fingerprint> {
  let statement: Promise<string> | undefined;
  return async () => {
    statement ??= tablesOf(db, except).then((tables) =>
      tables
        .map((t) => `select '${t.name}' as t, count(*) || ':' || coalesce(sum(hashtextextended(${t.row}, 0)::numeric), 0) as f from "${t.name}" x`)
        .join(' union all '),
    );
    const rows = await db.sql.unsafe<{ t: string; f: string }[]>(await statement);
    return Object.fromEntries(rows.map((r) => [r.t, r.f]));
  };
}

/** The tables whose fingerprint differs, by name. */
export function changedTables(before: Fingerprint, after: Fingerprint): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((t) => before[t] !== after[t]).sort();
}
