/**
 * The moderation queue (K-39, K-40, K-26): offers' submissions awaiting a decision (approve, or
 * reject with a reason from the list and a note: the JSON route's validation), and sellers'
 * answers to feedback awaiting publication (approve or reject). Moderators and admins, as
 * `/moderation/*`; each submission links to its workflow in the Temporal Web UI.
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import type { PendingAnswer } from '../../../services/feedback.js';
import type { QueueItem } from '../../../services/moderation.js';
import type { OfferPage } from '../../../services/offers.js';
import { rejectReasons } from '../../../workflows/moderation/messages.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { firstOf, parseForm, readForm, refusalOf, text } from '../../forms.js';
import { page, redirect, type WebContext } from '../../page.js';
import { ActionButton, Form, Money, Time, type Viewer } from '../../ui.js';
import { errorsFor, pathId, RowSelect, RowTextArea, type RowErrors } from './controls.js';
import { staffAccess, staffOf } from './roles.js';
import { TemporalLink } from './temporal-link.js';

/** `POST /moderation/offers/{id}/decision`'s body, from a form. */
const OfferDecision = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('approve') }),
  z.object({
    decision: z.literal('reject'),
    reason: z.enum(rejectReasons, { error: 'choose a reason from the list' }),
    note: z.preprocess((v) => (v === '' ? undefined : v), text(1_000).optional()),
  }),
], { error: 'choose approve or reject' });
/** `POST /moderation/feedback-answers/{orderId}/decision`'s body. */
const AnswerDecision = z.object({ decision: z.enum(['approve', 'reject'], { error: 'choose approve or reject' }) });

const reasonLabel = (r: string) => r.replace(/_/g, ' ');

interface Queue {
  offers: { item: QueueItem; offer: OfferPage | undefined }[];
  answers: PendingAnswer[];
}

async function loadQueue(deps: WebDeps, viewer: { id: number; roles: readonly string[] }): Promise<Queue> {
  const { moderation, feedback, offers } = deps.services;
  const [items, answers] = await Promise.all([moderation.queue(), feedback.pendingAnswers()]);
  // The submitted content, as the moderator will judge it (a published offer's edit is its pending content).
  const pages = await Promise.all(items.map((item) => offers.page(item.offerId, viewer).catch(() => undefined)));
  return { offers: items.map((item, i) => ({ item, offer: pages[i] })), answers };
}

export function moderationPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const show = async (c: WebContext, errors?: RowErrors, status: Parameters<typeof page>[4] = 200) => {
    const user = staffOf(c, staffAccess.moderation);
    const queue = await loadQueue(deps, user);
    return page(c, deps, 'Moderation queue', (v) => <QueuePage deps={deps} viewer={v} queue={queue} errors={errors} />, status);
  };
  app.get('/staff/moderation', (c) => show(c));
  app.post('/staff/moderation/offers/:id/decision', async (c) => {
    const user = staffOf(c, staffAccess.moderation);
    const offerId = pathId(c.req.param('id'));
    const form = await readForm(c);
    const key = `offer-${offerId}`;
    const parsed = parseForm(OfferDecision, form);
    // `decision` is the button's hidden field: its refusal goes on top of the offer's forms.
    if (!parsed.ok) return show(c, { key, fields: parsed.errors, message: parsed.errors.decision, form }, 400);
    try {
      const done = await deps.services.moderation.decide(user.id, offerId, parsed.data);
      return redirect(c, '/staff/moderation', `Offer ${offerId}: ${parsed.data.decision === 'approve' ? 'approved' : 'rejected'} (${done.status}).`);
    } catch (err) {
      const r = refusalOf(err);
      return show(c, { key, fields: r.errors, message: r.message, form }, r.status);
    }
  });
  app.post('/staff/moderation/answers/:orderId/decision', async (c) => {
    const user = staffOf(c, staffAccess.moderation);
    const orderId = pathId(c.req.param('orderId'));
    const form = await readForm(c);
    const key = `answer-${orderId}`;
    const parsed = parseForm(AnswerDecision, form);
    if (!parsed.ok) return show(c, { key, fields: parsed.errors, message: parsed.errors.decision, form }, 400);
    try {
      await deps.services.feedback.decide(user.id, orderId, parsed.data.decision);
      return redirect(c, '/staff/moderation', `The answer on order ${orderId} is ${parsed.data.decision === 'approve' ? 'published' : 'rejected'}.`);
    } catch (err) {
      const r = refusalOf(err);
      return show(c, { key, fields: r.errors, message: r.message, form }, r.status);
    }
  });
  return app;
}

const QueuePage: FC<{ deps: WebDeps; viewer: Viewer; queue: Queue; errors: RowErrors | undefined }> = ({ deps, viewer, queue, errors }) => (
  <>
    <p>
      <a href="/staff">← Staff</a>
    </p>
    <section aria-labelledby="offers-heading">
      <h2 id="offers-heading">Offers awaiting moderation ({queue.offers.length})</h2>
      {queue.offers.length === 0 ? <p class="muted">No offer is waiting.</p> : null}
      <ul class="queue">
        {queue.offers.map(({ item, offer }) => (
          <OfferCard deps={deps} viewer={viewer} item={item} offer={offer} errors={errorsFor(errors, `offer-${item.offerId}`)} />
        ))}
      </ul>
    </section>
    <section aria-labelledby="answers-heading">
      <h2 id="answers-heading">Answers to feedback awaiting moderation ({queue.answers.length})</h2>
      {queue.answers.length === 0 ? <p class="muted">No answer is waiting.</p> : null}
      <ul class="queue">
        {queue.answers.map((a) => (
          <AnswerCard viewer={viewer} answer={a} errors={errorsFor(errors, `answer-${a.orderId}`)} />
        ))}
      </ul>
    </section>
  </>
);

const OfferContent: FC<{ offer: OfferPage }> = ({ offer }) => {
  const content = offer.pendingContent ?? offer;
  return (
    <details>
      <summary>The submitted content{offer.pendingContent ? ' (an edit of a published offer)' : ''}</summary>
      <p class="prewrap">{content.description}</p>
      <p>
        Price <Money cents={content.priceCents} /> · {content.leadTimeDays} days · category {offer.category.name}
      </p>
      {content.instructions ? <p class="prewrap">Instructions: {content.instructions}</p> : null}
      {content.options.length ? <p>Options: {content.options.map((o) => o.title).join(', ')}</p> : null}
    </details>
  );
};

const OfferCard: FC<{ deps: WebDeps; viewer: Viewer; item: QueueItem; offer: OfferPage | undefined; errors: RowErrors | undefined }> = ({ deps, viewer, item, offer, errors }) => {
  const id = item.offerId;
  return (
    <li class="card" id={`offer-${id}`}>
      <h3>
        <a href={`/offers/${id}`}>{item.title}</a>
      </h3>
      <p>
        by {item.seller.login} · revision {item.revision} · sent <Time at={item.submittedAt} zone={viewer.timeZone} />
        {item.escalated ? <span class="status warn"> waiting over 3 days</span> : item.overdue ? <span class="status warn"> waiting over 24 h</span> : null}
      </p>
      {offer ? <OfferContent offer={offer} /> : null}
      <p>
        <TemporalLink deps={deps} to={{ offerId: id, revision: item.revision }} />
      </p>
      {errors?.message ? <p class="error form-error" role="alert">{errors.message}</p> : null}
      {viewer.user?.id === item.seller.id ? (
        <p class="muted">Your own offer: another moderator decides it.</p>
      ) : (
        <div class="decisions">
          <ActionButton action={`/staff/moderation/offers/${id}/decision`} csrf={viewer.csrf} name="decision" value="approve" label={`Approve “${item.title}”`} />
          <Form action={`/staff/moderation/offers/${id}/decision`} csrf={viewer.csrf} label={`reject ${item.title}`}>
            <input type="hidden" name="decision" value="reject" />
            <RowSelect
              id={`reason-${id}`}
              name="reason"
              label="Reason"
              value={firstOf(errors?.form.reason)}
              error={errors?.fields.reason}
              options={[['', 'Choose a reason…'], ...rejectReasons.map((r): [string, string] => [r, reasonLabel(r)])]}
            />
            <RowTextArea id={`note-${id}`} name="note" label="Note to the seller (optional)" value={firstOf(errors?.form.note)} error={errors?.fields.note} hint="at most 1000 characters" />
            <button type="submit" class="danger">
              Reject
            </button>
          </Form>
        </div>
      )}
    </li>
  );
};

const AnswerCard: FC<{ viewer: Viewer; answer: PendingAnswer; errors: RowErrors | undefined }> = ({ viewer, answer: a, errors }) => (
  <li class="card" id={`answer-${a.orderId}`}>
    <h3>
      Order {a.orderId}: {a.offer.title}
    </h3>
    <p>
      The buyer’s {a.verdict === 'like' ? 'like' : 'dislike'}: <q>{a.feedback}</q>
    </p>
    <p>
      {a.seller.login} answered <Time at={a.answeredAt} zone={viewer.timeZone} />: <q class="prewrap">{a.answer}</q>
    </p>
    {errors?.message ? <p class="error form-error" role="alert">{errors.message}</p> : null}
    {viewer.user?.id === a.seller.id ? (
      <p class="muted">Your own answer: another moderator decides it.</p>
    ) : (
      <div class="decisions">
        <ActionButton action={`/staff/moderation/answers/${a.orderId}/decision`} csrf={viewer.csrf} name="decision" value="approve" label={`Publish the answer on order ${a.orderId}`} />
        <ActionButton action={`/staff/moderation/answers/${a.orderId}/decision`} csrf={viewer.csrf} name="decision" value="reject" label={`Reject the answer on order ${a.orderId}`} class="danger" />
      </div>
    )}
  </li>
);
