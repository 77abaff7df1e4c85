/**
 * The job page (`/jobs/<id>`): the "Approve job" box at the top (W-12) with the date the job is
 * approved automatically (W-13), a link to give the invoicing data the invoice needs if the client
 * has none yet (W-18), and, once approved, the invoice next to it (W-17); the job's
 * facts and files; the estimates, with a payment box next to the current one — "Pay now" from the
 * balance, and when the balance is short a link to add the difference by card or PayPal that
 * comes back to the job (W-07, W-08); the parties' and staff's actions, each with its reason
 * (W-10, W-11); the history; the conversation (W-09); and on a closed job the review (W-15) and
 * "Resume conversation" (W-16). Each form goes through `services/jobs.ts`, as the JSON API does.
 */
import type { FC } from 'hono/jsx';
import type { JobDetail } from '../../../services/jobs.js';
import { jobWorkflowId } from '../../../workflows/job/messages.js';
import { jobPolicy } from '../../../workflows/job/policy.js';
import type { WebDeps } from '../../context.js';
import { firstOf, type ShownForm } from '../../forms.js';
import { ActionButton, Checkbox, Field, Form, Money, Select, Stamped, TextArea, Time, type Viewer } from '../../ui.js';
import { AttachmentList } from '../attachments.js';
import { TemporalLink } from '../staff/temporal-link.js';
import { statusLabel, urgencyLabel } from './lists.js';

const sent = (shown: ShownForm, key: string, field: string) => (shown.key === key ? String(firstOf(shown.form?.[field]) ?? '') : '');
const errorsOf = (shown: ShownForm, key: string) => (shown.key === key ? (shown.errors ?? {}) : {});
const refusalOf = (shown: ShownForm, key: string) => (shown.key === key ? shown.message : undefined);
const can = (j: JobDetail, action: string) => j.allowedActions.includes(action);

/** W-18: the invoice is made out to the client's invoicing data: without it, a link to give it that comes back to the job. */
const InvoicingPrompt: FC<{ j: JobDetail; approved: boolean }> = ({ j, approved }) => (
  <p id="invoicing-prompt">
    {approved ? 'Your invoice is issued as soon as you give your ' : 'Your invoice needs your '}
    <a href={`/settings/invoicing?next=/jobs/${j.id}`}>invoicing data (first name, last name, country; a company’s tax details)</a>
    {approved ? '.' : ': give it before you approve, and the invoice is ready at once.'}
  </p>
);

/**
 * W-12, W-13, W-17: the approval box at the top, and the invoice next to it once approved;
 * `invoicingMissing`: the client has given no invoicing data yet (W-18).
 */
const ApprovalBox: FC<{ j: JobDetail; v: Viewer; shown: ShownForm; invoicingMissing: boolean }> = ({ j, v, shown, invoicingMissing }) => {
  if (j.role !== 'client') return null;
  const approveAt = j.view?.autoApproveAt ?? null;
  const approved = j.status === 'approved';
  if (!can(j, 'approve') && j.invoiceId === null && !(approved && invoicingMissing)) return null;
  return (
    <section class="card approval" aria-labelledby="approve-h" id="approval">
      <h2 id="approve-h">{approved ? 'Approved' : 'Approve job'}</h2>
      {invoicingMissing && j.invoiceId === null ? <InvoicingPrompt j={j} approved={approved} /> : null}
      {can(j, 'approve') ? (
        <Form action={`/jobs/${j.id}/approve`} csrf={v.csrf} error={refusalOf(shown, 'approve')} label="approve the job">
          <p>Approving releases the payment to the expert and issues your invoice.{approveAt ? <> Unless you act, the job is approved automatically on <Time at={approveAt} zone={v.timeZone} />.</> : null}</p>
          <Checkbox name="approveConfirmed" label="The work is done: the expert is paid now, and this cannot be undone" checked={sent(shown, 'approve', 'approveConfirmed') === 'on'} errors={errorsOf(shown, 'approve')} required />
          <button type="submit">Approve job</button>
        </Form>
      ) : null}
      {j.invoiceId !== null ? (
        <p>
          <a href={`/invoices/${j.invoiceId}/pdf`}>☁ Download the invoice (PDF)</a>
        </p>
      ) : null}
    </section>
  );
};

const Facts: FC<{ j: JobDetail; v: Viewer }> = ({ j, v }) => (
  <dl class="facts">
    <dt>Status</dt>
    <dd id="job-status">{statusLabel[j.status]}</dd>
    <dt>Urgency</dt>
    <dd>{urgencyLabel[j.urgency]}</dd>
    {j.install ? (
      <>
        <dt>Installation</dt>
        <dd>
          {j.install.name}, <Money cents={j.install.priceCents} />
        </dd>
      </>
    ) : null}
    {j.budgetCents !== null ? (
      <>
        <dt>Budget</dt>
        <dd>
          <Money cents={j.budgetCents} />
        </dd>
      </>
    ) : null}
    {j.siteUrl ? (
      <>
        <dt>Site</dt>
        <dd>{j.siteUrl}</dd>
      </>
    ) : null}
    <dt>Client</dt>
    <dd>
      {j.client.username}
      {j.clientInvoicing ? ` · ${j.clientInvoicing.firstName} ${j.clientInvoicing.lastName}, ${j.clientInvoicing.country}${j.clientInvoicing.companyName ? `, ${j.clientInvoicing.companyName}` : ''}` : ''}
    </dd>
    <dt>Expert</dt>
    <dd>{j.expert?.username ?? 'not yet'}</dd>
    <dt>Ordered</dt>
    <dd>
      <Time at={j.orderedAt} zone={v.timeZone} />
    </dd>
    {j.firstAnswerDueAt && !j.firstAnsweredAt ? (
      <>
        <dt>First answer due</dt>
        <dd>
          <Time at={j.firstAnswerDueAt} zone={v.timeZone} />
        </dd>
      </>
    ) : null}
  </dl>
);

/** W-07: the payment box next to the estimate (or the install's price): "Pay now" from the balance, or add what is missing. */
const PayBox: FC<{ j: JobDetail; v: Viewer; shown: ShownForm; estimateNumber: number; priceCents: number }> = ({ j, v, shown, estimateNumber, priceCents }) => {
  const short = shown.missingCents ?? (v.balanceCents !== undefined && v.balanceCents < priceCents ? priceCents - v.balanceCents : undefined);
  return (
    <aside class="card pay-box" aria-label="payment" id="pay-box">
      <p>
        Price: <Money cents={priceCents} />. It stays in escrow until you approve the job.
      </p>
      <Form action={`/jobs/${j.id}/pay`} csrf={v.csrf} error={refusalOf(shown, 'pay')} label="pay now">
        <input type="hidden" name="estimateNumber" value={String(estimateNumber)} />
        <button type="submit">Pay now</button>
      </Form>
      {short !== undefined && short > 0 ? (
        <p id="top-up-link">
          Your balance is short by <Money cents={short} />: <a href={`/balance/top-up?amount=${Math.max(short, 100)}&next=/jobs/${j.id}`}>add funds by card or PayPal</a>, then come back here to pay.
        </p>
      ) : null}
    </aside>
  );
};

/** W-04, W-05, W-07, W-11: the estimates, the current one with its payment box and the reject form. */
const Estimates: FC<{ j: JobDetail; v: Viewer; shown: ShownForm }> = ({ j, v, shown }) => {
  const estimates = j.view?.estimates ?? [];
  const current = estimates[estimates.length - 1];
  return (
    <section aria-labelledby="estimates-h" id="estimates">
      <h2 id="estimates-h">Estimate</h2>
      {j.install && can(j, 'pay') ? <PayBox j={j} v={v} shown={shown} estimateNumber={0} priceCents={j.install.priceCents} /> : null}
      {estimates.length === 0 && !j.install ? <p>No estimate yet: the expert answers with hours at ${jobPolicy.hourlyRateCents / 100}/h and a plan.</p> : null}
      {estimates.map((e) => (
        <article class="card estimate" id={`estimate-${e.number}`}>
          <h3>
            Estimate #{e.number}: {e.quarterHours / 4} h = <Money cents={e.priceCents} />
          </h3>
          <p>{e.plan}</p>
          {e.fitsBudget !== null ? <p>{e.fitsBudget ? 'Fits your budget.' : 'Does not fit your budget.'}</p> : null}
          {e.rejectedReason ? <p class="muted">Rejected: {e.rejectedReason}</p> : <p class="muted">Valid until <Time at={e.validUntil} zone={v.timeZone} />.</p>}
        </article>
      ))}
      {current && can(j, 'pay') && !j.install ? <PayBox j={j} v={v} shown={shown} estimateNumber={current.number} priceCents={current.priceCents} /> : null}
      {can(j, 'rejectEstimate') ? <ReasonForm j={j} v={v} shown={shown} path="reject-estimate" label="Reject the estimate" hint="Tell the expert why: they may send a revised one." /> : null}
    </section>
  );
};

/** A form with a reason: reject, different expert, cancel (several on one page: ids of their own). */
const ReasonForm: FC<{ j: JobDetail; v: Viewer; shown: ShownForm; path: string; label: string; hint: string }> = ({ j, v, shown, path, label, hint }) => {
  return (
    <Form action={`/jobs/${j.id}/${path}`} csrf={v.csrf} error={refusalOf(shown, path)} label={label.toLowerCase()} id={`${path}-form`}>
      <TextArea id={`${path}-reason`} name="reason" label={`${label}: your reason`} value={sent(shown, path, 'reason')} errors={errorsOf(shown, path)} hint={hint} rows={2} required />
      <button type="submit" class="secondary">
        {label}
      </button>
    </Form>
  );
};

/** The client's other actions (W-10, W-11), the expert's (claim, estimate, deliver). */
const PartyActions: FC<{ j: JobDetail; v: Viewer; shown: ShownForm }> = ({ j, v, shown }) => (
  <section aria-labelledby="actions-h" id="actions">
    <h2 id="actions-h">Actions</h2>
    {can(j, 'claim') ? <ActionButton action={`/jobs/${j.id}/claim`} csrf={v.csrf} label="Claim this job" /> : null}
    {can(j, 'estimate') ? (
      <Form action={`/jobs/${j.id}/estimate`} csrf={v.csrf} error={refusalOf(shown, 'estimate')} label="estimate the job" id="estimate-form">
        <Field name="hours" label={`Hours (in quarter hours), at $${jobPolicy.hourlyRateCents / 100}/h`} value={sent(shown, 'estimate', 'hours')} errors={errorsOf(shown, 'estimate')} required />
        <TextArea name="plan" label="Your plan" value={sent(shown, 'estimate', 'plan')} errors={errorsOf(shown, 'estimate')} rows={3} required />
        {j.budgetCents !== null ? (
          <Select name="fitsBudget" label="Does it fit the client’s budget?" value={sent(shown, 'estimate', 'fitsBudget') || 'true'} errors={errorsOf(shown, 'estimate')} options={[['true', 'Yes'], ['false', 'No']]} />
        ) : null}
        <button type="submit">Send the estimate</button>
      </Form>
    ) : null}
    {can(j, 'deliver') ? (
      <Form action={`/jobs/${j.id}/deliver`} csrf={v.csrf} error={refusalOf(shown, 'deliver')} label="deliver the job" id="deliver-form">
        <TextArea name="note" label="What you did" value={sent(shown, 'deliver', 'note')} errors={errorsOf(shown, 'deliver')} rows={2} required />
        <button type="submit">Mark as done</button>
      </Form>
    ) : null}
    {can(j, 'askDifferentExpert') ? <ReasonForm j={j} v={v} shown={shown} path="different-expert" label="Ask for a different expert" hint="Staff reassign the job; the history keeps both." /> : null}
    {can(j, 'cancel') ? <ReasonForm j={j} v={v} shown={shown} path="cancel" label="Cancel the job" hint="Before payment it simply ends; after it, staff decide the refund." /> : null}
  </section>
);

/** Staff: reassign (W-10) and the refund decision (W-08, W-11). */
const StaffActions: FC<{ j: JobDetail; v: Viewer; shown: ShownForm; experts: { id: number; username: string }[] }> = ({ j, v, shown, experts }) =>
  j.role !== 'staff' || (!can(j, 'reassign') && !can(j, 'decideCancellation')) ? null : (
    <section aria-labelledby="staff-h" id="staff-actions">
      <h2 id="staff-h">Staff</h2>
      {can(j, 'reassign') ? (
        <Form action={`/jobs/${j.id}/reassign`} csrf={v.csrf} error={refusalOf(shown, 'reassign')} label="reassign the job" id="reassign-form">
          <Select name="expertId" label="New expert" value={sent(shown, 'reassign', 'expertId')} errors={errorsOf(shown, 'reassign')} options={[['', 'Choose an expert'], ...experts.filter((e) => e.id !== j.expert?.id).map((e) => [String(e.id), e.username] as [string, string])]} />
          <TextArea name="note" label="Note" value={sent(shown, 'reassign', 'note')} errors={errorsOf(shown, 'reassign')} rows={2} required />
          <button type="submit">Reassign</button>
        </Form>
      ) : null}
      {can(j, 'decideCancellation') ? (
        <Form action={`/jobs/${j.id}/decide-cancellation`} csrf={v.csrf} error={refusalOf(shown, 'decide-cancellation')} label="decide the cancellation" id="decide-form">
          <Select
            name="decision"
            label="Refund"
            value={sent(shown, 'decide-cancellation', 'decision') || 'full'}
            errors={errorsOf(shown, 'decide-cancellation')}
            options={[['full', 'Full refund'], ['partial', 'Partial refund'], ['none', 'No refund'], ['refuse', 'Refuse the cancellation']]}
          />
          <Field name="refund" label="Partial refund in dollars" value={sent(shown, 'decide-cancellation', 'refund')} errors={errorsOf(shown, 'decide-cancellation')} hint="Only for a partial refund." />
          <TextArea name="reason" label="Reason" value={sent(shown, 'decide-cancellation', 'reason')} errors={errorsOf(shown, 'decide-cancellation')} rows={2} required />
          <button type="submit">Decide</button>
        </Form>
      ) : null}
    </section>
  );

/** W-15, W-16: the review of an approved job, and "Resume conversation" on a closed one. */
const AfterClose: FC<{ j: JobDetail; v: Viewer; shown: ShownForm }> = ({ j, v, shown }) => (
  <>
    {j.review ? (
      <section aria-labelledby="review-h" id="review">
        <h2 id="review-h">Review</h2>
        <p>
          {'★'.repeat(j.review.stars)}
          {'☆'.repeat(5 - j.review.stars)} {j.review.comment}
        </p>
      </section>
    ) : null}
    {can(j, 'review') ? (
      <Form action={`/jobs/${j.id}/review`} csrf={v.csrf} error={refusalOf(shown, 'review')} label="review the job" id="review-form">
        <Select name="stars" label="Stars" value={sent(shown, 'review', 'stars') || '5'} errors={errorsOf(shown, 'review')} options={[5, 4, 3, 2, 1].map((n) => [String(n), `${n} star${n === 1 ? '' : 's'}`] as [string, string])} />
        <TextArea name="comment" label="Comment" value={sent(shown, 'review', 'comment')} errors={errorsOf(shown, 'review')} rows={2} required />
        <button type="submit">Send the review</button>
      </Form>
    ) : null}
    {can(j, 'resume') ? (
      <Form action={`/jobs/${j.id}/resume`} csrf={v.csrf} error={refusalOf(shown, 'resume')} label="resume the conversation">
        <p>A problem or a question about this job? Resume its conversation (the payment stays as it is; more work is a new job).</p>
        <button type="submit" class="secondary">
          Resume conversation
        </button>
      </Form>
    ) : null}
  </>
);

/** A history step as the page says it: a message's step names its author (the workflow records only the message's id). */
function eventText(j: JobDetail, e: NonNullable<JobDetail['view']>['history'][number]): string {
  if (e.kind !== 'message') return e.text;
  const who = e.actor.role === 'client' ? `the client (${j.client.username})` : e.actor.role === 'expert' ? 'the expert' : 'staff';
  return `Message from ${who} in the conversation`;
}

const History: FC<{ j: JobDetail; v: Viewer }> = ({ j, v }) =>
  j.view && j.view.history.length ? (
    <section aria-labelledby="history-h" id="history">
      <h2 id="history-h">History</h2>
      <ol>
        {j.view.history.map((e) => (
          <li>
            <Time at={e.at} zone={v.timeZone} />: <Stamped text={eventText(j, e)} zone={v.timeZone} />
          </li>
        ))}
      </ol>
    </section>
  ) : null;

/** The page's body, above the conversation. */
export const JobPage: FC<{ deps: WebDeps; j: JobDetail; v: Viewer; shown: ShownForm; experts: { id: number; username: string }[]; invoicingMissing: boolean }> = ({ deps, j, v, shown, experts, invoicingMissing }) => (
  <>
    {shown.message && !['approve', 'pay', 'estimate', 'deliver', 'reassign', 'decide-cancellation', 'review', 'resume', 'reject-estimate', 'different-expert', 'cancel'].includes(shown.key ?? '') ? (
      <p class="error form-error" role="alert">
        {shown.message}
      </p>
    ) : null}
    <ApprovalBox j={j} v={v} shown={shown} invoicingMissing={invoicingMissing} />
    <Facts j={j} v={v} />
    <p>{j.description}</p>
    {j.attachments.length ? <AttachmentList files={j.attachments} /> : null}
    <Estimates j={j} v={v} shown={shown} />
    <PartyActions j={j} v={v} shown={shown} />
    <StaffActions j={j} v={v} shown={shown} experts={experts} />
    <AfterClose j={j} v={v} shown={shown} />
    <History j={j} v={v} />
    {j.role === 'staff' ? <TemporalLink deps={deps} to={{ workflowId: jobWorkflowId(j.id) }} /> : null}
  </>
);
