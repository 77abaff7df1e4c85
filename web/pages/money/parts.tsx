/**
 * What the money pages share: the withdrawal terms of D-04 and the batch calendar of K-50 in
 * words, a withdrawal's status and facts (the owner's page and staff's show the same), and its
 * history. The numbers come from `withdrawals.terms()`: the page never has its own copy.
 */
import type { FC } from 'hono/jsx';
import type { WithdrawalDetail, WithdrawalStatus, WithdrawalSummary } from '../../../services/withdrawals.js';
import type { WithdrawalMethod, WithdrawalPolicy } from '../../../workflows/withdrawal/messages.js';
import { feeOf } from '../../../workflows/withdrawal/policy.js';
import { DataTable, Money, Stamped, Time, money } from '../../ui.js';

/** What `withdrawals.terms()` answers. */
export interface Terms {
  policy: WithdrawalPolicy;
  nextBatchAt: string;
}

export const methodLabel: Record<WithdrawalMethod, string> = { card: 'Card', paypal: 'PayPal' };

export const withdrawalStatusLabel: Record<WithdrawalStatus, string> = {
  requested: 'Requested: waiting for the next batch',
  held: 'Held by support',
  in_batch: 'In a batch: being paid out',
  paid: 'Paid',
  failed: 'Failed: the money is back on your balance',
  cancelled: 'Cancelled: the money is back on your balance',
  rejected: 'Rejected: the money is back on your balance',
};

/** 450 basis points → `4.5 %`. */
const percent = (bps: number) => `${(bps / 100).toLocaleString('en-US', { maximumFractionDigits: 2 })} %`;

/** D-04 for one method: `4.5 % (at least $1.00)`. */
export const feeText = (policy: WithdrawalPolicy, method: WithdrawalMethod) => `${percent(policy.fees[method].bps)} (at least ${money(policy.fees[method].minFeeCents)})`;

const weekdayNames = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** K-50's calendar in words: "Monday, Wednesday and Friday at 12:00 (Europe/Warsaw time)". */
export function batchDays(policy: WithdrawalPolicy): string {
  const days = policy.batch.weekdays.map((d) => weekdayNames[d] ?? String(d));
  const list = days.length > 1 ? `${days.slice(0, -1).join(', ')} and ${days.at(-1)}` : (days[0] ?? '');
  const at = `${String(policy.batch.hour).padStart(2, '0')}:${String(policy.batch.minute).padStart(2, '0')}`;
  return `${list} at ${at} (${policy.batch.zone} time)`;
}

/** The fee and what arrives for `amountCents` by `method`, by D-04's one rule (`feeOf`). */
export function feeFor(policy: WithdrawalPolicy, method: WithdrawalMethod, amountCents: number): { feeCents: number; netCents: number } {
  const feeCents = feeOf(method, amountCents, policy);
  return { feeCents, netCents: amountCents - feeCents };
}

/** D-04's table and K-50's calendar, with the next batch's date: the balance page shows it (K-50). */
export const TermsSection: FC<{ terms: Terms; zone?: string }> = ({ terms, zone }) => (
  <section aria-labelledby="terms-h" id="terms">
    <h2 id="terms-h">Withdrawal terms</h2>
    <DataTable label="Fees and minimums" caption="Fees and minimums by payout method (D-04)" columns={['Paid to', 'Fee', 'Smallest withdrawal']}>
      {(['card', 'paypal'] as const).map((m) => (
        <tr id={`terms-${m}`}>
          <th scope="row">{methodLabel[m]}</th>
          <td>{feeText(terms.policy, m)}</td>
          <td>
            <Money cents={terms.policy.fees[m].minAmountCents} />
          </td>
        </tr>
      ))}
    </DataTable>
    <p>
      The fee is taken from the amount you withdraw; at most <Money cents={terms.policy.maxAmountCents} /> at a time. Payouts leave in batches on {batchDays(terms.policy)}; a
      holiday moves a batch to the next batch day. Next batch: <strong id="next-batch"><Time at={terms.nextBatchAt} zone={zone} /></strong>.
    </p>
  </section>
);

/** A withdrawal's facts, for its owner and for staff. */
export const WithdrawalFacts: FC<{ w: WithdrawalSummary; zone?: string }> = ({ w, zone }) => (
  <dl class="facts">
    <dt>Status</dt>
    <dd>
      <span class="status" id="withdrawal-status" data-status={w.status}>
        {withdrawalStatusLabel[w.status]}
      </span>
    </dd>
    {w.statusReason ? (
      <>
        <dt>Reason</dt>
        <dd id="withdrawal-reason" class="prewrap">
          {w.statusReason}
        </dd>
      </>
    ) : null}
    <dt>Amount</dt>
    <dd id="withdrawal-amount">
      <Money cents={w.amountCents} />
    </dd>
    <dt>Fee (D-04)</dt>
    <dd id="withdrawal-fee">
      <Money cents={w.feeCents} />
    </dd>
    <dt>You receive</dt>
    <dd id="withdrawal-net">
      <Money cents={w.netCents} />
    </dd>
    <dt>Paid to</dt>
    <dd>
      {methodLabel[w.method]}: {w.destinationLabel}
    </dd>
    <dt>Requested</dt>
    <dd>
      <Time at={w.requestedAt} zone={zone} />
    </dd>
    <dt>Expected batch</dt>
    <dd id="withdrawal-batch">
      <Time at={w.expectedBatchAt} zone={zone} />
      {w.batchId ? ` (batch ${w.batchId})` : null}
    </dd>
    {w.closedAt ? (
      <>
        <dt>Closed</dt>
        <dd>
          <Time at={w.closedAt} zone={zone} />
        </dd>
      </>
    ) : null}
  </dl>
);

export const WithdrawalHistory: FC<{ history: WithdrawalDetail['history']; zone?: string }> = ({ history, zone }) =>
  history.length === 0 ? null : (
    <section aria-labelledby="history-h">
      <h2 id="history-h">History</h2>
      <ol class="timeline" id="withdrawal-history">
        {history.map((h) => (
          <li>
            <Time at={h.at} zone={zone} /> · {h.status.replaceAll('_', ' ')}
            {h.note ? <>: <Stamped text={h.note} zone={zone} /></> : null}
          </li>
        ))}
      </ol>
    </section>
  );

/** Withdrawals as a table: the owner's list and staff's queue (`staff` adds the user and links to staff's page). */
export const WithdrawalTable: FC<{ items: WithdrawalSummary[]; hrefOf: (id: number) => string; staff?: boolean; zone?: string }> = ({ items, hrefOf, staff, zone }) => (
  <DataTable id="withdrawals" label="Withdrawals" caption="Withdrawals, newest first" columns={['Withdrawal', staff && 'User', 'Requested', 'Amount', 'Paid to', 'Status', 'Expected batch']}>
    {items.map((w) => (
      <tr data-status={w.status}>
        <td>
          <a href={hrefOf(w.id)}>#{w.id}</a>
        </td>
        {staff ? <td>#{w.userId}</td> : null}
        <td>
          <Time at={w.requestedAt} zone={zone} />
        </td>
        <td>
          <Money cents={w.amountCents} />
        </td>
        <td>{w.destinationLabel}</td>
        <td>
          <span class="status">{w.status.replaceAll('_', ' ')}</span>
        </td>
        <td>
          <Time at={w.expectedBatchAt} zone={zone} />
        </td>
      </tr>
    ))}
  </DataTable>
);
