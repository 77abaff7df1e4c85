/**
 * The ledger's rules under random sequences of operations, from the run's seed (issue 12):
 * after every step each transaction balances, no user or escrow balance is negative, every
 * account agrees with a plain model (bonus spent first, only main paid out: K-49), and a
 * replayed key returns its first result. `GIGFLOW_SEED=<n> npm test -- <this file>` runs it
 * from another seed; a failure prints the command that replays it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createLedger, InsufficientFundsError, type Ledger, type LedgerResult } from '../../db/ledger.js';
import { splitCommission } from '../../workflows/lib/money.js';
import { createTestDatabase, uniqueId, type TestDatabase } from '../support/harness.js';
import { assertLedgerConsistent, createUsers } from '../support/ledger.js';
import { checkProperty, seed } from '../support/seed.js';

const RUNS = 40;
/** Random operations per run, besides the funding and the coverage segment. */
const MIN_STEPS = 26;
const MAX_STEPS = 32;
const USERS = 3;
/** Orders and payouts the random commands draw from. */
const ORDERS = 3;
const PAYOUTS = 2;
/**
 * Orders and payouts of the coverage segment, past the random pools: no random command can
 * close them first, so each of the segment's commands does what it was built to do.
 */
const COVER_ORDER = { release: ORDERS, refund: ORDERS + 1, split: ORDERS + 2, neverHeld: ORDERS + 3 };
const COVER_PAYOUT = { settle: PAYOUTS, revert: PAYOUTS + 1 };
const ALL_ORDERS = [...Array(ORDERS + 4).keys()];
const PLATFORM = ['platform:gateway', 'platform:promo_expense', 'platform:revenue', 'platform:payouts_pending'];

/** One ledger call with every argument known. */
type Step =
  | { op: 'topUp'; id: number; user: number; amount: number }
  | { op: 'redeemPromo'; id: number; user: number; amount: number }
  | { op: 'hold'; order: number; buyer: number; amount: number }
  | { op: 'release'; order: number; seller: number; bps: number }
  | { op: 'refund'; order: number }
  | { op: 'split'; order: number; seller: number; sellerAmount: number; bps: number }
  | { op: 'payoutHold'; payout: number; user: number; amount: number }
  | { op: 'payoutSettle' | 'payoutRevert'; payout: number };

/** A random amount, or exactly what the payer can draw on, or one cent more: the boundary. */
type Drawn = number | 'available' | 'available+1';

/**
 * What the generator makes: a step some of whose arguments depend on the state the sequence
 * has reached, resolved by `Model.resolve` just before it runs.
 */
type Command =
  | Extract<Step, { op: 'topUp' | 'redeemPromo' }>
  | { op: 'hold'; order: number; buyer: number; amount: Drawn }
  | { op: 'payoutHold'; payout: number; user: number; amount: Drawn }
  | { op: 'release'; order: number; stray: boolean; seller: number; bps: number }
  | { op: 'refund'; order: number; stray: boolean }
  /** `perMille` of the escrow to the seller; `overshoot` asks for one cent more than the escrow. */
  | { op: 'split'; order: number; stray: boolean; seller: number; perMille: number; overshoot: boolean; bps: number }
  | { op: 'payoutSettle' | 'payoutRevert'; payout: number; stray: boolean };

/** What a command of the coverage segment does by construction, whatever ran before it. */
type Covers = 'moves' | 'nothing' | 'replayed' | 'insufficient' | 'range';

/** One command of a run's plan: random, or built to do what `covers` says. */
type Planned = Command & { covers?: Covers };

// Small pools of ids, so that sequences reuse idempotency keys (sometimes with other amounts)
// and hold, release, refund or split one order in any order.
const user = fc.integer({ min: 0, max: USERS - 1 });
const order = fc.integer({ min: 0, max: ORDERS - 1 });
const payout = fc.integer({ min: 0, max: PAYOUTS - 1 });
const bps = fc.oneof(fc.constantFrom(0, 2_000, 10_000), fc.integer({ min: 0, max: 10_000 }));
const drawn: fc.Arbitrary<Drawn> = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 10_000 }), weight: 4 },
  { arbitrary: fc.constantFrom('available' as const, 'available+1' as const), weight: 1 },
);
/**
 * Most releases, refunds, splits, settles and reverts aim at an order or payout that holds
 * money at that point; a stray one (1 in 5) takes its index as it is, so never-held and
 * already-closed orders and payouts come up too.
 */
const stray = fc.integer({ min: 0, max: 4 }).map((n) => n === 0);

const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('topUp' as const), id: fc.integer({ min: 0, max: 4 }), user, amount: fc.integer({ min: 1, max: 20_000 }) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('redeemPromo' as const), id: fc.integer({ min: 0, max: 1 }), user, amount: fc.integer({ min: 1, max: 5_000 }) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('hold' as const), order, buyer: user, amount: drawn }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('release' as const), order, stray, seller: user, bps }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('refund' as const), order, stray }), weight: 2 },
  {
    arbitrary: fc.record({
      op: fc.constant('split' as const),
      order,
      stray,
      seller: user,
      perMille: fc.integer({ min: 0, max: 1_000 }),
      overshoot: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      bps,
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ op: fc.constant('payoutHold' as const), payout, user, amount: drawn }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constantFrom('payoutSettle' as const, 'payoutRevert' as const), payout, stray }), weight: 3 },
);

/**
 * Every run first tops up each user's main and gives some a bonus (ids outside the random
 * pools), so that holds mostly succeed and the random part reaches releases, refunds, splits
 * and payouts that move money.
 */
const funding: fc.Arbitrary<Planned[]> = fc
  .tuple(...Array.from({ length: USERS }, () => fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 0, max: 5_000 }))))
  .map((amounts) =>
    amounts.flatMap(([main, bonus], u): Planned[] => [
      { op: 'topUp', id: 100 + u, user: u, amount: main },
      ...(bonus > 0 ? [{ op: 'redeemPromo' as const, id: 100, user: u, amount: bonus }] : []),
    ]),
  );

const position = fc.integer({ min: 0, max: 1_000 });
const amount = fc.integer({ min: 1, max: 10_000 });

/** Where in the random commands a part of the coverage segment goes: 0 first, 1,000 last. */
interface Part {
  at: number;
  commands: Planned[];
}

/**
 * A top-up, then at once an operation drawing at most the amount topped up (a hold takes
 * bonus and main, a payout hold main only): nothing runs between the two, so the money is
 * there whatever the random commands did with the user's balances.
 */
const topUpThen = (topUpId: number, then: (user: number, amount: number) => Planned) =>
  fc.record({ user, amount, extra: fc.integer({ min: 0, max: 10_000 }) }).map(({ user: u, amount: a, extra }): Planned[] => [
    { op: 'topUp', id: topUpId, user: u, amount: a + extra, covers: 'moves' },
    { ...then(u, a), covers: 'moves' },
  ]);

/** An opening and its closing, which goes anywhere after it. */
const pair = (open: fc.Arbitrary<Planned[]>, close: fc.Arbitrary<Planned[]>): fc.Arbitrary<Part[]> =>
  fc.tuple(position, position, open, close).map(([a, b, o, c]) => [{ at: Math.min(a, b), commands: o }, { at: Math.max(a, b), commands: c }]);

const single = (commands: fc.Arbitrary<Planned[]>): fc.Arbitrary<Part[]> => fc.tuple(position, commands).map(([at, c]) => [{ at, commands: c }]);

/**
 * The coverage segment of every run: each operation moving money (a top-up, a promo code,
 * holds closed by a release, a refund and a split, payout holds closed by a settle and a
 * revert), a replay with another amount, an empty refund, a hold one cent short and a split
 * one cent over: built so, rather than hoped for from the random commands, so that every run
 * of every seed reaches each of them. Its closings are `stray`: they take the segment's own
 * order or payout as given.
 */
const coverage: fc.Arbitrary<Part[]> = fc
  .tuple(
    pair(
      topUpThen(200, (u, a) => ({ op: 'hold', order: COVER_ORDER.release, buyer: u, amount: a })),
      fc.record({ seller: user, bps }).map(({ seller, bps: b }): Planned[] => [{ op: 'release', order: COVER_ORDER.release, stray: true, seller, bps: b, covers: 'moves' }]),
    ),
    pair(
      topUpThen(201, (u, a) => ({ op: 'hold', order: COVER_ORDER.refund, buyer: u, amount: a })),
      fc.constant<Planned[]>([{ op: 'refund', order: COVER_ORDER.refund, stray: true, covers: 'moves' }]),
    ),
    pair(
      topUpThen(202, (u, a) => ({ op: 'hold', order: COVER_ORDER.split, buyer: u, amount: a })),
      fc.record({ seller: user, perMille: fc.integer({ min: 0, max: 1_000 }), bps }).map(({ seller, perMille, bps: b }): Planned[] => [
        { op: 'split', order: COVER_ORDER.split, stray: true, seller, perMille, overshoot: false, bps: b, covers: 'moves' },
      ]),
    ),
    pair(
      topUpThen(203, (u, a) => ({ op: 'payoutHold', payout: COVER_PAYOUT.settle, user: u, amount: a })),
      fc.constant<Planned[]>([{ op: 'payoutSettle', payout: COVER_PAYOUT.settle, stray: true, covers: 'moves' }]),
    ),
    pair(
      topUpThen(204, (u, a) => ({ op: 'payoutHold', payout: COVER_PAYOUT.revert, user: u, amount: a })),
      fc.constant<Planned[]>([{ op: 'payoutRevert', payout: COVER_PAYOUT.revert, stray: true, covers: 'moves' }]),
    ),
    pair(
      fc.record({ user, amount }).map(({ user: u, amount: a }): Planned[] => [{ op: 'topUp', id: 205, user: u, amount: a, covers: 'moves' }]),
      fc.record({ user, amount }).map(({ user: u, amount: a }): Planned[] => [{ op: 'topUp', id: 205, user: u, amount: a, covers: 'replayed' }]),
    ),
    single(fc.record({ user, amount: fc.integer({ min: 1, max: 5_000 }) }).map(({ user: u, amount: a }): Planned[] => [{ op: 'redeemPromo', id: 200, user: u, amount: a, covers: 'moves' }])),
    single(fc.constant<Planned[]>([{ op: 'refund', order: COVER_ORDER.neverHeld, stray: true, covers: 'nothing' }])),
    single(user.map((u): Planned[] => [{ op: 'hold', order: COVER_ORDER.neverHeld, buyer: u, amount: 'available+1', covers: 'insufficient' }])),
    single(
      fc.record({ seller: user, bps }).map(({ seller, bps: b }): Planned[] => [
        { op: 'split', order: COVER_ORDER.neverHeld, stray: true, seller, perMille: 0, overshoot: true, bps: b, covers: 'range' },
      ]),
    ),
  )
  .map((parts) => parts.flat());

/**
 * The random commands with the coverage segment's parts among them, each at its position
 * (ties keep the segment's order, so an opening never follows its closing).
 */
function interleave(random: Planned[], parts: Part[]): Planned[] {
  const slot = (part: Part) => Math.round((part.at * random.length) / 1_000);
  const sorted = [...parts].sort((a, b) => slot(a) - slot(b));
  const planned: Planned[] = [];
  let next = 0;
  for (const [index, cmd] of [...random, undefined].entries()) {
    while (next < sorted.length && slot(sorted[next]!) <= index) planned.push(...sorted[next++]!.commands);
    if (cmd) planned.push(cmd);
  }
  return planned;
}

/** A run's whole plan: funding, then the random commands with the coverage segment among them. */
const plan: fc.Arbitrary<Planned[]> = fc
  .tuple(funding, fc.array(command, { minLength: MIN_STEPS, maxLength: MAX_STEPS }), coverage)
  .map(([preamble, random, parts]) => [...preamble, ...interleave(random, parts)]);

/** How many commands the coverage segment has: the same in every run. */
const COVERAGE_STEPS = fc.sample(coverage, { seed, numRuns: 1 })[0]!.reduce((n, part) => n + part.commands.length, 0);

/** What the model expects of one step. */
type Expected =
  | { outcome: 'posted'; key: string; moves: Array<[string, number]> }
  | { outcome: 'replayed'; key: string }
  | { outcome: 'insufficient'; missing: number }
  | { outcome: 'range' };

const main = (userId: number) => `user:${userId}:main`;
const bonus = (userId: number) => `user:${userId}:bonus`;

/** The ledger's rules in plain JS over one run's users, orders and payouts. */
class Model {
  readonly balances = new Map<string, number>();
  /** First result of every posted key: a replay must return exactly this. */
  readonly posted = new Map<string, LedgerResult>();
  /** Held orders by index: their buyer and how much of the hold came from bonus. */
  readonly escrows = new Map<number, { buyer: number; fromBonus: number }>();
  /** Held payouts by index: whose, and how much is still pending. */
  readonly payouts = new Map<number, { user: number; pending: number }>();

  constructor(
    readonly run: string,
    readonly userIds: number[],
    platform: Map<string, number>,
  ) {
    for (const [key, balance] of platform) this.balances.set(key, balance);
  }

  balance(key: string): number {
    return this.balances.get(key) ?? 0;
  }

  orderId(order: number): string {
    return `${this.run}-o${order}`;
  }

  escrowKey(order: number): string {
    return `order:${this.orderId(order)}:escrow`;
  }

  payoutId(payout: number): string {
    return `${this.run}-w${payout}`;
  }

  /** Fills in what depends on the state reached: targets and drawn amounts. */
  resolve(cmd: Command | Step): Step {
    switch (cmd.op) {
      case 'topUp': case 'redeemPromo':
        return cmd;
      case 'hold': case 'payoutHold': {
        if (typeof cmd.amount === 'number') return { ...cmd, amount: cmd.amount };
        const payer = this.userIds[cmd.op === 'hold' ? cmd.buyer : cmd.user]!;
        const available = this.balance(main(payer)) + (cmd.op === 'hold' ? this.balance(bonus(payer)) : 0);
        return { ...cmd, amount: cmd.amount === 'available' ? Math.max(1, available) : available + 1 };
      }
      case 'release': case 'refund': case 'split': {
        if (!('stray' in cmd)) return cmd;
        // Only the random pool: the coverage segment's orders are left to the segment.
        const funded = [...Array(ORDERS).keys()].filter((o) => this.balance(this.escrowKey(o)) > 0);
        const target = cmd.stray || funded.length === 0 ? cmd.order : funded[cmd.order % funded.length]!;
        if (cmd.op === 'release') return { op: 'release', order: target, seller: cmd.seller, bps: cmd.bps };
        if (cmd.op === 'refund') return { op: 'refund', order: target };
        const total = this.balance(this.escrowKey(target));
        const sellerAmount = cmd.overshoot ? total + 1 : Math.floor((total * cmd.perMille) / 1_000);
        return { op: 'split', order: target, seller: cmd.seller, sellerAmount, bps: cmd.bps };
      }
      case 'payoutSettle': case 'payoutRevert': {
        if (!('stray' in cmd)) return cmd;
        const pending = [...this.payouts].filter(([id, p]) => id < PAYOUTS && p.pending > 0).map(([id]) => id);
        return { op: cmd.op, payout: cmd.stray || pending.length === 0 ? cmd.payout : pending[cmd.payout % pending.length]! };
      }
    }
  }

  keyOf(step: Step): string {
    switch (step.op) {
      case 'topUp': return `topup:${this.run}-t${step.id}`;
      case 'redeemPromo': return `promo:${this.run}-p${step.id}:user:${this.userIds[step.user]}`;
      case 'hold': case 'release': case 'refund': case 'split': return `order:${this.orderId(step.order)}:${step.op}`;
      case 'payoutHold': return `payout:${this.payoutId(step.payout)}:hold`;
      case 'payoutSettle': return `payout:${this.payoutId(step.payout)}:settle`;
      case 'payoutRevert': return `payout:${this.payoutId(step.payout)}:revert`;
    }
  }

  /** The expectation for `step`, with the model's state moved as the ledger should move it. */
  apply(step: Step): Expected {
    const key = this.keyOf(step);
    if (this.posted.has(key)) return { outcome: 'replayed', key };
    const expected = this.decide(step, key);
    if (expected.outcome === 'posted') for (const [account, amount] of expected.moves) this.balances.set(account, this.balance(account) + amount);
    return expected;
  }

  private decide(step: Step, key: string): Expected {
    const posted = (moves: Array<[string, number]>): Expected => ({ outcome: 'posted', key, moves: moves.filter(([, amount]) => amount !== 0) });
    switch (step.op) {
      case 'topUp':
        return posted([['platform:gateway', -step.amount], [main(this.userIds[step.user]!), step.amount]]);
      case 'redeemPromo':
        return posted([['platform:promo_expense', -step.amount], [bonus(this.userIds[step.user]!), step.amount]]);
      case 'hold': {
        const buyer = this.userIds[step.buyer]!;
        const available = this.balance(bonus(buyer)) + this.balance(main(buyer));
        if (available < step.amount) return { outcome: 'insufficient', missing: step.amount - available };
        const fromBonus = Math.min(this.balance(bonus(buyer)), step.amount);
        this.escrows.set(step.order, { buyer, fromBonus });
        return posted([[bonus(buyer), -fromBonus], [main(buyer), fromBonus - step.amount], [this.escrowKey(step.order), step.amount]]);
      }
      case 'release': case 'refund': case 'split': {
        const total = this.balance(this.escrowKey(step.order));
        const sellerAmount = step.op === 'release' ? total : step.op === 'refund' ? 0 : step.sellerAmount;
        if (sellerAmount > total) return { outcome: 'range' };
        const escrow = this.escrows.get(step.order);
        if (!escrow || total === 0) return posted([]);
        const toBonus = Math.min(total - sellerAmount, escrow.fromBonus);
        const moves: Array<[string, number]> = [
          [this.escrowKey(step.order), -total],
          [bonus(escrow.buyer), toBonus],
          [main(escrow.buyer), total - sellerAmount - toBonus],
        ];
        if (step.op !== 'refund') {
          const { seller, commission } = splitCommission(sellerAmount, step.bps);
          moves.push([main(this.userIds[step.seller]!), seller], ['platform:revenue', commission]);
        }
        return posted(moves);
      }
      case 'payoutHold': {
        const userId = this.userIds[step.user]!;
        const available = this.balance(main(userId));
        if (available < step.amount) return { outcome: 'insufficient', missing: step.amount - available };
        this.payouts.set(step.payout, { user: userId, pending: step.amount });
        return posted([[main(userId), -step.amount], ['platform:payouts_pending', step.amount]]);
      }
      case 'payoutSettle': case 'payoutRevert': {
        const held = this.payouts.get(step.payout);
        if (!held || held.pending === 0) return posted([]);
        const amount = held.pending;
        held.pending = 0;
        return posted([['platform:payouts_pending', -amount], [step.op === 'payoutSettle' ? 'platform:gateway' : main(held.user), amount]]);
      }
    }
  }
}

/** Net amount per account, sorted by key: postings compared regardless of how they are merged. */
function net(moves: Array<[string, number]>): Array<[string, number]> {
  const sums = new Map<string, number>();
  for (const [key, amount] of moves) sums.set(key, (sums.get(key) ?? 0) + amount);
  return [...sums].filter(([, amount]) => amount !== 0).sort(([a], [b]) => (a < b ? -1 : 1));
}

function call(ledger: Ledger, model: Model, step: Step): Promise<LedgerResult> {
  const ids = model.userIds;
  switch (step.op) {
    case 'topUp':
      return ledger.topUp({ topUpId: `${model.run}-t${step.id}`, userId: ids[step.user]!, amount: step.amount, method: 'card' });
    case 'redeemPromo':
      return ledger.redeemPromo({ promoCodeId: `${model.run}-p${step.id}`, userId: ids[step.user]!, amount: step.amount });
    case 'hold':
      return ledger.hold({ orderId: model.orderId(step.order), buyerId: ids[step.buyer]!, amount: step.amount });
    case 'release':
      return ledger.release({ orderId: model.orderId(step.order), sellerId: ids[step.seller]!, commissionBps: step.bps });
    case 'refund':
      return ledger.refund({ orderId: model.orderId(step.order) });
    case 'split':
      return ledger.split({ orderId: model.orderId(step.order), sellerId: ids[step.seller]!, sellerAmount: step.sellerAmount, commissionBps: step.bps });
    case 'payoutHold':
      return ledger.payoutHold({ payoutId: model.payoutId(step.payout), userId: ids[step.user]!, amount: step.amount });
    case 'payoutSettle':
      return ledger.payoutSettle({ payoutId: model.payoutId(step.payout) });
    case 'payoutRevert':
      return ledger.payoutRevert({ payoutId: model.payoutId(step.payout) });
  }
}

describe('the money ledger under random sequences of operations', () => {
  let database: TestDatabase;
  let ledger: Ledger;

  before(async () => {
    database = await createTestDatabase(import.meta.filename);
    ledger = createLedger(database.db);
  });
  after(async () => {
    await database?.drop();
  });

  async function databaseBalances(keys: string[]): Promise<Map<string, number>> {
    const rows = await database.db.sql<{ key: string; balance: string }[]>`select key, balance from ledger_accounts where key = any(${keys}::text[])`;
    return new Map(keys.map((key) => [key, Number(rows.find((r) => r.key === key)?.balance ?? 0)]));
  }

  /** Every account the run can touch holds what the model says, and so do each user's balances. */
  async function assertAgreesWithModel(model: Model): Promise<void> {
    const keys = [...PLATFORM, ...model.userIds.flatMap((id) => [main(id), bonus(id)]), ...ALL_ORDERS.map((o) => model.escrowKey(o))];
    const [accounts, ...users] = await Promise.all([databaseBalances(keys), ...model.userIds.map((id) => ledger.balances(id))]);
    assert.deepEqual(accounts, new Map(keys.map((key) => [key, model.balance(key)])));
    model.userIds.forEach((id, u) => {
      const escrow = [...model.escrows].filter(([, e]) => e.buyer === id).reduce((sum, [o]) => sum + model.balance(model.escrowKey(o)), 0);
      assert.deepEqual(users[u], { main: model.balance(main(id)), bonus: model.balance(bonus(id)), escrow });
    });
  }

  it(`keeps every invariant and agrees with a model over ${RUNS} runs of ${MIN_STEPS}–${MAX_STEPS} random operations, each with a segment of ${COVERAGE_STEPS} that moves money in every operation and reaches every outcome`, async (t) => {
    const counts = { operations: 0, random: 0 };
    const observed: Record<string, Partial<Record<Covers, number>>> = {};
    await checkProperty(
      fc.asyncProperty(plan, async (planned) => {
        // Fresh users, orders and payouts per run; the platform accounts carry over, so the
        // model starts from their balances now.
        const model = new Model(uniqueId('run'), await createUsers(database.db, USERS), await databaseBalances(PLATFORM));
        for (const [index, { covers, ...cmd }] of planned.entries()) {
          const step = model.resolve(cmd);
          try {
            const outcome = await run(model, step);
            // A constructed command did what it was built for: the ledger moved money (or
            // replayed, refused…), which the model cannot change: it holds for every seed.
            if (covers) assert.equal(outcome, covers, `the coverage segment's ${step.op} was built to end as "${covers}"`);
            counts.operations += 1;
            if (!covers) counts.random += 1;
            (observed[step.op] ??= {})[outcome] = (observed[step.op]?.[outcome] ?? 0) + 1;
          } catch (err) {
            // Which step of the plan, as it ran (amounts and targets resolved), leads the message.
            throw new Error(`step ${index} of ${planned.length}, ${JSON.stringify(step)}: ${(err as Error).message}`);
          }
        }
      }),
      { numRuns: RUNS, file: import.meta.filename },
    );
    // The same seed gives the same line: this is how to see that a run is reproducible.
    t.diagnostic(`seed ${seed}: ${counts.operations} operations (${counts.random} random) in ${RUNS} runs; outcomes by operation ${JSON.stringify(observed)}`);
  });

  /** Runs one step on the ledger, checks it against the model and every invariant, and names what it did. */
  async function run(model: Model, step: Step): Promise<Covers> {
    const attempt = call(ledger, model, step);
    const expected = model.apply(step);
    let outcome: Covers;
    switch (expected.outcome) {
      case 'insufficient':
        await assert.rejects(attempt, (err: unknown) => err instanceof InsufficientFundsError && err.missing === expected.missing);
        outcome = 'insufficient';
        break;
      case 'range':
        await assert.rejects(attempt, RangeError);
        outcome = 'range';
        break;
      case 'replayed': {
        const result = await attempt;
        assert.deepEqual(result, { ...model.posted.get(expected.key)!, replayed: true });
        outcome = 'replayed';
        break;
      }
      case 'posted': {
        const result = await attempt;
        assert.equal(result.replayed, false);
        assert.equal(result.idempotencyKey, expected.key);
        assert.deepEqual(net(result.postings.map((p) => [p.accountKey, p.amount])), net(expected.moves));
        model.posted.set(expected.key, result);
        outcome = result.postings.some((p) => p.amount !== 0) ? 'moves' : 'nothing';
        break;
      }
    }
    await Promise.all([assertLedgerConsistent(database.db), assertAgreesWithModel(model)]);
    return outcome;
  }
});
