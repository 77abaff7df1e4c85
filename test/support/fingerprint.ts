/**
 * "A refused request changes nothing", checked on the database itself: every row written to any
 * table, counted by the database. The tables are read from the database's catalog, so a table a
 * new migration adds is covered the day it lands, with no list to keep.
 *
 * At the first call, the test's database gets a journal (schema `fingerprint`, outside `public`)
 * and, on each table, triggers that append the table's name to it for every row inserted,
 * updated or deleted and every truncate, in the writer's own transaction: a write rolled back
 * leaves no entry, and an append never waits on another writer (no row is shared), so the
 * API's locking is what it is without them. An update that leaves a row as it was is no change.
 * A fingerprint is the journal's count by table; two differ exactly where a row was written in
 * between. (Hashing every row of every table cost the API fuzz half of its time, in PostgreSQL,
 * twice per request.) A user's activity time is left out of the comparison: any signed-in
 * request may touch it.
 */
import type { Db } from '../../db/client.js';

/** A table's count of row writes since the journal began, by table name. */
export type Fingerprint = Record<string, string>;

/** The column any signed-in request may touch (at most once a minute), left out of the rows. */
const ACTIVITY_COLUMN = 'last_active_at';

/** The journal, its trigger function, and the triggers on every table of the public schema but `except`. */
async function installJournal(db: Db, except: readonly string[]): Promise<void> {
  const tables = await db.sql<{ name: string }[]>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE'
    order by table_name`;
  const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
  await db.sql.begin(async (tx) => {
    await tx.unsafe(`
      create schema fingerprint;
      create table fingerprint.changes (id bigserial primary key, table_name text not null);
      create function fingerprint.record() returns trigger language plpgsql as $$
      begin
        if tg_op = 'UPDATE' then
          if (to_jsonb(new) - '${ACTIVITY_COLUMN}') = (to_jsonb(old) - '${ACTIVITY_COLUMN}') then return null; end if;
        end if;
        insert into fingerprint.changes (table_name) values (tg_table_name);
        return null;
      end $$;`);
    for (const { name } of tables.filter((t) => !except.includes(t.name))) {
      await tx.unsafe(`
        create trigger fingerprint_rows after insert or update or delete on ${ident(name)} for each row execute function fingerprint.record();
        create trigger fingerprint_truncate after truncate on ${ident(name)} for each statement execute function fingerprint.record();`);
    }
  });
}

/**
 * A fingerprint function for `db`, over every table but `except` (tables some rule lets a
 * refused request change, said by the caller). The journal is installed at the first call, whose
 * fingerprint is the starting point: only writes after it count.
 */
export function fingerprinter(db: Db, except: readonly string[] = []): () => Promise<Fingerprint> {
  let installed: Promise<void> | undefined;
  return async () => {
    await (installed ??= installJournal(db, except));
    const rows = await db.sql<{ t: string; n: string }[]>`select table_name as t, count(*)::text as n from fingerprint.changes group by table_name`;
    return Object.fromEntries(rows.map((r) => [r.t, r.n]));
  };
}

/** The tables whose fingerprint differs, by name. */
export function changedTables(before: Fingerprint, after: Fingerprint): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((t) => before[t] !== after[t]).sort();
}
