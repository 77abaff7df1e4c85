/**
 * The balance page (K-49, K-53: one balance, main and bonus): the balances, what is withdrawable
 * now and — "Why can't I withdraw?" — every part that is not, with its reason and the exact time
 * it is released (`wallet.withdrawable`: D-09's card top-up locks, D-10's pauses, the bonus,
 * pending withdrawals); the withdrawal terms and the next batch (D-04, K-50); the links to add
 * funds, withdraw, payout details and withdrawals; the latest top-ups and the statement.
 */
import type { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { NotWithdrawablePart, Withdrawable } from '../../../services/withdrawable.js';
import type { TopUpView } from '../../../services/wallet.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { page, query, userOf } from '../../page.js';
import { DataTable, Money, Pager, Time, money } from '../../ui.js';
import { TermsSection } from './parts.js';
import { topUpStatusLabel } from './top-up.js';

type Pages = Hono<WebEnv>;
/** One posting of the statement, as `wallet.statement` gives it. */
type StatementItem = Awaited<ReturnType<WebDeps['services']['wallet']['statement']>>['items'][number];

const Balances: FC<{ w: Withdrawable; escrowCents: number }> = ({ w, escrowCents }) => (
  <dl class="balances">
    <dt>Main balance</dt>
    <dd id="balance-main">
      <Money cents={w.mainCents} />
    </dd>
    <dt>Bonus balance (orders only, K-49)</dt>
    <dd id="balance-bonus">
      <Money cents={w.bonusCents} />
    </dd>
    <dt>In escrow for your orders</dt>
    <dd id="balance-escrow">
      <Money cents={escrowCents} />
    </dd>
    <dt>Withdrawable now</dt>
    <dd id="balance-withdrawable">
      <Money cents={w.withdrawableCents} />
    </dd>
  </dl>
);

const MoneyLinks: FC = () => (
  <nav class="subnav" aria-label="money">
    <ul>
      <li>
        <a class="button" href="/balance/top-up">
          Add funds
        </a>
      </li>
      <li>
        <a class="button" href="/balance/withdraw">
          Withdraw
        </a>
      </li>
      <li>
        <a href="/balance/payout-details">Payout details</a>
      </li>
      <li>
        <a href="/balance/withdrawals">Withdrawals</a>
      </li>
      <li>
        <a href="/referrals">Referrals</a>
      </li>
    </ul>
  </nav>
);

/** What the part is, in words, with a link to the top-up or withdrawal it names. */
const PartWhat: FC<{ part: NotWithdrawablePart }> = ({ part }) => {
  switch (part.reason) {
    case 'bonus':
      return <>Bonus balance: promo money pays for orders only (K-49)</>;
    case 'card_top_up':
      return (
        <>
          <a href={`/balance/top-ups/${part.topUpId}`}>{part.detail.replace(/^card/, 'Card')}</a>: card money is withdrawable a month after it arrived (K-48, D-09)
        </>
      );
    case 'withdrawals_paused':
      return <>{part.cause === 'email_change' ? 'Your email changed' : 'Your payout details were added or changed'}: withdrawals are paused for 7 days (K-51, D-10)</>;
    case 'pending_withdrawal':
      return (
        <>
          In pending <a href={`/balance/withdrawals/${part.withdrawalId}`}>withdrawal #{part.withdrawalId}</a>: set aside for its payout
        </>
      );
  }
};

/** When the part is released: an exact time, never, or with its withdrawal. */
const PartWhen: FC<{ part: NotWithdrawablePart; zone?: string }> = ({ part, zone }) => {
  if (part.reason === 'bonus') return <>never withdrawable</>;
  if (part.reason === 'pending_withdrawal' || !part.releasesAt) return <>back on your balance only if that withdrawal is cancelled, rejected or fails</>;
  return (
    <>
      {part.reason === 'withdrawals_paused' ? 'paused until' : 'withdrawable from'} <Time at={part.releasesAt} zone={zone} />
      {part.reason === 'card_top_up' ? ' (sooner only back to the same card, through support)' : null}
    </>
  );
};

/** "Why can't I withdraw?": `wallet.withdrawable`'s breakdown, part by part (the withdraw page shows it too). */
export const WhyNot: FC<{ w: Withdrawable; zone?: string }> = ({ w, zone }) => (
  <section aria-labelledby="why-h" id="why-not">
    <h2 id="why-h">Why can’t I withdraw?</h2>
    {w.notWithdrawable.length === 0 ? (
      <p>Nothing holds your money: all of your main balance is withdrawable now.</p>
    ) : (
      <>
        <p>
          <Money cents={w.withdrawableCents} /> is withdrawable now. The rest is not yet:
        </p>
        <ul id="not-withdrawable">
          {w.notWithdrawable.map((part) => (
            <li data-reason={part.reason}>
              <strong>{money(part.amountCents)}</strong> · <PartWhat part={part} /> — <PartWhen part={part} zone={zone} />
            </li>
          ))}
        </ul>
      </>
    )}
  </section>
);

const RecentTopUps: FC<{ topUps: TopUpView[]; zone?: string }> = ({ topUps, zone }) =>
  topUps.length === 0 ? null : (
    <section aria-labelledby="top-ups-h">
      <h2 id="top-ups-h">Latest top-ups</h2>
      <ul id="top-ups">
        {topUps.map((t) => (
          <li>
            <a href={`/balance/top-ups/${t.id}`}>Top-up #{t.id}</a>: <Money cents={t.amountCents} /> from {t.source}, <Time at={t.createdAt} zone={zone} /> — {topUpStatusLabel[t.status]}
          </li>
        ))}
      </ul>
    </section>
  );

const STATEMENT_COLUMNS = ['When', 'What', 'Account', 'Amount', 'Balance after'] as const;

/** The page a posting's business event is about, from its idempotency key (`order:8:refund`, `job:3:hold:1`; db/ledger.ts): the order or the job. */
function postingPage(key: string): string | undefined {
  const match = key.match(/^(order|job):(\d+):/);
  return match ? `/${match[1]}s/${match[2]}` : undefined;
}

/** One posting; each cell names its column (`data-label`): on a phone the rows stack, every value under its name. */
const StatementRow: FC<{ item: StatementItem; zone?: string }> = ({ item, zone }) => {
  const page = postingPage(item.idempotencyKey);
  return (
    <tr>
      <td data-label={STATEMENT_COLUMNS[0]}>
        <Time at={item.createdAt} zone={zone} />
      </td>
      <td data-label={STATEMENT_COLUMNS[1]}>{page ? <a href={page}>{item.description}</a> : item.description}</td>
      <td data-label={STATEMENT_COLUMNS[2]}>{item.account}</td>
      <td data-label={STATEMENT_COLUMNS[3]} class={item.amount < 0 ? 'debit' : 'credit'}>
        {item.amount < 0 ? '−' : '+'}
        {money(Math.abs(item.amount))}
      </td>
      <td data-label={STATEMENT_COLUMNS[4]}>
        <Money cents={item.balanceAfter} />
      </td>
    </tr>
  );
};

const Statement: FC<{ items: StatementItem[]; next: string | null; zone?: string }> = ({ items, next, zone }) => (
  <section aria-labelledby="statement-h">
    <h2 id="statement-h">Statement</h2>
    {items.length === 0 ? (
      <p>No money has moved yet.</p>
    ) : (
      <DataTable id="statement" label="Statement" caption="Statement, newest first" columns={[...STATEMENT_COLUMNS]} stacked>
        {items.map((item) => (
          <StatementRow item={item} zone={zone} />
        ))}
      </DataTable>
    )}
    <Pager next={next} nextLabel="Older entries →" />
  </section>
);

/** Everything the balance page shows, read at once. */
async function readBalance(deps: WebDeps, userId: number, cursor: string | undefined) {
  const { wallet, withdrawals } = deps.services;
  const [balance, w, terms, topUps, statement] = await Promise.all([
    wallet.balance(userId),
    wallet.withdrawable(userId),
    withdrawals.terms(),
    wallet.listTopUps(userId),
    wallet.statement(userId, { cursor: cursor?.slice(0, 100), limit: 20 }),
  ]);
  return { escrowCents: balance.escrowCents, w, terms, topUps: topUps.slice(0, 5), statement };
}

export function balancePage(app: Pages, deps: WebDeps) {
  app.get('/balance', async (c) => {
    const user = userOf(c);
    const b = await readBalance(deps, user.id, query(c, 'cursor'));
    const next = b.statement.nextCursor ? `/balance?cursor=${encodeURIComponent(b.statement.nextCursor)}` : null;
    return page(c, deps, 'Balance', (v) => (
      <>
        <Balances w={b.w} escrowCents={b.escrowCents} />
        <MoneyLinks />
        <WhyNot w={b.w} zone={v.timeZone} />
        <TermsSection terms={b.terms} zone={v.timeZone} />
        <RecentTopUps topUps={b.topUps} zone={v.timeZone} />
        <Statement items={b.statement.items} next={next} zone={v.timeZone} />
      </>
    ));
  });
}
