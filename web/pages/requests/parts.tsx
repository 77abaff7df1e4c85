/** What the request pages share: the list table, and the request's facts. */
import type { FC } from 'hono/jsx';
import type { RequestDetail, RequestSummary } from '../../../services/requests.js';
import { DataTable, Money, Time } from '../../ui.js';

export const statusLabel: Record<RequestSummary['status'], string> = {
  awaiting_moderation: 'Awaiting moderation',
  active: 'Active',
  picked: 'Picked',
  closed: 'Closed',
  expired: 'Expired',
  rejected: 'Rejected',
  voided: 'Voided',
};

export const Budget: FC<{ cents: number | null }> = ({ cents }) => (cents === null ? <>no budget named</> : <Money cents={cents} />);

export const RequestTable: FC<{ items: RequestSummary[]; zone?: string; caption: string }> = ({ items, zone, caption }) => (
  <DataTable label="requests" caption={caption} columns={['Request', 'Category', 'Budget', 'Status', 'Answers', 'Active until']}>
    {items.map((r) => (
      <tr>
        <td>
          <a href={`/requests/${r.id}`}>{r.title}</a>
        </td>
        <td>{r.category.name}</td>
        <td>
          <Budget cents={r.budgetCents} />
        </td>
        <td>{statusLabel[r.status]}</td>
        <td>{r.answersCount}</td>
        <td>{r.activeUntil ? <Time at={r.activeUntil} zone={zone} /> : '—'}</td>
      </tr>
    ))}
  </DataTable>
);

export const RequestFacts: FC<{ r: RequestDetail; zone?: string }> = ({ r, zone }) => (
  <dl class="facts" id="request-facts">
    <dt>Status</dt>
    <dd id="request-status">{statusLabel[r.status]}</dd>
    {r.statusReason ? (
      <>
        <dt>Why</dt>
        <dd>{r.statusReason}</dd>
      </>
    ) : null}
    <dt>Category</dt>
    <dd>{r.category.name}</dd>
    <dt>Budget</dt>
    <dd>
      <Budget cents={r.budgetCents} />
    </dd>
    <dt>Posted</dt>
    <dd>
      <Time at={r.postedAt} zone={zone} /> by {r.buyer.login}
    </dd>
    {r.activeUntil ? (
      <>
        <dt>Active until</dt>
        <dd>
          <Time at={r.activeUntil} zone={zone} />
        </dd>
      </>
    ) : null}
    <dt>Description</dt>
    <dd class="prose">{r.description}</dd>
  </dl>
);
