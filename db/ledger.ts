/**
 * The double-entry money ledger: the only code that writes `ledger_accounts`,
 * `ledger_transactions` and `ledger_postings`. Every operation is one business event with an
 * idempotency key derived from it (`topup:<id>`, `order:<id>:hold`…), runs in one database
 * transaction, and moves integer cents (USD) between accounts so that its postings sum to zero.
 *
 * How an operation runs, and why in this order:
 * 1. `begin`, then check and *claim* the key in one statement: insert the transaction row
 *    `on conflict (idempotency_key) do nothing`. No row back means the key was posted before;
 *    the call returns that first result as replayed. A concurrent call with the same key
 *    blocks on the unique index until the first commits (then it replays) or rolls back (then
 *    it proceeds). Claiming before anything else matters: a duplicate that waited on account
 *    locks instead would read the balances the first call left and could fail with
 *    insufficient funds for an event that in fact succeeded.
 * 2. Create missing accounts (in key order), then lock every account the operation touches
 *    with `select … for update` in ascending id order, so concurrent operations over the same
 *    accounts serialise and never deadlock. The two statements go in one round trip (see
 *    `lockAccounts`); an operation that knows its accounts before the claim (a hold) sends
 *    them in the claim's round trip too, behind the claim (see `Pipelined`).
 * 3. Compute the postings from the locked balances. A shortfall throws
 *    {@link InsufficientFundsError} before any posting or balance is written, and the rollback
 *    takes the claim and any new account with it.
 * 4. Write the postings, the balances and the metadata in one statement. At commit the
 *    deferred trigger checks that the transaction balances, and the CHECK on accounts that no
 *    user or escrow balance is negative. Both are backstops: the arithmetic here never trips them.
 *
 * `postIn` does steps 1 and 4 around an operation's plan, which does 2 (`lockAccounts`) and 3;
 * `post` runs it in a transaction of its own, `holdIn` in the caller's.
 *
 * An operation that has nothing to move (a refund of an empty escrow, a release for an order
 * that was never held) still records its transaction row, with no postings: the key is
 * consumed, so a retry or a late duplicate replays "nothing moved" rather than moving money
 * that has since arrived for another reason. Its result has `postings: []`.
 */
import type postgres from 'postgres';
import type { Db } from './client.js';
import { AppError } from '../workflows/lib/errors.js';
import { commissionOf, isCents, splitCommission, type Cents } from '../workflows/lib/money.js';

type Tx = postgres.TransactionSql;

type AccountKind = 'main' | 'bonus' | 'escrow' | 'affiliate_wallet' | 'revenue' | 'gateway' | 'payouts_pending' | 'promo_expense';

/** An id that becomes part of an idempotency key or an account key. */
export type LedgerId = string | number;

/** One leg of a ledger transaction: signed cents on the account named by `accountKey`. */
export interface Posting {
  accountKey: string;
  amount: Cents;
}

/** What every money-moving operation returns, the first time and on every replay. */
export interface LedgerResult {
  transactionId: number;
  idempotencyKey: string;
  /** True when the key had already been posted: this call moved nothing. */
  replayed: boolean;
  /** In the order they were written; empty when the operation had nothing to move. */
  postings: Posting[];
}

/** A posted transaction as stored, for tests and support tools. */
export interface LedgerTransaction {
  transactionId: number;
  idempotencyKey: string;
  kind: string;
  description: string;
  metadata: Record<string, unknown>;
  createdAt: string;
  postings: Posting[];
}

/** A user's money: `escrow` is what they hold in orders as a buyer. */
export interface Balances {
  main: Cents;
  bonus: Cents;
  escrow: Cents;
}

export interface StatementItem {
  postingId: number;
  transactionId: number;
  account: 'main' | 'bonus' | 'escrow';
  amount: Cents;
  /** The account's balance right after this posting. */
  balanceAfter: Cents;
  kind: string;
  description: string;
  idempotencyKey: string;
  createdAt: string;
}

export interface Statement {
  items: StatementItem[];
  /** Pass back as `cursor` for the next (older) page; absent on the last page. */
  nextCursor?: string;
}

/**
 * The payer has less than an operation needs. Thrown before anything is written. An
 * `AppError` with code `insufficient_funds`, so the API answers it as such, with the amounts
 * in its details.
 */
export class InsufficientFundsError extends AppError {
  /** Cents short: `required − available`. */
  readonly missing: Cents;

  constructor(
    readonly required: Cents,
    /** What the operation could draw on: bonus + main for a hold, main for a payout. */
    readonly available: Cents,
  ) {
    // The missing amount lets a client offer an "add funds" step for exactly that much.
    super('insufficient_funds', `insufficient funds: ${required - available} more cents are needed`, {
      requiredCents: required,
      availableCents: available,
      missingCents: required - available,
    });
    this.name = 'InsufficientFundsError';
    this.missing = required - available;
  }
}

const key = {
  main: (userId: number) => `user:${userId}:main`,
  bonus: (userId: number) => `user:${userId}:bonus`,
  /** W-25: the affiliate wallet, apart from the Kwork balances: it is paid out by PayPal only (W-28). */
  affiliate: (userId: number) => `user:${userId}:affiliate`,
  escrow: (orderId: LedgerId) => `order:${orderId}:escrow`,
  jobEscrow: (jobId: LedgerId) => `job:${jobId}:escrow`,
  platform: (kind: 'revenue' | 'gateway' | 'payouts_pending' | 'promo_expense') => `platform:${kind}`,
};

interface AccountSpec {
  key: string;
  kind: AccountKind;
  userId: number | null;
  orderId: string | null;
}

const account = {
  main: (userId: number): AccountSpec => ({ key: key.main(userId), kind: 'main', userId, orderId: null }),
  bonus: (userId: number): AccountSpec => ({ key: key.bonus(userId), kind: 'bonus', userId, orderId: null }),
  affiliate: (userId: number): AccountSpec => ({ key: key.affiliate(userId), kind: 'affiliate_wallet', userId, orderId: null }),
  escrow: (orderId: LedgerId, buyerId: number): AccountSpec => ({
    key: key.escrow(orderId),
    kind: 'escrow',
    userId: buyerId,
    orderId: String(orderId),
  }),
  /** An estimated job's escrow (W-08): the client's money until approval; `order_id` names the job's workflow id. */
  jobEscrow: (jobId: LedgerId, clientId: number): AccountSpec => ({ key: key.jobEscrow(jobId), kind: 'escrow', userId: clientId, orderId: `job-${jobId}` }),
  platform: (kind: 'revenue' | 'gateway' | 'payouts_pending' | 'promo_expense'): AccountSpec => ({
    key: key.platform(kind),
    kind,
    userId: null,
    orderId: null,
  }),
};

/** What an operation decided, from the balances it locked. */
interface Plan {
  postings: Posting[];
  /** Added to the transaction's metadata (e.g. how a hold was funded). */
  metadata?: Record<string, number | string>;
}

/**
 * A plan in two parts, to save a round trip: `read` (statements whose result the plan needs,
 * e.g. the locks of accounts known in advance) goes to the server with the key's claim, in the
 * same round trip, and `plan` decides from its result once the claim succeeded. The server still
 * runs `read` after the claim, so a duplicate still waits on the claim first (see the module
 * comment) and never decides from balances the first call left. But `read` also runs when the
 * key was posted before: it must be harmless then.
 */
interface Pipelined<R> {
  read: (tx: Tx) => Promise<R>;
  plan: (tx: Tx, read: R) => Promise<Plan>;
}

/** Steps 2 and 3 of an operation: a plan, run once the key is claimed, or a pipelined one. */
type Planner<R> = ((tx: Tx) => Promise<Plan>) | Pipelined<R>;

/** An order's hold: its price, from the buyer into the order's escrow. */
export interface HoldInput {
  orderId: LedgerId;
  buyerId: number;
  amount: Cents;
  description?: string;
}

interface TopUpInput {
  topUpId: LedgerId;
  userId: number;
  amount: Cents;
  method: 'card' | 'paypal';
}

interface PromoInput {
  promoCodeId: LedgerId;
  userId: number;
  amount: Cents;
}

interface ReleaseInput {
  orderId: LedgerId;
  sellerId: number;
  commissionBps: number;
}

interface SplitInput {
  orderId: LedgerId;
  sellerId: number;
  sellerAmount: Cents;
  commissionBps: number;
}

interface PayoutHoldInput {
  payoutId: LedgerId;
  userId: number;
  amount: Cents;
  /** What the platform keeps when it is paid out (D-04); the rest goes to the provider. */
  fee?: Cents;
}

interface OperationSpec {
  idempotencyKey: string;
  kind: string;
  description: string;
  metadata: Record<string, number | string>;
}

/** int8 and numeric columns arrive from postgres.js as strings; ids and amounts stay below 2^53. */
function int8(value: string | number | null | undefined): number {
  const n = Number(value ?? 0);
  if (!Number.isSafeInteger(n)) throw new RangeError(`ledger number out of range: ${value}`);
  return n;
}

/** Rejects a bad rate before anything is written (`commissionOf` throws a RangeError for it). */
function assertBps(bps: number): void {
  commissionOf(0, bps);
}

function positiveCents(name: string, value: unknown): Cents {
  if (!isCents(value) || value <= 0) throw new RangeError(`${name} must be a positive integer number of cents: ${value}`);
  return value;
}

function userIdOf(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer user id: ${value}`);
  }
  return value;
}

/** Ids become parts of colon-separated keys: a colon in one could make two events share a key. */
function idPart(name: string, value: unknown): LedgerId {
  if ((typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) || (typeof value === 'string' && /^[\w.-]+$/.test(value))) {
    return value;
  }
  throw new RangeError(`${name} must be a non-negative integer or a string of letters, digits, '_', '.', '-': ${String(value)}`);
}

function encodeCursor(postingId: number): string {
  return Buffer.from(`p${postingId}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^p(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new RangeError('invalid statement cursor');
  return Number(match[1]);
}

/** Sums postings per account (a buyer who is also the seller gets one posting) and drops zeros. */
function netPostings(postings: Posting[]): Posting[] {
  const net = new Map<string, Cents>();
  for (const p of postings) net.set(p.accountKey, (net.get(p.accountKey) ?? 0) + p.amount);
  const result = [...net].filter(([, amount]) => amount !== 0).map(([accountKey, amount]) => ({ accountKey, amount }));
  const total = result.reduce((sum, p) => sum + p.amount, 0);
  if (total !== 0) throw new Error(`ledger bug: postings sum to ${total} cents`);
  return result;
}

/**
 * Creates the accounts that do not exist yet, then locks all of them in ascending id order
 * and returns their balances by key.
 * Inserts go in key order so that two transactions creating the same new accounts wait on
 * each other in one direction only; `where not exists` skips existing keys without spending
 * sequence values.
 * The insert and the lock go to the server together, in one round trip: the client needs
 * nothing from the insert, and the server still runs the lock after it, in the same
 * transaction, so the lock finds the new accounts. (postgres.js sends the queries of one
 * transaction in the order their promises are first awaited, here `Promise.all`'s order, in
 * one socket write when issued in the same tick; a failed insert fails the lock as
 * "transaction aborted", and `Promise.all` rejects with the insert's error.)
 */
async function lockAccounts(tx: Tx, specs: AccountSpec[]): Promise<Map<string, Cents>> {
  const sorted = [...new Map(specs.map((s) => [s.key, s])).values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  const keys = sorted.map((s) => s.key);
  const [, rows] = await Promise.all([
    tx`
      insert into ledger_accounts (key, kind, user_id, order_id)
      select k.key, k.kind, k.user_id, k.order_id
      from unnest(${keys}::text[], ${sorted.map((s) => s.kind)}::text[], ${sorted.map((s) => s.userId)}::int8[], ${sorted.map((s) => s.orderId)}::text[])
        as k(key, kind, user_id, order_id)
      where not exists (select 1 from ledger_accounts a where a.key = k.key)
      on conflict (key) do nothing`,
    tx<{ key: string; balance: string }[]>`
      select key, balance from ledger_accounts where key = any(${keys}::text[]) order by id for update`,
  ]);
  return new Map(rows.map((r) => [r.key, int8(r.balance)]));
}

/**
 * `to_char` format of an ISO 8601 UTC timestamp. The database formats timestamps because
 * drizzle, sharing this postgres.js client, turns off its date parsing: they would otherwise
 * arrive in PostgreSQL's own text form.
 */
const ISO_8601 = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"';

async function readTransaction(sql: postgres.Sql, idempotencyKey: string): Promise<LedgerTransaction | null> {
  const rows = await sql<
    { id: string; idempotency_key: string; kind: string; description: string; metadata: Record<string, unknown>; created_at: string; account_key: string | null; amount: string | null }[]
  >`
    select t.id, t.idempotency_key, t.kind, t.description, t.metadata, to_char(t.created_at at time zone 'UTC', ${ISO_8601}) as created_at, a.key as account_key, p.amount
    from ledger_transactions t
    left join ledger_postings p on p.transaction_id = t.id
    left join ledger_accounts a on a.id = p.account_id
    where t.idempotency_key = ${idempotencyKey}
    order by p.id`;
  const first = rows[0];
  if (!first) return null;
  return {
    transactionId: int8(first.id),
    idempotencyKey: first.idempotency_key,
    kind: first.kind,
    description: first.description,
    metadata: first.metadata,
    createdAt: first.created_at,
    postings: rows.filter((r) => r.account_key !== null).map((r) => ({ accountKey: r.account_key!, amount: int8(r.amount) })),
  };
}

function replayOf(tx: LedgerTransaction): LedgerResult {
  return { transactionId: tx.transactionId, idempotencyKey: tx.idempotencyKey, replayed: true, postings: tx.postings };
}

/** Runs one operation in its own transaction; a key posted before replays its first result. */
async function post<R>(db: Db, op: OperationSpec, plan: Planner<R>): Promise<LedgerResult> {
  const outcome = await db.sql.begin((tx) => postIn(tx, op, plan));
  if (outcome) return { transactionId: outcome.transactionId, idempotencyKey: op.idempotencyKey, replayed: false, postings: outcome.postings };
  // The key was posted before: by an earlier call, or by a concurrent one we waited for.
  return replayOf((await readTransaction(db.sql, op.idempotencyKey))!);
}

/** Claims the key and writes the plan's postings in the caller's transaction; null if the key was posted before. */
async function postIn<R>(tx: Tx, op: OperationSpec, planner: Planner<R>): Promise<{ transactionId: number; postings: Posting[] } | null> {
  // Checks and claims the key in one statement (see the module comment). `execute` queues it
  // at once: a pipelined plan's `read`, an async function called next, queues its statements
  // as it runs, and would go first if the claim waited for `Promise.all` to subscribe to it.
  const claim = tx<{ id: string }[]>`
    insert into ledger_transactions (idempotency_key, kind, description, metadata)
    values (${op.idempotencyKey}, ${op.kind}, ${op.description}, ${JSON.stringify(op.metadata)}::jsonb)
    on conflict (idempotency_key) do nothing
    returning id`.execute();
  const plan = typeof planner === 'function' ? planner : planner.read(tx).then((read) => (t: Tx) => planner.plan(t, read));
  const [[claimed], run] = await Promise.all([claim, plan]);
  if (!claimed) return null;
  const transactionId = int8(claimed.id);
  const decided = await run(tx);
  const postings = netPostings(decided.postings);
  // One statement: the postings in the order given (so a replay lists them the same way),
  // the balances of the accounts the plan locked, and what the plan adds to the metadata.
  await tx`
    with legs as (
      select a.id as account_id, l.amount, l.n
      from unnest(${postings.map((p) => p.accountKey)}::text[], ${postings.map((p) => p.amount)}::int8[]) with ordinality as l(key, amount, n)
      join ledger_accounts a on a.key = l.key
    ), written as (
      insert into ledger_postings (transaction_id, account_id, amount)
      select ${transactionId}, account_id, amount from legs order by n
    ), described as (
      update ledger_transactions set metadata = metadata || ${JSON.stringify(decided.metadata ?? {})}::jsonb where id = ${transactionId}
    )
    update ledger_accounts a set balance = a.balance + legs.amount from legs where a.id = legs.account_id`;
  return { transactionId, postings };
}

/** A top-up's operation and plan (see `topUp`). */
function topUpOf(input: TopUpInput): [OperationSpec, (tx: Tx) => Promise<Plan>] {
  const topUpId = idPart('topUpId', input.topUpId);
  const userId = userIdOf('userId', input.userId);
  const amount = positiveCents('amount', input.amount);
  return [
    { idempotencyKey: `topup:${topUpId}`, kind: 'top_up', description: `Top-up by ${input.method}`, metadata: { topUpId, userId, amount, method: input.method } },
    async (tx) => {
      await lockAccounts(tx, [account.platform('gateway'), account.main(userId)]);
      return { postings: [{ accountKey: key.platform('gateway'), amount: -amount }, { accountKey: key.main(userId), amount }] };
    },
  ];
}

/** A gateway payment into the user's main balance. Key `topup:<topUpId>`. */
async function topUp(db: Db, input: TopUpInput): Promise<LedgerResult> {
  const [op, plan] = topUpOf(input);
  return post(db, op, plan);
}

/**
 * The same, in the caller's transaction (a verified webhook records its event and credits
 * the top-up in one). False when the top-up was credited before.
 */
async function topUpIn(tx: Tx, input: TopUpInput): Promise<boolean> {
  const [op, plan] = topUpOf(input);
  return (await postIn(tx, op, plan)) !== null;
}

/**
 * K-48: staff send a card top-up back to the card that paid it (an early withdrawal): its
 * amount leaves the user's main balance. Key `topup:<topUpId>:refund`.
 * @throws InsufficientFundsError when main < amount (the money was spent); nothing is written.
 */
async function refundTopUp(db: Db, input: { topUpId: LedgerId; userId: number; amount: Cents }): Promise<LedgerResult> {
  const topUpId = idPart('topUpId', input.topUpId);
  const userId = userIdOf('userId', input.userId);
  const amount = positiveCents('amount', input.amount);
  return post(
    db,
    { idempotencyKey: `topup:${topUpId}:refund`, kind: 'top_up_refund', description: `Top-up ${topUpId} refunded to its card`, metadata: { topUpId, userId, amount } },
    async (tx) => {
      const locked = await lockAccounts(tx, [account.platform('gateway'), account.main(userId)]);
      const main = locked.get(key.main(userId))!;
      if (main < amount) throw new InsufficientFundsError(amount, main);
      return { postings: [{ accountKey: key.main(userId), amount: -amount }, { accountKey: key.platform('gateway'), amount }] };
    },
  );
}

/** A promo code's amount into the user's bonus balance. Key `promo:<promoCodeId>:user:<userId>`. */
async function redeemPromo(db: Db, input: PromoInput): Promise<LedgerResult> {
  const promoCodeId = idPart('promoCodeId', input.promoCodeId);
  const userId = userIdOf('userId', input.userId);
  const amount = positiveCents('amount', input.amount);
  return post(
    db,
    { idempotencyKey: `promo:${promoCodeId}:user:${userId}`, kind: 'promo', description: 'Promo code bonus', metadata: { promoCodeId, userId, amount } },
    async (tx) => {
      await lockAccounts(tx, [account.platform('promo_expense'), account.bonus(userId)]);
      return { postings: [{ accountKey: key.platform('promo_expense'), amount: -amount }, { accountKey: key.bonus(userId), amount }] };
    },
  );
}

/** An order's hold: the operation and its plan (see `hold`). */
function holdOf(input: HoldInput): [OperationSpec, Pipelined<Map<string, Cents>>] {
  const orderId = idPart('orderId', input.orderId);
  const buyerId = userIdOf('buyerId', input.buyerId);
  const amount = positiveCents('amount', input.amount);
  return [
    {
      idempotencyKey: `order:${orderId}:hold`,
      kind: 'hold',
      description: input.description ?? `Order ${orderId}: payment held in escrow`,
      metadata: { orderId, buyerId, amount },
    },
    {
      // The accounts are known before the claim: locked in its round trip. A replay (the key
      // posted before, so these accounts exist) ends its transaction at once — `hold` commits,
      // `holdIn` throws — so it holds the locks no longer and decides nothing from them.
      read: (tx) => lockAccounts(tx, [account.main(buyerId), account.bonus(buyerId), account.escrow(orderId, buyerId)]),
      plan: async (_tx, locked) => {
        const bonus = locked.get(key.bonus(buyerId))!;
        const main = locked.get(key.main(buyerId))!;
        if (bonus + main < amount) throw new InsufficientFundsError(amount, bonus + main);
        const fromBonus = Math.min(bonus, amount);
        const fromMain = amount - fromBonus;
        return {
          postings: [
            { accountKey: key.bonus(buyerId), amount: -fromBonus },
            { accountKey: key.main(buyerId), amount: -fromMain },
            { accountKey: key.escrow(orderId), amount },
          ],
          metadata: { fromBonus, fromMain },
        };
      },
    },
  ];
}

/**
 * Moves an order's price from the buyer into the order's escrow. Key `order:<orderId>:hold`.
 * Takes bonus first, then main: bonus is never withdrawable, so spending it first leaves
 * the buyer the most withdrawable money. The split is kept in the metadata (`fromBonus`,
 * `fromMain`) so a refund returns each part where it came from.
 * @throws InsufficientFundsError when bonus + main < amount; nothing is written.
 */
async function hold(db: Db, input: HoldInput): Promise<LedgerResult> {
  const [op, plan] = holdOf(input);
  return post(db, op, plan);
}

/**
 * The same hold, inside the caller's transaction (an order's placement writes its row, its
 * hold and starts its workflow in one): a rollback takes the hold back with the rest.
 * @throws InsufficientFundsError when bonus + main < amount; the caller's transaction must roll back.
 */
async function holdIn(tx: Tx, input: HoldInput): Promise<void> {
  const [op, plan] = holdOf(input);
  if (!(await postIn(tx, op, plan))) throw new Error(`ledger: order ${input.orderId} is already held`);
}

/** The buyer of an order's escrow and how much of its hold came from bonus. */
interface HeldEscrow {
  buyerId: number;
  fromBonus: Cents;
}

/** An order's escrow as its hold left it, or null if never held. */
async function escrowOf(tx: Tx, orderId: LedgerId): Promise<HeldEscrow | null> {
  // Read before the escrow is locked: its owner never changes, nor does the hold's metadata.
  // A plain read, so an escrow's end sends it with the key's claim (a `Pipelined` read).
  const [escrow] = await tx<{ user_id: string; from_bonus: string | null }[]>`
    select a.user_id, t.metadata ->> 'fromBonus' as from_bonus
    from ledger_accounts a
    left join ledger_transactions t on t.idempotency_key = ${`order:${orderId}:hold`}
    where a.key = ${key.escrow(orderId)}`;
  return escrow ? { buyerId: int8(escrow.user_id), fromBonus: int8(escrow.from_bonus) } : null;
}

/**
 * Pays `sellerAmount` of the escrow to the seller (less commission, which goes to revenue)
 * and returns the rest to the buyer. The buyer's share goes back to bonus first, up to what
 * the hold took from bonus: bonus money must never become withdrawable main money by way of
 * an order that did not go through.
 */
async function settleEscrow(
  tx: Tx,
  orderId: LedgerId,
  escrow: HeldEscrow | null,
  seller: { sellerId: number; commissionBps: number; amount: (total: Cents) => Cents; revenuePayees?: readonly number[] } | null,
): Promise<Plan> {
  if (!escrow) {
    // Never held: an empty escrow. A split must still ask for a seller amount within 0…0.
    if (seller) checkSellerAmount(seller.amount(0), 0);
    return { postings: [], metadata: { total: 0 } };
  }
  const { buyerId, fromBonus } = escrow;
  const specs = [account.escrow(orderId, buyerId), account.main(buyerId), account.bonus(buyerId)];
  if (seller) specs.push(account.main(seller.sellerId), account.platform('revenue'), ...(seller.revenuePayees ?? []).map(account.main));
  const locked = await lockAccounts(tx, specs);
  const total = locked.get(key.escrow(orderId))!;
  const sellerAmount = seller ? checkSellerAmount(seller.amount(total), total) : 0;
  const { seller: toSeller, commission } = seller ? splitCommission(sellerAmount, seller.commissionBps) : { seller: 0, commission: 0 };
  const toBuyer = total - sellerAmount;
  const toBonus = Math.min(toBuyer, fromBonus);
  const toMain = toBuyer - toBonus;
  const postings: Posting[] = [
    { accountKey: key.escrow(orderId), amount: -total },
    { accountKey: key.bonus(buyerId), amount: toBonus },
    { accountKey: key.main(buyerId), amount: toMain },
  ];
  if (seller) {
    postings.push({ accountKey: key.main(seller.sellerId), amount: toSeller }, { accountKey: key.platform('revenue'), amount: commission });
  }
  return { postings, metadata: { total, buyerId, sellerAmount, commission, toSeller, toBonus, toMain } };
}

function checkSellerAmount(sellerAmount: Cents, total: Cents): Cents {
  if (!isCents(sellerAmount) || sellerAmount < 0 || sellerAmount > total) {
    throw new RangeError(`sellerAmount must be an integer number of cents within 0…${total}: ${sellerAmount}`);
  }
  return sellerAmount;
}

/**
 * How an order's escrow ends: to the seller, back to the buyer, or divided. `revenuePayees`: the
 * users a later posting of the same transaction pays from platform revenue (K-54's referral
 * commissions); their main accounts are locked now, with the escrow's, in the one order every
 * operation locks in. Locked by that later posting instead, after revenue, an account older than
 * revenue would be locked out of order, and two closings could deadlock.
 */
export type EscrowEnd =
  | { op: 'release'; orderId: LedgerId; sellerId: number; commissionBps: number; revenuePayees?: readonly number[] }
  | { op: 'refund'; orderId: LedgerId }
  | { op: 'split'; orderId: LedgerId; sellerId: number; sellerAmount: Cents; commissionBps: number; revenuePayees?: readonly number[] };

/** The operation and plan of an escrow's end, for `post` or `postIn`: the escrow is read with the claim. */
function escrowEndOf(end: EscrowEnd): [OperationSpec, Pipelined<HeldEscrow | null>] {
  const orderId = idPart('orderId', end.orderId);
  const read = (tx: Tx) => escrowOf(tx, orderId);
  if (end.op === 'refund') {
    return [
      { idempotencyKey: `order:${orderId}:refund`, kind: 'refund', description: `Order ${orderId}: refund to buyer`, metadata: { orderId } },
      { read, plan: (tx, escrow) => settleEscrow(tx, orderId, escrow, null) },
    ];
  }
  const sellerId = userIdOf('sellerId', end.sellerId);
  assertBps(end.commissionBps);
  const { commissionBps } = end;
  const revenuePayees = (end.revenuePayees ?? []).map((id) => userIdOf('revenuePayees', id));
  if (end.op === 'release') {
    return [
      { idempotencyKey: `order:${orderId}:release`, kind: 'release', description: `Order ${orderId}: payment to seller`, metadata: { orderId, sellerId, commissionBps } },
      { read, plan: (tx, escrow) => settleEscrow(tx, orderId, escrow, { sellerId, commissionBps, amount: (total) => total, revenuePayees }) },
    ];
  }
  return [
    { idempotencyKey: `order:${orderId}:split`, kind: 'split', description: `Order ${orderId}: divided between seller and buyer`, metadata: { orderId, sellerId, commissionBps } },
    { read, plan: (tx, escrow) => settleEscrow(tx, orderId, escrow, { sellerId, commissionBps, amount: () => end.sellerAmount, revenuePayees }) },
  ];
}

/**
 * An escrow's end inside the caller's transaction (the order workflow writes it with the
 * order's row, so the two commit or fail together). A key posted before moves nothing again.
 * @throws RangeError when a split's seller amount is outside 0…escrow; the caller's transaction must roll back.
 */
async function settleIn(tx: Tx, end: EscrowEnd): Promise<void> {
  const [op, plan] = escrowEndOf(end);
  await postIn(tx, op, plan);
}

/**
 * Pays the whole escrow to the seller, less `commissionBps` of it to platform revenue
 * (rounded by `splitCommission`). Key `order:<orderId>:release`.
 */
async function release(db: Db, input: ReleaseInput): Promise<LedgerResult> {
  const [op, plan] = escrowEndOf({ op: 'release', ...input });
  return post(db, op, plan);
}

/**
 * Returns the whole escrow to the buyer: bonus first, up to what the hold took from bonus,
 * the rest to main. Key `order:<orderId>:refund`.
 */
async function refund(db: Db, input: { orderId: LedgerId }): Promise<LedgerResult> {
  const [op, plan] = escrowEndOf({ op: 'refund', ...input });
  return post(db, op, plan);
}

/**
 * Divides the escrow: `sellerAmount` (0 ≤ sellerAmount ≤ escrow) to the seller less
 * commission on it, the rest back to the buyer as a refund does. Key `order:<orderId>:split`.
 * @throws RangeError when sellerAmount is outside 0…escrow; nothing is written.
 */
async function split(db: Db, input: SplitInput): Promise<LedgerResult> {
  const [op, plan] = escrowEndOf({ op: 'split', ...input });
  return post(db, op, plan);
}

/** An estimated job's payment (W-07, W-08): the price of one estimate (0: the install's fixed price). */
export interface JobHoldInput {
  jobId: LedgerId;
  estimateNumber: number;
  clientId: number;
  amount: Cents;
  description?: string;
}

/**
 * W-08: moves a job's price from the client's MAIN balance into the job's escrow
 * (`job:<jobId>:escrow`). Key `job:<jobId>:hold:<estimateNumber>`: paying the same estimate twice
 * moves nothing twice. Bonus money (K-54's, the $10 marketplace's) does not pay jobs.
 * @throws InsufficientFundsError when main < amount (its details name the missing cents); nothing is written.
 */
async function jobHold(db: Db, input: JobHoldInput): Promise<LedgerResult> {
  const jobId = idPart('jobId', input.jobId);
  const estimateNumber = idPart('estimateNumber', input.estimateNumber);
  const clientId = userIdOf('clientId', input.clientId);
  const amount = positiveCents('amount', input.amount);
  return post(
    db,
    {
      idempotencyKey: `job:${jobId}:hold:${estimateNumber}`,
      kind: 'job_hold',
      description: input.description ?? `Job ${jobId}: payment held in escrow`,
      metadata: { jobId, estimateNumber, clientId, amount },
    },
    async (tx) => {
      const locked = await lockAccounts(tx, [account.main(clientId), account.jobEscrow(jobId, clientId)]);
      const main = locked.get(key.main(clientId))!;
      if (main < amount) throw new InsufficientFundsError(amount, main);
      return { postings: [{ accountKey: key.main(clientId), amount: -amount }, { accountKey: key.jobEscrow(jobId), amount }] };
    },
  );
}

/**
 * How a job's escrow ends (W-11, W-12), each once under its own key (`job:<jobId>:release`,
 * `…:refund`, `…:split`); the job's workflow decides exactly one of them:
 * - `release`: all to the expert, less `commissionBps` to platform revenue (approval, or a
 *   cancellation decided with no refund);
 * - `refund`: all back to the client's main balance;
 * - `split`: `refundCents` back to the client, the rest to the expert less commission on it.
 */
export type JobEscrowEnd =
  | { op: 'release'; jobId: LedgerId; expertId: number; commissionBps: number }
  | { op: 'refund'; jobId: LedgerId }
  | { op: 'split'; jobId: LedgerId; expertId: number; refundCents: Cents; commissionBps: number };

/**
 * A job's escrow end inside the caller's transaction (the job's write, with its row, the invoice
 * and the affiliate commission). An escrow never funded, or emptied already, moves nothing.
 * @throws RangeError when a split's refund is outside 0…escrow; the caller's transaction must roll back.
 */
async function jobSettleIn(tx: Tx, end: JobEscrowEnd): Promise<void> {
  const jobId = idPart('jobId', end.jobId);
  const expertId = end.op === 'refund' ? null : userIdOf('expertId', end.expertId);
  const commissionBps = end.op === 'refund' ? 0 : end.commissionBps;
  assertBps(commissionBps);
  const op: OperationSpec = {
    idempotencyKey: `job:${jobId}:${end.op}`,
    kind: `job_${end.op}`,
    description: end.op === 'release' ? `Job ${jobId}: payment to the expert` : end.op === 'refund' ? `Job ${jobId}: refund to the client` : `Job ${jobId}: divided between the expert and the client`,
    metadata: { jobId, ...(expertId === null ? {} : { expertId, commissionBps }) },
  };
  await postIn(tx, op, async (t): Promise<Plan> => {
    const [escrow] = await t<{ user_id: string }[]>`select user_id from ledger_accounts where key = ${key.jobEscrow(jobId)}`;
    if (!escrow) return { postings: [], metadata: { total: 0 } };
    const clientId = int8(escrow.user_id);
    const specs = [account.jobEscrow(jobId, clientId), account.main(clientId)];
    if (expertId !== null) specs.push(account.main(expertId), account.platform('revenue'));
    const locked = await lockAccounts(t, specs);
    const total = locked.get(key.jobEscrow(jobId))!;
    const toClient = end.op === 'refund' ? total : end.op === 'release' ? 0 : end.refundCents;
    if (!isCents(toClient) || toClient < 0 || toClient > total) throw new RangeError(`refundCents must be whole cents within 0…${total}: ${toClient}`);
    const { seller: toExpert, commission } = splitCommission(total - toClient, commissionBps);
    const postings: Posting[] = [
      { accountKey: key.jobEscrow(jobId), amount: -total },
      { accountKey: key.main(clientId), amount: toClient },
    ];
    if (expertId !== null) postings.push({ accountKey: key.main(expertId), amount: toExpert }, { accountKey: key.platform('revenue'), amount: commission });
    return { postings, metadata: { total, clientId, toClient, toExpert, commission } };
  });
}

/** A referral commission (K-54): `amount` from platform revenue to the referrer's main balance. */
export interface ReferralCommissionInput {
  orderId: LedgerId;
  /** The role the referral played in the order: one commission per order and role. */
  role: 'buyer' | 'seller';
  referrerId: number;
  amount: Cents;
  description: string;
}

/**
 * D-08: how much of an order's escrow came from the buyer's main balance, read from the
 * order's own hold postings (the hold takes bonus first, then main); 0 for an order never held.
 */
export async function heldFromMainIn(tx: Tx, orderId: LedgerId): Promise<Cents> {
  const id = idPart('orderId', orderId);
  const [row] = await tx<{ from_main: string | null }[]>`
    select -sum(p.amount) as from_main
    from ledger_transactions t
    join ledger_postings p on p.transaction_id = t.id
    join ledger_accounts a on a.id = p.account_id
    where t.idempotency_key = ${`order:${id}:hold`} and a.kind = 'main'`;
  return int8(row?.from_main);
}

/**
 * Pays a referral commission in the caller's transaction (the order's closing write). Key
 * `referral:<orderId>:<role>`: a retry moves nothing again. True when this call posted it.
 * The platform pays it from its revenue, which took the order's commission in the same
 * transaction. A referrer's blocked account still receives it: the money stays theirs.
 */
export async function referralCommissionIn(tx: Tx, input: ReferralCommissionInput): Promise<boolean> {
  const orderId = idPart('orderId', input.orderId);
  const referrerId = userIdOf('referrerId', input.referrerId);
  const amount = positiveCents('amount', input.amount);
  const op: OperationSpec = {
    idempotencyKey: `referral:${orderId}:${input.role}`,
    kind: 'referral_commission',
    description: input.description,
    metadata: { orderId, role: input.role, referrerId, amount },
  };
  return payFromRevenueIn(tx, op, account.main(referrerId), amount);
}

/**
 * A commission the platform pays out of its revenue (K-54's referrals, W-25's affiliates) into
 * `to`, in the caller's transaction, once under `op`'s key. True when this call posted it.
 */
async function payFromRevenueIn(tx: Tx, op: OperationSpec, to: AccountSpec, amount: Cents): Promise<boolean> {
  const posted = await postIn(tx, op, async (t) => {
    await lockAccounts(t, [account.platform('revenue'), to]);
    return { postings: [{ accountKey: key.platform('revenue'), amount: -amount }, { accountKey: to.key, amount }] };
  });
  return posted !== null;
}

/** W-25: an approved job's affiliate commission, from platform revenue into the affiliate's wallet. */
export interface AffiliateCommissionInput {
  jobId: LedgerId;
  affiliateId: number;
  amount: Cents;
  description: string;
}

/**
 * W-24…W-26: pays an approved job's affiliate commission in the caller's transaction (the job's
 * approval). Key `affiliate:job-<jobId>:commission`: posted once whatever retries. The platform
 * pays it from its revenue, as it pays referral commissions. True when this call posted it.
 */
export async function affiliateCommissionIn(tx: Tx, input: AffiliateCommissionInput): Promise<boolean> {
  const jobId = idPart('jobId', input.jobId);
  const affiliateId = userIdOf('affiliateId', input.affiliateId);
  const amount = positiveCents('amount', input.amount);
  const op: OperationSpec = {
    idempotencyKey: `affiliate:job-${jobId}:commission`,
    kind: 'affiliate_commission',
    description: input.description,
    metadata: { jobId, affiliateId, amount },
  };
  return payFromRevenueIn(tx, op, account.affiliate(affiliateId), amount);
}

/**
 * Whose payout a hold, settle or revert is: a Kwork withdrawal (`payout:<id>:…`, from and back to
 * the main balance) or an affiliate wallet's (`affiliate-payout:<id>:…`, W-28). Both pass
 * through `platform:payouts_pending` on their way to the gateway.
 */
interface PayoutFamily {
  prefix: 'payout' | 'affiliate-payout';
  kindPrefix: 'payout' | 'affiliate_payout';
  noun: string;
  returnsTo: string;
  account: (userId: number) => AccountSpec;
}

const KWORK_PAYOUT: PayoutFamily = { prefix: 'payout', kindPrefix: 'payout', noun: 'Withdrawal', returnsTo: 'balance', account: account.main };
const AFFILIATE_PAYOUT: PayoutFamily = { prefix: 'affiliate-payout', kindPrefix: 'affiliate_payout', noun: 'Affiliate payout', returnsTo: 'the affiliate wallet', account: account.affiliate };

/**
 * W-28: locks an affiliate's wallet (created empty if missing) and `payouts_pending`, as
 * `lockForPayout` does a main balance, and answers the wallet's balance: a withdrawal decides its
 * amount under this lock, so two cannot spend the same money.
 */
export async function lockAffiliateWalletIn(tx: Tx, userId: number): Promise<Cents> {
  return lockForPayout(tx, userId, AFFILIATE_PAYOUT);
}

/**
 * W-28: sets an affiliate withdrawal's amount aside from the wallet at once, in the caller's
 * transaction (the withdrawal's row is written with it). Key `affiliate-payout:<id>:hold`; no
 * fee (D-04). The monthly run settles or reverts it (`createLedger().affiliatePayoutSettle|Revert`).
 * @throws InsufficientFundsError when the wallet holds less; the caller's transaction must roll back.
 */
export async function affiliatePayoutHoldIn(tx: Tx, input: { payoutId: LedgerId; userId: number; amount: Cents }): Promise<void> {
  return payoutHoldIn(tx, input, AFFILIATE_PAYOUT);
}

/** A withdrawal's hold: the operation and its plan (see `payoutHold`). */
function payoutHoldOf(input: PayoutHoldInput, family: PayoutFamily = KWORK_PAYOUT): [OperationSpec, (tx: Tx) => Promise<Plan>] {
  const payoutId = idPart('payoutId', input.payoutId);
  const userId = userIdOf('userId', input.userId);
  const amount = positiveCents('amount', input.amount);
  const fee = input.fee ?? 0;
  if (!isCents(fee) || fee >= amount) throw new RangeError(`fee: must be integer cents below the amount, got ${fee}`);
  const from = family.account(userId);
  return [
    { idempotencyKey: `${family.prefix}:${payoutId}:hold`, kind: `${family.kindPrefix}_hold`, description: `${family.noun} ${payoutId}`, metadata: { payoutId, userId, amount, fee } },
    async (tx) => {
      const locked = await lockAccounts(tx, [from, account.platform('payouts_pending')]);
      const balance = locked.get(from.key)!;
      if (balance < amount) throw new InsufficientFundsError(amount, balance);
      return { postings: [{ accountKey: from.key, amount: -amount }, { accountKey: key.platform('payouts_pending'), amount }] };
    },
  ];
}

/**
 * Sets a withdrawal's amount aside from the user's main balance. Key `payout:<payoutId>:hold`.
 * The fee (D-04) is recorded with it: the settle takes it to platform revenue.
 * @throws InsufficientFundsError when main < amount; nothing is written.
 */
async function payoutHold(db: Db, input: PayoutHoldInput): Promise<LedgerResult> {
  const [op, plan] = payoutHoldOf(input);
  return post(db, op, plan);
}

/**
 * The same hold in the caller's transaction (a withdrawal's request writes its row, its hold
 * and starts its workflow in one). The caller checks what is withdrawable first (K-48, K-49,
 * D-09, D-10) under the lock of the user's main account.
 */
async function payoutHoldIn(tx: Tx, input: PayoutHoldInput, family: PayoutFamily = KWORK_PAYOUT): Promise<void> {
  const [op, plan] = payoutHoldOf(input, family);
  if (!(await postIn(tx, op, plan))) throw new Error(`ledger: ${family.noun.toLowerCase()} ${input.payoutId} is already held`);
}

/**
 * Locks what a withdrawal's hold will touch — the user's main account (created empty if
 * missing) and `payouts_pending` — in the one order every operation locks in, and answers the
 * main balance: a withdrawal's request holds them while it decides what is withdrawable, so an
 * order's hold or another withdrawal of the same user waits, and no settle or revert (which
 * lock the same two) can deadlock with it.
 */
async function lockForPayout(tx: Tx, userId: number, family: PayoutFamily = KWORK_PAYOUT): Promise<Cents> {
  const from = family.account(userIdOf('userId', userId));
  const locked = await lockAccounts(tx, [from, account.platform('payouts_pending')]);
  return locked.get(from.key)!;
}

/**
 * What a payout still has pending: its hold, less what a settle or revert already moved.
 * Locks the hold's transaction row first so that a settle and a revert of one payout
 * serialise and only one of them moves the money.
 */
async function pendingPayout(tx: Tx, payoutId: LedgerId, family: PayoutFamily = KWORK_PAYOUT): Promise<{ userId: number; amount: Cents; fee: Cents } | null> {
  const prefix = family.prefix;
  const [hold] = await tx<{ user_id: string; amount: string; fee: string | null }[]>`
    select metadata ->> 'userId' as user_id, metadata ->> 'amount' as amount, metadata ->> 'fee' as fee
    from ledger_transactions where idempotency_key = ${`${prefix}:${payoutId}:hold`} for update`;
  if (!hold) return null;
  // A second statement, so that it reads after the lock: one statement's snapshot is taken
  // before it waits, and would miss a settle or revert that committed meanwhile.
  const [closed] = await tx<{ moved: string }[]>`
    select coalesce(sum((metadata ->> 'amount')::int8), 0) as moved from ledger_transactions
    where idempotency_key in (${`${prefix}:${payoutId}:settle`}, ${`${prefix}:${payoutId}:revert`})`;
  return { userId: int8(hold.user_id), amount: int8(hold.amount) - int8(closed?.moved), fee: int8(hold.fee) };
}

/**
 * Moves what a payout still has pending to the gateway less its fee, which goes to platform
 * revenue (settle), or all of it back to the user's main (revert).
 */
async function closePayout(db: Db, payoutId: LedgerId, to: 'gateway' | 'user', family: PayoutFamily = KWORK_PAYOUT): Promise<LedgerResult> {
  idPart('payoutId', payoutId);
  const verb = to === 'gateway' ? 'settle' : 'revert';
  return post(
    db,
    {
      idempotencyKey: `${family.prefix}:${payoutId}:${verb}`,
      kind: `${family.kindPrefix}_${verb}`,
      description: to === 'gateway' ? `${family.noun} ${payoutId} paid out` : `${family.noun} ${payoutId} returned to ${family.returnsTo}`,
      metadata: { payoutId },
    },
    async (tx): Promise<Plan> => {
      const pending = await pendingPayout(tx, payoutId, family);
      if (!pending || pending.amount === 0) return { postings: [], metadata: { amount: 0 } };
      if (to === 'user') {
        const back = family.account(pending.userId);
        await lockAccounts(tx, [account.platform('payouts_pending'), back]);
        return {
          postings: [
            { accountKey: key.platform('payouts_pending'), amount: -pending.amount },
            { accountKey: back.key, amount: pending.amount },
          ],
          metadata: { amount: pending.amount },
        };
      }
      const fee = Math.min(pending.fee, pending.amount);
      await lockAccounts(tx, [account.platform('payouts_pending'), account.platform('gateway'), account.platform('revenue')]);
      return {
        postings: [
          { accountKey: key.platform('payouts_pending'), amount: -pending.amount },
          { accountKey: key.platform('gateway'), amount: pending.amount - fee },
          { accountKey: key.platform('revenue'), amount: fee },
        ],
        metadata: { amount: pending.amount, fee },
      };
    },
  );
}

/** A user's main, bonus and escrow (money held in their orders as buyer) balances. */
async function balances(db: Db, userId: number): Promise<Balances> {
  const rows = await db.sql<{ kind: 'main' | 'bonus' | 'escrow'; balance: string }[]>`
    select kind, sum(balance) as balance from ledger_accounts
    where user_id = ${userIdOf('userId', userId)} and kind in ('main', 'bonus', 'escrow')
    group by kind`;
  const result: Balances = { main: 0, bonus: 0, escrow: 0 };
  for (const row of rows) result[row.kind] = int8(row.balance);
  return result;
}

/**
 * A user's postings (main, bonus, and the escrows of their orders as buyer), newest first,
 * `limit` at a time; pass `nextCursor` back as `cursor` for the next page. Newest means
 * highest posting id: within one account that is commit order (postings are written under
 * the account's lock); across a user's accounts a posting can commit just after a younger
 * one, and a page already read would not show it.
 * @throws RangeError for a cursor this function did not hand out, or a limit below 1.
 */
async function statement(db: Db, userId: number, page: { cursor?: string; limit: number }): Promise<Statement> {
  if (!Number.isSafeInteger(page.limit) || page.limit < 1) throw new RangeError(`limit must be a positive integer: ${page.limit}`);
  const before = page.cursor === undefined ? null : decodeCursor(page.cursor);
  // One statement, one snapshot: the balance now, less the account's later postings, is
  // the balance right after each posting.
  const rows = await db.sql<
    { id: string; transaction_id: string; account: StatementItem['account']; amount: string; balance_after: string; kind: string; description: string; idempotency_key: string; created_at: string }[]
  >`
    select p.id, p.transaction_id, a.kind as account, p.amount,
      a.balance - coalesce((select sum(later.amount) from ledger_postings later where later.account_id = p.account_id and later.id > p.id), 0) as balance_after,
      t.kind, t.description, t.idempotency_key, to_char(p.created_at at time zone 'UTC', ${ISO_8601}) as created_at
    from ledger_accounts a
    join ledger_postings p on p.account_id = a.id
    join ledger_transactions t on t.id = p.transaction_id
    where a.user_id = ${userIdOf('userId', userId)} and a.kind in ('main', 'bonus', 'escrow')
      and (${before}::int8 is null or p.id < ${before}::int8)
    order by p.id desc
    limit ${page.limit + 1}`;
  const items = rows.slice(0, page.limit).map(
    (r): StatementItem => ({
      postingId: int8(r.id),
      transactionId: int8(r.transaction_id),
      account: r.account,
      amount: int8(r.amount),
      balanceAfter: int8(r.balance_after),
      kind: r.kind,
      description: r.description,
      idempotencyKey: r.idempotency_key,
      createdAt: r.created_at,
    }),
  );
  const last = items.at(-1);
  return rows.length > page.limit && last ? { items, nextCursor: encodeCursor(last.postingId) } : { items };
}

/** One account's balance by key (`user:7:main`, `platform:revenue`…); 0 if it does not exist. */
async function accountBalance(db: Db, accountKey: string): Promise<Cents> {
  const [row] = await db.sql<{ balance: string }[]>`select balance from ledger_accounts where key = ${accountKey}`;
  return int8(row?.balance);
}

/**
 * The ledger over one database. Every money-moving function is idempotent on its key: the
 * first call posts and returns the result; every later call with the same key (whatever its
 * other arguments) returns that first result with `replayed: true` and moves nothing.
 * Invalid arguments throw `RangeError`.
 */
export function createLedger(db: Db) {
  return {
    topUp: (input: TopUpInput) => topUp(db, input),
    topUpIn,
    refundTopUp: (input: { topUpId: LedgerId; userId: number; amount: Cents }) => refundTopUp(db, input),
    redeemPromo: (input: PromoInput) => redeemPromo(db, input),
    hold: (input: HoldInput) => hold(db, input),
    holdIn,
    settleIn,
    release: (input: ReleaseInput) => release(db, input),
    refund: (input: { orderId: LedgerId }) => refund(db, input),
    split: (input: SplitInput) => split(db, input),
    jobHold: (input: JobHoldInput) => jobHold(db, input),
    jobSettleIn,
    payoutHold: (input: PayoutHoldInput) => payoutHold(db, input),
    payoutHoldIn,
    lockForPayout,
    /**
     * The gateway paid a withdrawal out: its held amount leaves the platform. Key
     * `payout:<payoutId>:settle`. Moves nothing if the payout was never held or already reverted.
     */
    payoutSettle: (input: { payoutId: LedgerId }) => closePayout(db, input.payoutId, 'gateway'),
    /**
     * A withdrawal failed or was cancelled: its held amount returns to the user's main
     * balance. Key `payout:<payoutId>:revert`. Moves nothing if never held or already settled.
     */
    payoutRevert: (input: { payoutId: LedgerId }) => closePayout(db, input.payoutId, 'user'),
    /** W-28: PayPal paid an affiliate payout: its held amount leaves the platform. Key `affiliate-payout:<id>:settle`. */
    affiliatePayoutSettle: (input: { payoutId: LedgerId }) => closePayout(db, input.payoutId, 'gateway', AFFILIATE_PAYOUT),
    /** W-28: an affiliate payout failed: its held amount returns to the wallet. Key `affiliate-payout:<id>:revert`. */
    affiliatePayoutRevert: (input: { payoutId: LedgerId }) => closePayout(db, input.payoutId, 'user', AFFILIATE_PAYOUT),
    balances: (userId: number) => balances(db, userId),
    statement: (userId: number, page: { cursor?: string; limit: number }) => statement(db, userId, page),
    accountBalance: (accountKey: string) => accountBalance(db, accountKey),
    /** The transaction posted under an idempotency key, or null. */
    transactionByKey: (idempotencyKey: string) => readTransaction(db.sql, idempotencyKey),
  };
}

export type Ledger = ReturnType<typeof createLedger>;
