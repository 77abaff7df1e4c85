/**
 * Estimated jobs in the web client (issue 18, W-01…W-19): the public "Order a Job" form and the
 * install catalog (`./jobs/order-form.tsx`), the lists (`./jobs/lists.tsx`), and the job page
 * with its actions (`./jobs/detail.tsx`): each form goes through `services/jobs.ts` and comes
 * back to the job page, a refusal shown beside the form it concerns.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { JobDetail } from '../../services/jobs.js';
import { jobPolicy } from '../../workflows/job/policy.js';
import { AppError, fieldError } from '../../workflows/lib/errors.js';
import type { WebDeps, WebEnv } from '../context.js';
import { decimal, dollars, idOf, parseForm, readForm, refusalOf, text, ticked, whole, type ShownForm } from '../forms.js';
import { page, redirect, userOf, type WebContext } from '../page.js';
import { JobPage } from './jobs/detail.js';
import { jobListPages } from './jobs/lists.js';
import { orderFormPages } from './jobs/order-form.js';
import { jobConversation, ConversationPanel, ThreadView } from './messages.js';
import { staffAccess, staffOf } from './staff/roles.js';

const Reason = z.object({ reason: text(jobPolicy.maxTextChars) });
const EstimateForm = z.object({
  // `2,5` is read as 2.5; every refusal names the range (0.25 to 200 hours, in quarters).
  hours: decimal(0.25, jobPolicy.maxQuarterHours / 4, { size: 0.25, message: 'in quarter hours: .25, .5 or .75' }, 'hours'),
  plan: text(jobPolicy.maxTextChars),
  fitsBudget: z.enum(['true', 'false'], { error: 'not a valid choice' }).optional(),
});
const PayForm = z.object({ estimateNumber: whole(0, 1_000, 'an estimate') });
/** W-12: approving releases the payment to the expert, for good (and issues the invoice, W-14). */
const ApproveForm = z.object({ approveConfirmed: ticked });
const DeliverForm = z.object({ note: text(jobPolicy.maxTextChars) });
const ReviewForm = z.object({ stars: z.enum(['1', '2', '3', '4', '5'], { error: 'from 1 to 5 stars' }), comment: text(jobPolicy.maxTextChars) });
const ReassignForm = z.object({ expertId: whole(1, Number.MAX_SAFE_INTEGER, 'an expert'), note: text(jobPolicy.maxTextChars) });
const DecideForm = z.object({
  decision: z.enum(['full', 'partial', 'none', 'refuse'], { error: 'not a valid choice' }),
  refund: z.preprocess((v) => (v === '' ? undefined : v), dollars(1, 100_000_000).optional()),
  reason: text(jobPolicy.maxTextChars),
});

/** The job in the address: a valid id, else the 404 page. */
function jobIdOf(c: WebContext): number {
  const id = idOf(c.req.param('id'));
  if (id === undefined) throw new AppError('not_found', 'no such job');
  return id;
}

/** The job page, with a refusal on top of the form it concerns. */
function detailPage(deps: WebDeps) {
  return async (c: WebContext, shown: ShownForm = {}) => {
    const user = userOf(c);
    const j: JobDetail = await deps.services.jobs.get(user, jobIdOf(c));
    const [thread, experts, invoicing] = await Promise.all([
      j.conversationId === null ? null : jobConversation(deps, c, j.id),
      j.role === 'staff' ? deps.services.jobs.experts() : [],
      j.role === 'client' ? deps.services.invoicing.profile(user.id) : null,
    ]);
    const writes = j.allowedActions.includes('message');
    return page(
      c,
      deps,
      `Job #${j.id}: ${j.title}`,
      (v) => (
        <>
          <JobPage deps={deps} j={j} v={v} shown={shown} experts={experts} invoicingMissing={j.role === 'client' && invoicing === null} />
          {thread && writes ? <ConversationPanel thread={thread} me={user.id} csrf={v.csrf} /> : null}
          {thread && !writes ? (
            <section aria-labelledby="conversation-h" id="conversation">
              <h2 id="conversation-h">Conversation</h2>
              <ThreadView thread={thread} me={user.id} />
            </section>
          ) : null}
        </>
      ),
      shown.status ?? 200,
    );
  };
}

function actionPages(app: Hono<WebEnv>, deps: WebDeps) {
  const show = detailPage(deps);
  app.get('/jobs/:id', (c) => show(c));
  const act = <T,>(path: string, schema: z.ZodType<T> | null, run: (c: WebContext, id: number, data: T) => Promise<unknown>, done: string) =>
    app.post(`/jobs/:id/${path}`, async (c) => {
      const id = jobIdOf(c);
      const sent = await readForm(c);
      const parsed = schema ? parseForm(schema, sent) : ({ ok: true, data: undefined as T } as const);
      // A hidden field (the estimate paid) is no field a person can correct: its refusal goes on top of the form.
      const hidden = parsed.ok ? undefined : parsed.errors.estimateNumber;
      if (!parsed.ok) return show(c, { key: path, errors: parsed.errors, form: sent, status: 400, ...(hidden ? { message: `Refused: ${hidden}. Reload the page and try again.` } : {}) });
      try {
        await run(c, id, parsed.data);
        return redirect(c, `/jobs/${id}`, done);
      } catch (err) {
        const r = refusalOf(err, { refundCents: 'refund' }); // the API's cents, the form's dollars
        if (r.status === 404) throw err;
        return show(c, { key: path, errors: r.errors, form: sent, status: r.status, message: r.message, ...(r.missingCents ? { missingCents: r.missingCents } : {}) });
      }
    });
  const { jobs } = deps.services;
  act('claim', null, (c, id) => jobs.claim(staffOf(c, staffAccess.expert), id), 'Claimed: send the client your estimate.');
  act('estimate', EstimateForm, (c, id, d) => jobs.estimate(staffOf(c, staffAccess.expert), id, { hours: d.hours, plan: d.plan, fitsBudget: d.fitsBudget === undefined ? null : d.fitsBudget === 'true' }), 'Estimate sent.');
  act('deliver', DeliverForm, (c, id, d) => jobs.deliver(staffOf(c, staffAccess.expert), id, d.note), 'Marked as done: the client approves it.');
  act('pay', PayForm, (c, id, d) => jobs.pay(userOf(c), id, d.estimateNumber), 'Paid: the money is in escrow until you approve the job.');
  act('reject-estimate', Reason, (c, id, d) => jobs.rejectEstimate(userOf(c), id, d.reason), 'Estimate rejected.');
  act('different-expert', Reason, (c, id, d) => jobs.askDifferentExpert(userOf(c), id, d.reason), 'Asked: staff will give the job to another expert.');
  act('cancel', Reason, (c, id, d) => jobs.cancel(userOf(c), id, d.reason), 'Cancellation sent.');
  act('approve', ApproveForm, (c, id) => jobs.approve(userOf(c), id), 'Approved: thank you. Your invoice is ready.');
  act('review', ReviewForm, (c, id, d) => jobs.review(userOf(c), id, { stars: Number(d.stars), comment: d.comment }), 'Thank you for the review.');
  act('resume', null, (c, id) => jobs.resume(userOf(c), id), 'The conversation is open again.');
  act('reassign', ReassignForm, (c, id, d) => jobs.reassign(staffOf(c, staffAccess.jobs), id, d), 'Reassigned.');
  act(
    'decide-cancellation',
    DecideForm,
    (c, id, d) => {
      const staff = staffOf(c, staffAccess.jobs);
      if (d.decision === 'partial') {
        if (d.refund === undefined) throw fieldError('refund', 'a partial refund needs its amount');
        return jobs.decideCancellation(staff, id, { decision: 'partial', refundCents: d.refund, reason: d.reason });
      }
      return jobs.decideCancellation(staff, id, { decision: d.decision, reason: d.reason });
    },
    'Decided.',
  );
}

export function jobPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  orderFormPages(app, deps);
  jobListPages(app, deps);
  actionPages(app, deps);
  return app;
}

