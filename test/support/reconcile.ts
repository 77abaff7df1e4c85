/**
 * Reconciliation (issue 15): each payment provider's books as its own records give them — the
 * card processor's balance transactions, payment intents and payouts, PayPal's transaction
 * report — and ours as the ledger gives them, in one shape, so that a test compares them
 * provider by provider, in total and reference by reference. Also a tap on the stand-ins'
 * webhook deliveries that knows when none is in flight and which ones the app refused.
 */
import type { Db } from '../../db/client.js';
import type { ProviderName } from '../../payments/provider.js';
import { pollUntil } from '../../scripts/poll.js';
import { cardApi } from './pay.js';
import { PAYMENT_SECRETS, type PaymentStandIns } from './payments.js';

/** One provider's books, in cents. */
export interface Books {
  /** Money in that arrived, by our top-up id (the provider's metadata / custom id). */
  payments: Record<string, number>;
  /** Money out that left and stayed out (failed and returned payouts are not here), by the payout's reference. */
  payouts: Record<string, number>;
  receivedCents: number;
  paidOutCents: number;
}

/** The provider's side adds what only it knows: its balance and the payouts still undecided. */
export interface ProviderBooks extends Books {
  /** The sum of every movement the provider recorded. */
  balanceCents: number;
  /** Movements of kinds the day should not have had (refunds…), by kind. */
  unexpected: Record<string, number>;
  /** Payouts neither paid nor failed yet. */
  pending: string[];
}

const sumOf = (values: number[]) => values.reduce((sum, v) => sum + v, 0);

function totalsBy<T>(items: T[], key: (item: T) => string, cents: (item: T) => number): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const item of items) totals[key(item)] = (totals[key(item)] ?? 0) + cents(item);
  return totals;
}

/** Every item of a card processor list (`/v1/payouts`…), paging with `starting_after`. */
async function cardList<T extends { id: string }>(stand: PaymentStandIns, path: string): Promise<T[]> {
  const all: T[] = [];
  for (let after: string | null = null; ; ) {
    const page = await cardApi(stand, `${path}?limit=100${after === null ? '' : `&starting_after=${after}`}`);
    all.push(...(page.data as T[]));
    if (!page.has_more) return all;
    after = all[all.length - 1]!.id;
  }
}

interface CardBalanceTransaction { id: string; type: string; amount: number }
interface CardIntent { id: string; status: string; amount_received: number; metadata: Record<string, string> }
interface CardPayout { id: string; status: string; amount: number }

/** The card processor's books: charges in; payouts out, less the payout_failure / payout_cancel entries that gave money back. */
export async function cardBooks(stand: PaymentStandIns): Promise<ProviderBooks> {
  const [ledger, intents, payouts] = await Promise.all([
    cardList<CardBalanceTransaction>(stand, '/v1/balance_transactions'),
    cardList<CardIntent>(stand, '/v1/payment_intents'),
    cardList<CardPayout>(stand, '/v1/payouts'),
  ]);
  const byType = totalsBy(ledger, (t) => t.type, (t) => t.amount);
  const { charge = 0, payout = 0, payout_failure = 0, payout_cancel = 0, ...unexpected } = byType;
  return {
    payments: Object.fromEntries(intents.filter((i) => i.status === 'succeeded').map((i) => [i.metadata.top_up_id ?? `no top-up: ${i.id}`, i.amount_received])),
    payouts: Object.fromEntries(payouts.filter((p) => p.status === 'paid').map((p) => [p.id, p.amount])),
    receivedCents: charge,
    paidOutCents: -(payout + payout_failure + payout_cancel),
    balanceCents: sumOf(ledger.map((t) => t.amount)),
    unexpected,
    pending: payouts.filter((p) => p.status === 'pending').map((p) => p.id),
  };
}

interface ReportLine {
  transaction_info: {
    transaction_id: string;
    paypal_reference_id?: string;
    transaction_event_code: string;
    transaction_amount: { value: string };
    transaction_status: string;
    custom_field?: string;
  };
}

/** PayPal's decimal string ("-12.30") as integer cents, without floating point. */
export function paypalCents(value: string): number {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(value);
  if (!match) throw new Error(`not a PayPal amount: ${value}`);
  const cents = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -cents : cents;
}

async function paypalToken(stand: PaymentStandIns): Promise<string> {
  const basic = Buffer.from(`${PAYMENT_SECRETS.paypalClientId}:${PAYMENT_SECRETS.paypalClientSecret}`).toString('base64');
  const res = await fetch(`${stand.url}/paypal/v1/oauth2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  if (res.status !== 200) throw new Error(`POST /paypal/v1/oauth2/token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Every line of PayPal's transaction report for [start, end] (ISO), page by page. */
async function paypalReport(stand: PaymentStandIns, window: { start: string; end: string }): Promise<ReportLine[]> {
  const token = await paypalToken(stand);
  const lines: ReportLine[] = [];
  for (let page = 1; ; page += 1) {
    const query = new URLSearchParams({ start_date: window.start, end_date: window.end, page_size: '500', page: String(page) });
    const res = await fetch(`${stand.url}/paypal/v1/reporting/transactions?${query}`, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`GET /paypal/v1/reporting/transactions: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { transaction_details: ReportLine[]; total_pages: number };
    lines.push(...body.transaction_details);
    if (page >= body.total_pages) return lines;
  }
}

/** PayPal's books from its report: captures in (T0006); payout items out (T0001), less the money of failed or returned ones (T1106). */
export async function paypalBooks(stand: PaymentStandIns, window: { start: string; end: string }): Promise<ProviderBooks> {
  const lines = (await paypalReport(stand, window)).map((l) => ({ ...l.transaction_info, cents: paypalCents(l.transaction_info.transaction_amount.value) }));
  const of = (code: string) => lines.filter((l) => l.transaction_event_code === code);
  const [captures, debits, returns] = [of('T0006'), of('T0001'), of('T1106')];
  const returned = new Set(returns.map((l) => l.paypal_reference_id));
  const known = new Set(['T0006', 'T0001', 'T1106']);
  return {
    payments: Object.fromEntries(captures.map((l) => [l.custom_field ?? `no top-up: ${l.transaction_id}`, l.cents])),
    payouts: Object.fromEntries(debits.filter((l) => !returned.has(l.transaction_id)).map((l) => [l.transaction_id, -l.cents])),
    receivedCents: sumOf(captures.map((l) => l.cents)),
    paidOutCents: -sumOf([...debits, ...returns].map((l) => l.cents)),
    balanceCents: sumOf(lines.map((l) => l.cents)),
    unexpected: totalsBy(lines.filter((l) => !known.has(l.transaction_event_code)), (l) => l.transaction_event_code, (l) => l.cents),
    pending: debits.filter((l) => l.transaction_status === 'P').map((l) => l.transaction_id),
  };
}

/**
 * Our books, per provider, from the ledger alone: a top-up's money in is its `topup:<id>`
 * posting on `platform:gateway` (negated), a withdrawal's money out its
 * `payout:<id>:settle` posting there.
 */
export async function ledgerBooks(db: Db): Promise<Record<ProviderName, Books>> {
  const credited = await db.sql<{ method: ProviderName; ref: string; amount: string }[]>`
    select u.method, u.id::text as ref, -p.amount as amount
    from top_ups u
    join ledger_transactions t on t.idempotency_key = 'topup:' || u.id
    join ledger_postings p on p.transaction_id = t.id
    join ledger_accounts a on a.id = p.account_id and a.key = 'platform:gateway'`;
  const settled = await db.sql<{ method: ProviderName; ref: string | null; amount: string }[]>`
    select w.method, w.provider_ref as ref, p.amount
    from withdrawals w
    join ledger_transactions t on t.idempotency_key = 'payout:' || w.id || ':settle'
    join ledger_postings p on p.transaction_id = t.id
    join ledger_accounts a on a.id = p.account_id and a.key = 'platform:gateway'`;
  const booksOf = (method: ProviderName): Books => {
    const ins = credited.filter((r) => r.method === method);
    const outs = settled.filter((r) => r.method === method);
    return {
      payments: totalsBy(ins, (r) => r.ref, (r) => Number(r.amount)),
      payouts: totalsBy(outs, (r) => r.ref ?? 'no provider reference', (r) => Number(r.amount)),
      receivedCents: sumOf(ins.map((r) => Number(r.amount))),
      paidOutCents: sumOf(outs.map((r) => Number(r.amount))),
    };
  };
  return { card: booksOf('card'), paypal: booksOf('paypal') };
}

/** What the transactions of the given idempotency keys moved together, per account (zeros left out), and their kinds. */
export async function movedBy(db: Db, keys: string[]): Promise<{ kinds: string[]; moved: Record<string, number> }> {
  const rows = await db.sql<{ kind: string; key: string | null; amount: string | null }[]>`
    select t.kind, a.key, p.amount from ledger_transactions t
    left join ledger_postings p on p.transaction_id = t.id
    left join ledger_accounts a on a.id = p.account_id
    where t.idempotency_key = any(${keys}::text[])
    order by t.id, p.id`;
  const moved: Record<string, number> = {};
  for (const r of rows) if (r.key !== null) moved[r.key] = (moved[r.key] ?? 0) + Number(r.amount);
  for (const key of Object.keys(moved)) if (moved[key] === 0) delete moved[key];
  return { kinds: [...new Set(rows.map((r) => r.kind))], moved };
}

/**
 * Hands the stand-ins' webhook deliveries to the app (`fetchApp`) and watches them: how many
 * are in flight, and every one the app did not answer with a 2xx.
 */
export function watchWebhooks(stand: PaymentStandIns, fetchApp: (req: Request) => Response | Promise<Response>) {
  let inFlight = 0;
  let lastEnded = 0;
  const refused: string[] = [];
  stand.attach(async (req) => {
    inFlight += 1;
    try {
      const res = await fetchApp(req);
      if (res.status < 200 || res.status >= 300) refused.push(`${new URL(req.url).pathname} ${res.status}: ${await res.clone().text()}`);
      return res;
    } finally {
      inFlight -= 1;
      lastEnded = performance.now();
    }
  });
  return {
    /**
     * Waits until no delivery is in flight nor ended in the last 50 ms: copies of one event
     * (a duplicate webhook) and a payment's second event go out together, a moment apart.
     */
    quiet: () => pollUntil(() => inFlight === 0 && performance.now() - lastEnded >= 50, { intervalMs: 25, what: 'the webhook deliveries in flight' }),
    /** Deliveries the app refused or failed (`path status: body`), in order. */
    refused: () => [...refused],
  };
}
