/**
 * The withdrawal workflow's one write (`recordWithdrawalEvent`) against a real PostgreSQL:
 * each transition carries its number, so an older write that lands late — an attempt that
 * timed out and finished after its retry — changes nothing, and a closed row stays closed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createWithdrawalActivities, type WithdrawalEventRecord } from '../../activities/withdrawals.js';
import { createUsers } from '../support/ledger.js';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';

describe('writing a withdrawal’s transitions', () => {
  let database: TestDatabase;
  let withdrawalId: number;
  let userId: number;

  before(async () => {
    database = await createTestDatabase(import.meta.filename);
    [userId] = (await createUsers(database.db, 1)) as [number];
    const [row] = await database.db.sql<{ id: string }[]>`
      insert into withdrawals (user_id, method, destination, destination_label, amount, fee, net, status, expected_batch_at)
      values (${userId}, 'paypal', 'payee@example.com', 'payee@example.com', 1000, 30, 970, 'requested', now())
      returning id`;
    withdrawalId = Number(row!.id);
  });
  after(async () => {
    await database?.drop();
  });

  const record = (seq: number, status: WithdrawalEventRecord['status'], statusReason: string | null, closed = false): WithdrawalEventRecord => ({
    withdrawalId,
    userId,
    status,
    statusReason,
    batchId: null,
    providerRef: null,
    at: new Date(Date.UTC(2026, 11, 7, 10, seq)).toISOString(),
    closed,
    effects: { seq, money: null, notice: null },
  });
  const row = async () => (await database.db.sql<{ status: string; status_reason: string | null; seq: number }[]>`select status, status_reason, seq from withdrawals where id = ${withdrawalId}`)[0]!;

  it('keeps the newer transition when an older write lands after it', async () => {
    const { recordWithdrawalEvent } = createWithdrawalActivities({ db: database.db });
    await recordWithdrawalEvent(record(1, 'held', 'checking the account'));
    await recordWithdrawalEvent(record(2, 'requested', null));
    // The first attempt of transition 1 finishing late.
    await recordWithdrawalEvent(record(1, 'held', 'checking the account'));
    assert.deepEqual(await row(), { status: 'requested', status_reason: null, seq: 2 });
  });

  it('never reopens a closed withdrawal', async () => {
    const { recordWithdrawalEvent } = createWithdrawalActivities({ db: database.db });
    await recordWithdrawalEvent(record(3, 'cancelled', 'cancelled by you', true));
    await recordWithdrawalEvent(record(4, 'requested', null));
    assert.deepEqual(await row(), { status: 'cancelled', status_reason: 'cancelled by you', seq: 3 });
  });
});
