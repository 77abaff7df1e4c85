/**
 * The contract under generated requests (issue 13, part 3): requests built from the served
 * OpenAPI document (`test/support/fuzz.ts`, fast-check arbitraries over its JSON Schemas), valid
 * ones and ones broken in one part, sent to every operation by an anonymous caller, a buyer, a
 * seller and an admin, with path ids of resources made in setup so that they reach real handlers.
 * Every answer must be no 5xx and conform to the document (the checked app throws otherwise);
 * an invalid request must be refused (4xx); and no request answered 4xx may change the
 * database (row counts and a hash of every business table: a webhook refused for its signature
 * records nothing), but for failed sign-ins, which are counted (`sign_in_failures`), and a user's
 * `last_active_at`, which any signed-in request may touch (at most once a minute). Top-ups and
 * saved cards reach the local payment stand-ins (`test/support/payments.ts`).
 *
 * Seeded and bounded: `GIGFLOW_FUZZ_RUNS` (default 8) valid and as many invalid requests per
 * operation, drawn from `GIGFLOW_SEED` per operation; a failure names the seed and the replay.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pollUntil } from '../../scripts/poll.js';
import type { Client } from '@temporalio/client';
import fc from 'fast-check';
import { createAccounts } from '../../services/accounts.js';
import { systemClock } from '../../services/clock.js';
import { callerFor, signUp, type TestUser } from '../support/api.js';
import { insertOffer } from '../support/catalog.js';
import { insertOrder } from '../support/closed-orders.js';
import { contractOf, ContractViolation } from '../support/contract.js';
import { changedTables, fingerprinter, type Fingerprint } from '../support/fingerprint.js';
import { breakages, breakRequest, RequestGenerator, type FuzzRequest, type Operation } from '../support/fuzz.js';
import { buildApp, startPayingApi, startWorker, type PayingApi, type TestDatabase } from '../support/harness.js';
import { fund } from '../support/orders.js';
import { startTopUp, topUpByCard } from '../support/pay.js';
import { replayCommand, seed, seededRandom } from '../support/seed.js';

const RUNS = Number(process.env.GIGFLOW_FUZZ_RUNS ?? 8);
const PERSONAS = ['anonymous', 'buyer', 'seller', 'admin'] as const;
type Persona = (typeof PERSONAS)[number];
/** No request of this API takes long: one that does is a failure, not a hang. */
const ANSWER_WITHIN_MS = 15_000;

/**
 * Every table but `sign_in_failures` (a failed sign-in is counted on purpose) and
 * `provider_events`: the providers write that one by their own deliveries, which land whenever
 * they land (a refund the fuzz made earlier sends `charge.refunded` during a later request). That
 * a refused webhook records nothing is test/api/webhooks.test.ts's.
 */
const UNGUARDED_TABLES = ['sign_in_failures', 'provider_events'];

/** The codes of a refusal for a value's form, which the document's schemas state (zod's); not those of what only data or a rule in words decides (`custom`, `invalid_cursor`). */
const FORM_CODES = new Set(['invalid_type', 'invalid_format', 'invalid_value', 'too_small', 'too_big', 'not_multiple_of', 'unrecognized_keys', 'invalid_union', 'invalid_string']);

/**
 * The parameters and body fields a 400 refuses for their form: a valid request's never are
 * (Schemathesis found `PUT /me/favorites/1.0` refused, its integer written as Python writes a
 * float). A rule the document states in words (a lowest price above the highest, a sort that
 * needs keywords), an unknown category or a forged cursor is another matter.
 */
function fieldsRefusedForTheirForm(text: string): string[] {
  const fields = (JSON.parse(text) as { error?: { details?: { fields?: { path: string; code: string }[] } } }).error?.details?.fields ?? [];
  return fields.filter((f) => /^(param|query|body)(\.|$)/.test(f.path) && FORM_CODES.has(f.code)).map((f) => `${f.path} (${f.code})`);
}

describe('the contract under generated requests', () => {
  let api: PayingApi;
  let database: TestDatabase;
  let temporal: Client;
  let app: ReturnType<typeof buildApp>;
  const users = {} as Record<Exclude<Persona, 'anonymous'>, TestUser>;
  let pools: Record<string, string[]>;
  let fingerprint: () => Promise<Fingerprint>;

  before(async () => {
    // No worker: every resource a generated id points at is answered from its rows, so nothing
    // changes the database behind the requests' backs.
    api = await startPayingApi(import.meta.filename);
    ({ database, temporal, app } = api);
    fingerprint = fingerprinter(database.db, UNGUARDED_TABLES);
    // The paid top-up's webhook is in once it is approved: from there on, only the generated requests change the database.
    pools = await makeFixtures();
  });
  after(() => api?.stop());

  /** The personas and a few resources of each kind, by the path parameters that name them. */
  async function makeFixtures(): Promise<Record<string, string[]>> {
    const call = callerFor(app);
    for (const persona of ['buyer', 'seller', 'admin'] as const) {
      users[persona] = await signUp(call, `fuzz_${persona}`);
      await fund(database.db, users[persona].id, 100_000);
    }
    await createAccounts({ db: database.db, clock: systemClock }).grantRole(users.admin.id, 'admin');
    const vendor = await signUp(call, 'fuzz_vendor');
    const victim = await signUp(call, 'fuzz_victim');
    const vendorsOffer = await insertOffer(database.db, vendor.id);
    const blockable = await insertOffer(database.db, vendor.id);
    const sellersOffer = await insertOffer(database.db, users.seller.id);
    const sellersDraft = await insertOffer(database.db, users.seller.id, { status: 'draft' });
    const bought = await insertOrder(database.db, { buyer: users.buyer, offerId: vendorsOffer, ending: 'accepted' });
    const sold = await insertOrder(database.db, { buyer: users.buyer, offerId: sellersOffer, ending: 'accepted' });
    const pending = await startTopUp(call, users.buyer, 1_000, 'card');
    const { topUp: paid } = await topUpByCard(call, users.buyer, 1_000);
    const [withdrawal] = await database.db.sql`
      insert into withdrawals (user_id, method, destination, destination_label, amount, fee, net, status, expected_batch_at, closed_at)
      values (${users.buyer.id}, 'paypal', 'buyer@paypal.example', 'buyer@paypal.example', 1000, 30, 970, 'paid', now(), now()) returning id`;
    const cart = await call('POST', '/me/cart', { token: users.buyer.token, body: { offerId: vendorsOffer } });
    return {
      offer: [sellersOffer, sellersDraft, vendorsOffer].map(String),
      blockable: [String(blockable)],
      favorite: [String(vendorsOffer)],
      order: [bought, sold].map(String),
      topUp: [pending.id, paid.id].map(String),
      withdrawal: [String(withdrawal!.id)],
      cartLine: [String(cart.body.items[0].id)],
      user: [String(victim.id)],
      login: [users.seller.login, vendor.login],
    };
  }

  /** Ids of existing resources for a path parameter; [] leaves the value to the schema. */
  function poolFor(template: string, name: string): readonly string[] {
    if (name === 'login') return pools.login!;
    if (template.startsWith('/me/favorites/')) return pools.favorite!;
    if (template.startsWith('/me/cart/')) return pools.cartLine!;
    if (template.startsWith('/top-ups/') || template.startsWith('/staff/top-ups/')) return pools.topUp!;
    if (template.startsWith('/withdrawals/') || template.startsWith('/staff/withdrawals/')) return pools.withdrawal!;
    if (template.startsWith('/admin/users/')) return name === 'id' ? pools.user! : [];
    if (template.startsWith('/admin/offers/') || template.startsWith('/moderation/offers/')) return pools.blockable!;
    if (template.startsWith('/offers/')) return pools.offer!;
    if (/^\/(orders|arbitration\/orders|admin\/orders|moderation\/feedback-answers)\//.test(template)) return pools.order!;
    return [];
  }

  /** A stream of fast-check seeds per operation, from the run's seed: adding an operation shifts no other. */
  const seedOf = (stream: string) => Math.floor(seededRandom(`test/api/contract-fuzz:${stream}`)() * 2 ** 31);

  function requestsFor(op: Operation, generator: RequestGenerator, accepts: (body: unknown) => boolean): FuzzRequest[] {
    const name = `${op.method} ${op.template}`;
    const valid = fc.sample(generator.valid(op), { seed: seedOf(name), numRuns: RUNS });
    const candidates = fc.sample(fc.tuple(generator.valid(op), fc.constantFrom(...breakages(op)), fc.nat()), { seed: seedOf(`${name}:invalid`), numRuns: RUNS * 4 });
    const invalid = candidates.map(([request, way, pick]) => breakRequest(op, request, way, pick, accepts)).filter((r): r is FuzzRequest => r !== null);
    return [...valid, ...invalid.slice(0, RUNS)];
  }

  /** Answers by kind of request and status, for the run's diagnostic line. */
  const tally = new Map<string, number>();

  async function send(request: FuzzRequest, persona: Persona, target = app): Promise<string[]> {
    const token = persona === 'anonymous' ? undefined : (await createAccounts({ db: database.db, clock: systemClock }).createSession(users[persona].id)).token;
    const headers = { ...request.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
    const what = `${request.method} ${request.path.slice(0, 160)} as ${persona}${request.broken ? ` (broken: ${request.broken})` : ''}`;
    const before = await fingerprint();
    // A request that never answers (a wedged workflow) is a finding too: waited for with a bound.
    const sent = Promise.resolve(target.request(request.path, { method: request.method, headers, body: request.body })).then(
      (response) => ({ response }),
      (error: unknown) => ({ error }),
    );
    let settled: { response: Response } | { error: unknown } | undefined;
    void sent.then((outcome) => (settled = outcome));
    try {
      await pollUntil(() => settled, { timeoutMs: ANSWER_WITHIN_MS, intervalMs: 1, what: `an answer to ${what}` });
    } catch {
      return [`${what}: no answer within ${ANSWER_WITHIN_MS} ms`];
    }
    if ('error' in settled!) {
      if (settled.error instanceof ContractViolation) return [`${what}: ${settled.error.message}`];
      throw settled.error;
    }
    const res = settled!.response;
    const text = await res.text();
    const kind = `${request.broken ? 'invalid' : 'valid'} ${res.status}`;
    tally.set(kind, (tally.get(kind) ?? 0) + 1);
    const problems: string[] = [];
    if (res.status >= 500) problems.push(`${what}: ${res.status} ${text.slice(0, 200)}`);
    if (request.broken && res.status < 400) problems.push(`${what}: invalid, yet answered ${res.status}`);
    const refusedForm = !request.broken && res.status === 400 ? fieldsRefusedForTheirForm(text) : [];
    if (refusedForm.length) problems.push(`${what}: valid, yet its ${refusedForm.join(', ')} refused (400)`);
    if (res.status >= 400 && res.status < 500) {
      const changed = changedTables(before, await fingerprint());
      if (changed.length) problems.push(`${what}: answered ${res.status}, yet changed ${changed.join(', ')}`);
    }
    return problems;
  }

  it('answers valid and invalid requests to every operation, anonymous and signed in, with no 5xx, as documented, and changes nothing on a 4xx', async (t) => {
    const contract = await contractOf(app);
    const generator = new RequestGenerator(contract.document.components.schemas ?? {}, poolFor);
    const failures: string[] = [];
    let sent = 0;
    for (const op of contract.operations()) {
      const requests = requestsFor(op, generator, (body) => contract.acceptsBody(op.method, op.template, body));
      assert.ok(requests.length >= RUNS, `${op.method} ${op.template}: too few requests generated`);
      for (const [i, request] of requests.entries()) {
        failures.push(...(await send(request, PERSONAS[i % PERSONAS.length]!)));
        sent++;
      }
    }
    assert.ok(sent >= contract.operations().length * RUNS);
    t.diagnostic(`seed ${seed}: ${sent} requests; ${[...tally].sort().map(([k, n]) => `${k}: ${n}`).join(', ')}`);
    assert.deepEqual(failures.slice(0, 30), [], `seed ${seed}, ${failures.length} failures of ${sent} requests; replay: ${replayCommand(import.meta.filename)}`);
  });
  it('answers valid and invalid actions on open orders, with a worker running their workflows, with no 5xx, as documented, and changes nothing on a 4xx', async (t) => {
    // The order's actions reach its workflow's Update validators (an Update can come from any
    // client, so they check text and numbers again): open orders on a worker of this test's own.
    const taskQueue = `fuzz-orders-${process.pid}`;
    const worker = await startWorker(database.db, taskQueue);
    try {
      const withWorker = buildApp({ db: database.db, temporal, taskQueue });
      const call = callerFor(withWorker);
      const open: string[] = [];
      // Fresh offers (the first test's requests may have paused or blocked the others): another vendor's, and the seller persona's.
      const vendor = await signUp(call, 'fuzz_vendor_open');
      for (const offerId of [await insertOffer(database.db, vendor.id), await insertOffer(database.db, users.seller.id)]) {
        for (let i = 0; i < 6; i++) {
          const placed = await call('POST', '/orders', { token: users.buyer.token, body: { offerId }, headers: { 'idempotency-key': `fuzz-open-${offerId}-${i}` } });
          assert.equal(placed.status, 201, JSON.stringify(placed.body));
          open.push(String(placed.body.orderId));
        }
      }
      const contract = await contractOf(withWorker);
      const orderPaths = /^\/(orders|arbitration\/orders|admin\/orders)\/\{id\}\/(actions|take|decision|cancel)$/;
      const generator = new RequestGenerator(contract.document.components.schemas ?? {}, (template, name) => (orderPaths.test(template) && name === 'id' ? open : poolFor(template, name)));
      const failures: string[] = [];
      let sent = 0;
      const tallyBefore = new Map(tally);
      for (const op of contract.operations().filter((o) => orderPaths.test(o.template))) {
        // Invalid ones first, while every order is still open; the valid ones then move orders on.
        const requests = requestsFor(op, generator, (body) => contract.acceptsBody(op.method, op.template, body)).reverse();
        for (const [i, request] of requests.entries()) {
          failures.push(...(await send(request, PERSONAS[i % PERSONAS.length]!, withWorker)));
          sent++;
        }
      }
      assert.ok(sent >= 4 * 2 * RUNS, `${sent} requests to the order operations`);
      const answers = [...tally].filter(([k, n]) => n !== (tallyBefore.get(k) ?? 0)).map(([k, n]) => `${k}: ${n - (tallyBefore.get(k) ?? 0)}`);
      t.diagnostic(`seed ${seed}: ${sent} requests on open orders; ${answers.sort().join(', ')}`);
      assert.deepEqual(failures.slice(0, 30), [], `seed ${seed}, ${failures.length} failures of ${sent} requests; replay: ${replayCommand(import.meta.filename)}`);
    } finally {
      await worker.stop();
    }
  });
});
