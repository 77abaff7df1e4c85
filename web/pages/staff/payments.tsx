/**
 * Support's view of the money's other side: the payout batches (K-50) with their reconciliation
 * (count, gross, fees, net of the withdrawals paid), the payment providers' webhook events
 * (unmatched ones first: they name a payment or payout we do not know), and K-48's early
 * withdrawal of a card top-up, which staff make by refunding it to the card that paid it —
 * `/staff/top-ups/<id>/refund`, with a confirmation. Support staff and admins.
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import type { EventStatus, ProviderEventView } from '../../../services/provider-webhooks.js';
import type { PayoutBatchView } from '../../../services/withdrawals.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { firstOf, parseForm, readQuery, type FormData } from '../../forms.js';
import { page } from '../../page.js';
import { DataTable, Money, Select, Time, type Viewer } from '../../ui.js';
import { staffAccess, staffOf } from './roles.js';
import { StaffMoneyNav } from './money-nav.js';

const eventStatuses = ['unmatched', 'received', 'processed', 'ignored'] as const satisfies readonly EventStatus[];
const EventFilter = z.object({ status: z.preprocess((v) => (v === '' ? undefined : v), z.enum(eventStatuses, { error: 'choose a status from the list' }).optional()) });

const BatchRow: FC<{ b: PayoutBatchView; zone?: string }> = ({ b, zone }) => (
  <tr data-status={b.status}>
    <td>{b.id}</td>
    <td>
      <Time at={b.scheduledAt} zone={zone} />
    </td>
    <td>
      {b.status.replaceAll('_', ' ')}
      {b.holiday ? ` (${b.holiday})` : null}
    </td>
    <td>{b.taken}</td>
    <td>{b.paidCount}</td>
    <td>{b.failedCount}</td>
    <td>
      <Money cents={b.grossCents} />
    </td>
    <td>
      <Money cents={b.feesCents} />
    </td>
    <td>
      <Money cents={b.netCents} />
    </td>
    <td>{b.reconciledAt ? <Time at={b.reconciledAt} zone={zone} /> : '—'}</td>
    <td>{b.grossCents === b.feesCents + b.netCents ? 'yes' : <strong class="error">no</strong>}</td>
  </tr>
);

const BatchTable: FC<{ batches: PayoutBatchView[]; zone?: string }> = ({ batches, zone }) => (
  <DataTable id="batches" label="Payout batches" caption="Payout batches, newest first, with their reconciliation" columns={['Batch', 'Scheduled', 'Status', 'Taken', 'Paid', 'Failed', 'Gross', 'Fees', 'Net', 'Reconciled', 'Gross = fees + net']}>
    {batches.map((b) => (
      <BatchRow b={b} zone={zone} />
    ))}
  </DataTable>
);

const EventRow: FC<{ e: ProviderEventView; zone?: string }> = ({ e, zone }) => (
  <tr data-status={e.status}>
    <td>
      <Time at={e.receivedAt} zone={zone} />
    </td>
    <td>{e.provider}</td>
    <td>{e.type}</td>
    <td class="prewrap">{e.eventId}</td>
    <td class="prewrap">{e.subjectKind ? `${e.subjectKind} ${e.subjectRef ?? ''}` : '—'}</td>
    <td>{e.status === 'unmatched' ? <strong class="status warn">unmatched</strong> : e.status}</td>
    <td class="prewrap">{e.note ?? ''}</td>
    <td>{e.deliveries}</td>
  </tr>
);

const EventTable: FC<{ events: ProviderEventView[]; zone?: string }> = ({ events, zone }) => (
  <DataTable id="provider-events" label="Provider events" caption="Webhook events, unmatched first, then newest first" columns={['Received', 'Provider', 'Type', 'Event', 'About', 'Status', 'Note', 'Deliveries']}>
    {events.map((e) => (
      <EventRow e={e} zone={zone} />
    ))}
  </DataTable>
);

const EventFilterForm: FC<{ query: FormData; error?: string }> = ({ query, error }) => (
  <form method="get" action="/staff/provider-events" class="filters" aria-label="filter events">
    <Select name="status" label="Status" value={firstOf(query.status)} errors={error ? { status: error } : {}} options={[['', 'Every status, unmatched first'], ...eventStatuses.map((s): [string, string] => [s, s])]} />
    <p>
      <button type="submit">Show</button>
    </p>
  </form>
);

/** Unmatched first (staff must look at those), newest first within each. */
const unmatchedFirst = (events: ProviderEventView[]) => [...events].sort((a, b) => Number(b.status === 'unmatched') - Number(a.status === 'unmatched') || b.id - a.id);

function listPages(app: Hono<WebEnv>, deps: WebDeps) {
  app.get('/staff/payout-batches', async (c) => {
    staffOf(c, staffAccess.money);
    const batches = await deps.services.withdrawals.batches();
    return page(c, deps, 'Payout batches', (v: Viewer) => (
      <>
        <StaffMoneyNav />
        {batches.length === 0 ? <p class="muted">No batch has run yet.</p> : <BatchTable batches={batches} zone={v.timeZone} />}
      </>
    ));
  });
  app.get('/staff/provider-events', async (c) => {
    staffOf(c, staffAccess.money);
    const query = readQuery(c);
    const parsed = parseForm(EventFilter, query);
    const events = parsed.ok ? unmatchedFirst(await deps.services.webhooks.list(parsed.data.status)) : [];
    const body = (v: Viewer) => (
      <>
        <StaffMoneyNav />
        <EventFilterForm query={query} error={parsed.ok ? undefined : parsed.errors.status} />
        {events.length === 0 ? <p class="muted">No event.</p> : <EventTable events={events} zone={v.timeZone} />}
      </>
    );
    return page(c, deps, 'Provider events', body, parsed.ok ? 200 : 400);
  });
}

export function staffPaymentPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  listPages(app, deps);
  return app;
}
