/**
 * `loadOrder`, the order workflow's first step, against a real PostgreSQL: it waits for the
 * placement's transaction to end, then sees what that transaction did — the row if it
 * committed, none if it rolled back (the workflow then ends as void, touching no money). Only
 * workflows a placement started inside its transaction run it (before issue 19 §3: their input
 * has no `committedBeforeStart`), and they still may while such orders run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOrderActivities } from '../../activities/orders.js';
import { placementLock } from '../../db/locks.js';
import { pollUntil } from '../../scripts/poll.js';
import { insertOffer } from '../support/catalog.js';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';

describe('an order’s workflow loading its row while the placement is still open', () => {
  let database: TestDatabase;
  let parties: { buyerId: number; sellerId: number; offerId: number };
  let nextId = 900_000;

  before(async () => {
    database = await createTestDatabase(import.meta.filename);
    const user = async (login: string) =>
      Number((await database.db.sql<{ id: string }[]>`insert into users (login, email) values (${login}, ${`${login}@example.com`}) returning id`)[0]!.id);
    const [buyerId, sellerId] = [await user('lock_buyer'), await user('lock_seller')];
    parties = { buyerId, sellerId, offerId: await insertOffer(database.db, sellerId) };
  });
  after(async () => {
    await database?.drop();
  });

  /** What a placement holds: the order's lock (and, when asked, its row) in a transaction it has not ended. */
  async function openPlacement(withRow: boolean): Promise<{ orderId: number; end(commit: boolean): Promise<void> }> {
    const orderId = ++nextId;
    const connection = await database.db.sql.reserve();
    await connection`begin`;
    await placementLock(connection, orderId, false);
    if (withRow) {
      const at = new Date().toISOString();
      await connection`
        insert into orders (id, buyer_id, seller_id, offer_id, request_key, title, total_cents, seller_earnings_cents, commission_cents,
          status, view, policy_version, created_at, updated_at)
        values (${orderId}, ${parties.buyerId}, ${parties.sellerId}, ${parties.offerId}, ${`lock-${orderId}`}, 'Logo', 1000, 800, 200,
          'awaiting_start', '{}'::jsonb, 2, ${at}::timestamptz, ${at}::timestamptz)`;
    }
    return {
      orderId,
      async end(commit) {
        await connection.unsafe(commit ? 'commit' : 'rollback');
        connection.release();
      },
    };
  }

  /** Starts `loadOrder` and resolves once it is waiting on the placement's lock (wrapped: an async function would adopt the promise). */
  async function loadWhileOpen(orderId: number): Promise<{ loading: Promise<{ exists: boolean }> }> {
    const loading = createOrderActivities({ db: database.db }).loadOrder({ orderId });
    await pollUntil(
      async () => {
        const [row] = await database.db.sql<{ waiting: number }[]>`
          select count(*)::int as waiting from pg_locks
          where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`;
        return row!.waiting > 0;
      },
      { timeoutMs: 10_000, intervalMs: 20, what: 'loadOrder waiting on the placement’s lock' },
    );
    return { loading };
  }

  it('sees the row once the placement commits', async () => {
    const placement = await openPlacement(true);
    const { loading } = await loadWhileOpen(placement.orderId);
    await placement.end(true);
    assert.deepEqual(await loading, { exists: true });
  });

  it('sees no row once the placement rolls back', async () => {
    const placement = await openPlacement(true);
    const { loading } = await loadWhileOpen(placement.orderId);
    await placement.end(false);
    assert.deepEqual(await loading, { exists: false });
  });

  it('answers at once when no placement holds the lock', async () => {
    const placement = await openPlacement(true);
    await placement.end(true);
    assert.deepEqual(await createOrderActivities({ db: database.db }).loadOrder({ orderId: placement.orderId }), { exists: true });
    assert.deepEqual(await createOrderActivities({ db: database.db }).loadOrder({ orderId: ++nextId }), { exists: false });
  });
});
