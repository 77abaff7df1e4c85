/**
 * Migration 0033: the orders' outbox (`order_starts`) becomes every process's
 * (`workflow_starts`). A database deployed with 0032 may hold order starts still queued (an
 * outage at deploy time): each must come across under its workflow's id, for the workers'
 * sweep to start it, or money held for an order would never get its workflow.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { createDb, type Db } from '../../db/client.js';
import { migrationsFolder, runMigrations } from '../../db/migrate.js';
import { orderWorkflowId } from '../../workflows/order/messages.js';
import { harness } from '../support/harness.js';

/** The committed migrations up to and including `lastTag`, as a folder of their own. */
function migrationsUpTo(lastTag: string): string {
  const folder = mkdtempSync(join(harness.scratch, 'migrations-'));
  // Copies of the files, never links: the test run's tree links its files to the checkout's,
  // and the journal written below must not reach the committed one.
  cpSync(migrationsFolder, folder, { recursive: true, dereference: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  const last = journal.entries.findIndex((e) => e.tag === lastTag);
  assert.ok(last >= 0, `no migration ${lastTag}`);
  rmSync(journalPath);
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, last + 1) }));
  return folder;
}

describe('migration 0033 (workflow_starts)', () => {
  const name = `migration_0033_${randomUUID().replaceAll('-', '')}`;
  let admin: Db;
  let db: Db;
  let before0033: string;

  before(async () => {
    admin = createDb(harness.pgAdminUrl, { max: 1 });
    await admin.sql`create database ${admin.sql(name)}`;
    db = createDb(harness.pgAdminUrl.replace(/\/[^/]*$/, `/${name}`), { max: 1 });
    before0033 = migrationsUpTo('0032_order_starts');
    await migrate(db.orm, { migrationsFolder: before0033 });
  });
  after(async () => {
    await db?.close();
    if (admin) {
      await admin.sql`drop database if exists ${admin.sql(name)} with (force)`;
      await admin.close();
    }
    if (before0033) rmSync(before0033, { recursive: true, force: true });
  });

  it('moves every order start still queued to workflow_starts under its workflow id, input and time unchanged, and drops order_starts', async () => {
    const queued = [
      { orderId: 41, input: { orderId: 41, committedBeforeStart: true, title: 'Logo «Bäckerei» ✓' }, at: '2026-12-06T21:00:00.000Z' },
      { orderId: 42, input: { orderId: 42, committedBeforeStart: true, title: 'Banner' }, at: '2026-12-06T21:00:05.000Z' },
    ];
    // The rows alone: their orders do not matter to the copy (the foreign key is not checked in
    // this session), and a whole order would need its users, offer and category.
    await db.sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      for (const q of queued) await tx`insert into order_starts (order_id, input, created_at) values (${q.orderId}, ${JSON.stringify(q.input)}::jsonb, ${q.at}::timestamptz)`;
    });
    await runMigrations(db);
    const moved = await db.sql<{ workflow_id: string; process: string; input: unknown; at: string }[]>`
      select workflow_id, process, input, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at from workflow_starts order by workflow_id`;
    assert.deepEqual(
      moved.map((row) => ({ ...row })),
      queued.map((q) => ({ workflow_id: orderWorkflowId(q.orderId), process: 'order', input: q.input, at: q.at })),
    );
    const [left] = await db.sql<{ t: string | null }[]>`select to_regclass('public.order_starts')::text as t`;
    assert.equal(left!.t, null, 'order_starts is gone');
  });
});
