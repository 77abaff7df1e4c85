/**
 * The lists of estimated jobs: the client's Jobs tab with its open jobs and **Closed Jobs**
 * (W-16), each approved one with the cloud icon that downloads its invoice (W-17); the experts'
 * page with the queue (W-02: most urgent first, then oldest, with when the first answer is due)
 * and their own jobs; staff's list with its filters (status, cancellations waiting for a refund
 * decision, clients asking for another expert).
 */
import type { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import type { JobSummary } from '../../../services/jobs.js';
import { jobStatuses, urgencies } from '../../../workflows/job/messages.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { checkbox, parseForm, readQuery } from '../../forms.js';
import { page, userOf } from '../../page.js';
import { Checkbox, DataTable, Money, Select, Time } from '../../ui.js';
import { staffAccess, staffOf } from '../staff/roles.js';
import { ClosureBanner } from './closure.js';

export const statusLabel: Record<(typeof jobStatuses)[number], string> = {
  awaiting_verification: 'Waiting for your email’s verification',
  open: 'Waiting for an expert',
  estimating: 'Being estimated',
  estimated: 'Estimate waiting for payment',
  in_progress: 'In progress',
  delivered: 'Delivered: waiting for approval',
  cancellation_requested: 'Cancellation requested',
  approved: 'Approved',
  cancelled: 'Cancelled',
  expired: 'Expired',
};

/** W-02: the urgency as people read it. */
export const urgencyLabel: Record<(typeof urgencies)[number], string> = { low: 'Low', normal: 'Normal', high: 'High', critical: 'Critical' };

/** A table of jobs; `invoices`: the cloud-icon column (W-17). */
export const JobTable: FC<{ items: JobSummary[]; zone?: string | undefined; caption: string; id: string; invoices?: boolean; due?: boolean }> = ({ items, zone, caption, id, invoices, due }) => (
  <DataTable id={id} label={caption} caption={caption} columns={['Job', 'Urgency', 'Status', 'Price', due ? 'First answer due' : 'Ordered', invoices ? 'Invoice' : null]}>
    {items.map((j) => (
      <tr data-job-id={String(j.id)}>
        <td>
          <a href={`/jobs/${j.id}`}>
            #{j.id} {j.title}
          </a>
        </td>
        <td>{urgencyLabel[j.urgency]}</td>
        <td>{statusLabel[j.status]}</td>
        <td>{j.priceCents === null ? '—' : <Money cents={j.priceCents} />}</td>
        <td>{due ? j.firstAnswerDueAt ? <Time at={j.firstAnswerDueAt} zone={zone} /> : '—' : <Time at={j.orderedAt} zone={zone} />}</td>
        {invoices ? (
          <td>
            {j.invoiceId ? (
              <a href={`/invoices/${j.invoiceId}/pdf`} title="Download the invoice">
                {/* The name a screen reader hears starts with the visible text (axe: label-content-name-mismatch). */}
                <span aria-hidden="true">☁ </span>PDF<span class="visually-hidden">, the invoice of job #{j.id}</span>
              </a>
            ) : (
              '—'
            )}
          </td>
        ) : null}
      </tr>
    ))}
  </DataTable>
);

const StaffFilter = z.object({
  status: z.preprocess((v) => (v === '' ? undefined : v), z.enum(jobStatuses, { error: 'not a valid choice' }).optional()),
  cancellationRequested: checkbox,
  differentExpertAsked: checkbox,
});

export function jobListPages(app: Hono<WebEnv>, deps: WebDeps) {
  const { jobs } = deps.services;
  app.get('/jobs', async (c) => {
    const mine = await jobs.mine(userOf(c).id);
    return page(c, deps, 'Jobs', (v) => (
      <>
        <ClosureBanner notice={jobs.closureNotice()} />
        <p>
          <a class="button" href="/jobs/new">
            Order a job
          </a>
        </p>
        <h2>Open jobs</h2>
        {mine.open.length === 0 ? <p>No open jobs.</p> : <JobTable id="open-jobs" items={mine.open} zone={v.timeZone} caption="Your open jobs, newest first" />}
        <h2>Closed Jobs</h2>
        {mine.closed.length === 0 ? <p>No closed jobs yet.</p> : <JobTable id="closed-jobs" items={mine.closed} zone={v.timeZone} caption="Your closed jobs: review them, resume a conversation, download an invoice" invoices />}
      </>
    ));
  });
  app.get('/expert/jobs', async (c) => {
    const user = staffOf(c, staffAccess.expert);
    const [queue, mine] = await Promise.all([jobs.queue(), jobs.mineAsExpert(user.id)]);
    return page(c, deps, 'Expert jobs', (v) => (
      <>
        <h2>The queue</h2>
        {queue.length === 0 ? <p>No job waits for an expert.</p> : <JobTable id="job-queue" items={queue} zone={v.timeZone} caption="Most urgent first, then the oldest: open one to claim it" due />}
        <h2>Your jobs</h2>
        {mine.length === 0 ? <p>No jobs yet.</p> : <JobTable id="expert-jobs" items={mine} zone={v.timeZone} caption="The jobs you hold, and had" />}
      </>
    ));
  });
  app.get('/staff/jobs', async (c) => {
    staffOf(c, staffAccess.jobs);
    const query = readQuery(c);
    const parsed = parseForm(StaffFilter, query);
    const items = parsed.ok ? await jobs.staffList(parsed.data) : [];
    const errors: Record<string, string> = parsed.ok ? {} : parsed.errors;
    return page(
      c,
      deps,
      'Jobs',
      (v) => (
        <>
          <form method="get" action="/staff/jobs" class="inline" aria-label="filter jobs" id="job-filter">
            <Select name="status" label="Status" value={String(query.status ?? '')} errors={errors} options={[['', 'Any status'], ...jobStatuses.map((s) => [s, statusLabel[s]] as [string, string])]} />
            <Checkbox name="cancellationRequested" label="Waiting for a refund decision" checked={parsed.ok && parsed.data.cancellationRequested} errors={errors} />
            <Checkbox name="differentExpertAsked" label="Client asked for another expert" checked={parsed.ok && parsed.data.differentExpertAsked} errors={errors} />
            <button type="submit">Filter</button>
          </form>
          {items.length === 0 ? <p>No jobs.</p> : <JobTable id="staff-jobs" items={items} zone={v.timeZone} caption="Newest first: open one to reassign it or decide a refund" />}
        </>
      ),
      parsed.ok ? 200 : 400,
    );
  });
}
