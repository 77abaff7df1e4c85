/** What the ledger test files share: users to own accounts, and the ledger's invariants. */
import assert from 'node:assert/strict';
import type { Db } from '../../db/client.js';
import { uniqueId } from './harness.js';

/** `count` new users (there is no registration code yet), by id. */
/** A user named `login` with a confirmed email and no password (tests that never sign in as them). */
export async function insertConfirmedUser(db: Db, login: string): Promise<{ id: number; login: string }> {
  const [row] = await db.sql<{ id: string }[]>`
    insert into users (login, email, email_confirmed_at) values (${login}, ${`${login}@example.com`}, now()) returning id`;
  return { id: Number(row!.id), login };
}

export async function createUsers(db: Db, count: number): Promise<number[]> {
  const rows = Array.from({ length: count }, () => {
    const login = uniqueId('u').replace(/-/g, '_');
    return { login, email: `${login}@example.test`, password_hash: 'not-a-real-hash' };
  });
  const inserted = await db.sql<{ id: string }[]>`insert into users ${db.sql(rows, 'login', 'email', 'password_hash')} returning id`;
  return inserted.map((r) => Number(r.id));
}

/**
 * Asserts what must hold after every ledger operation: every transaction sums to zero, all
 * balances together sum to zero, no user or escrow balance is negative, and every account's
 * balance is the sum of its postings.
 */
export async function assertLedgerConsistent(db: Db): Promise<void> {
  const [row] = await db.sql<{ unbalanced: string[]; total: string; negative: string[]; drifted: string[] }[]>`
    select
      (select coalesce(array_agg(transaction_id::text), '{}') from
        (select transaction_id from ledger_postings group by transaction_id having sum(amount) <> 0) t) as unbalanced,
      (select coalesce(sum(balance), 0) from ledger_accounts) as total,
      (select coalesce(array_agg(key), '{}') from ledger_accounts where kind in ('main', 'bonus', 'escrow') and balance < 0) as negative,
      (select coalesce(array_agg(a.key), '{}') from ledger_accounts a
        left join (select account_id, sum(amount) as sum from ledger_postings group by account_id) p on p.account_id = a.id
        where a.balance <> coalesce(p.sum, 0)) as drifted`;
  assert.deepEqual(row!.unbalanced, [], 'transactions whose postings do not sum to zero');
  assert.equal(Number(row!.total), 0, 'the sum of all account balances');
  assert.deepEqual(row!.negative, [], 'user or escrow accounts below zero');
  assert.deepEqual(row!.drifted, [], 'accounts whose balance is not the sum of their postings');
}
