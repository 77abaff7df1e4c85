/**
 * The database fingerprint that the bad-input tests (the API fuzz, the web client's forms) rest
 * "changes nothing" on (`test/support/fingerprint.ts`): it must see every kind of write to any
 * table, and nothing else — or those tests could pass with a refused request that wrote.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { changedTables, fingerprinter, type Fingerprint } from '../support/fingerprint.js';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';
import { createUsers } from '../support/ledger.js';

describe('the database fingerprint', () => {
  let database: TestDatabase;
  let fingerprint: () => Promise<Fingerprint>;
  let userId: number;

  before(async () => {
    database = await createTestDatabase(import.meta.filename);
    userId = (await createUsers(database.db, 1))[0]!;
    await database.db.sql`insert into seller_stats (user_id) values (${userId})`;
    // A table of the test's own besides the migrations': the catalog is read at the first call.
    await database.db.sql`create table scratch_rows (id int primary key, body text)`;
    fingerprint = fingerprinter(database.db, ['sign_in_failures']);
    await fingerprint();
  });
  after(() => database?.drop());

  /** The tables `write` changed, as the fingerprint sees them. */
  async function changedBy(write: () => Promise<unknown>): Promise<string[]> {
    const before = await fingerprint();
    await write();
    return changedTables(before, await fingerprint());
  }

  it('sees a row inserted, updated, deleted, and a table truncated, on any table of the schema', async () => {
    const sql = database.db.sql;
    assert.deepEqual(await changedBy(() => sql`insert into scratch_rows values (1, 'a')`), ['scratch_rows']);
    assert.deepEqual(await changedBy(() => sql`update scratch_rows set body = 'b' where id = 1`), ['scratch_rows']);
    assert.deepEqual(await changedBy(() => sql`delete from scratch_rows where id = 1`), ['scratch_rows']);
    assert.deepEqual(await changedBy(() => sql`truncate scratch_rows`), ['scratch_rows']);
    assert.deepEqual(await changedBy(() => sql`update users set email = ${'renamed@example.test'} where id = ${userId}`), ['users']);
    assert.deepEqual(await changedBy(() => sql`update seller_stats set completed_orders = 1, last_active_at = now() where user_id = ${userId}`), ['seller_stats']);
    assert.deepEqual(
      await changedBy(() => sql.begin(async (tx) => {
        await tx`insert into scratch_rows values (2, 'c')`;
        await tx`update users set login = login || 'x' where id = ${userId}`;
      })),
      ['scratch_rows', 'users'],
    );
  });

  it('sees nothing where no row changed: a write rolled back, an update to the same values or to the activity time only, a table left out', async () => {
    const sql = database.db.sql;
    assert.deepEqual(
      await changedBy(() => sql.begin(async (tx) => {
        await tx`insert into scratch_rows values (3, 'd')`;
        throw new Error('rolled back');
      }).catch(() => undefined)),
      [],
    );
    assert.deepEqual(await changedBy(() => sql`update scratch_rows set body = body`), []);
    assert.deepEqual(await changedBy(() => sql`update seller_stats set last_active_at = now() where user_id = ${userId}`), []);
    assert.deepEqual(await changedBy(() => sql`insert into sign_in_failures (key, failures, last_failure_at) values ('login:someone', 1, now())`), []);
    assert.deepEqual(await changedBy(() => sql`select count(*) from users`), []);
  });
});
