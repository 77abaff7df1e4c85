/**
 * The request page's body: its facts and the buyer's files (K-69), the answers (offer, price,
 * an individual offer's description and lead time (K-46), the seller's level and stars), and the
 * forms the caller's part allows — the buyer's pick (a checkbox per active answer) and close, a
 * seller's answer (with an offer, or an individual offer for Advanced and Professional sellers,
 * K-33) or withdrawal, a moderator's approve or reject.
 */
import type { FC } from 'hono/jsx';
import { individualOfferRules } from '../../../services/policy.js';
import type { RequestAnswerView, RequestDetail } from '../../../services/requests.js';
import { requestWorkflowId } from '../../../workflows/request/messages.js';
import type { WebDeps } from '../../context.js';
import type { ShownForm } from '../../forms.js';
import { ActionButton, DataTable, Field, Form, Money, Select, TextArea, type Viewer } from '../../ui.js';
import { AttachmentList } from '../attachments.js';
import { TemporalLink } from '../staff/temporal-link.js';
import { RequestFacts } from './parts.js';

/** What a refused form shows back (`web/forms.ts`). */
export type Shown = ShownForm;

const levelLabel = { newbie: 'Newbie', advanced: 'Advanced', professional: 'Professional' } as const;

const AnswerRow: FC<{ a: RequestAnswerView; pickable: boolean; csrf: string; requestId: number; mine: boolean }> = ({ a, pickable, csrf, requestId, mine }) => (
  <tr data-answer-id={String(a.answerId)}>
    <td>{pickable && a.status === 'active' ? <input type="checkbox" name="answerId" value={String(a.answerId)} form="pick-form" aria-label={`Pick ${a.offerTitle}`} /> : null}</td>
    <td>
      {a.offerId ? <a href={`/offers/${a.offerId}`}>{a.offerTitle}</a> : a.offerTitle}
      {a.individualOffer ? (
        <p class="individual-offer">
          Individual offer #{a.individualOffer.id}, {a.individualOffer.leadTimeDays} day{a.individualOffer.leadTimeDays === 1 ? '' : 's'}: {a.individualOffer.description}
        </p>
      ) : null}
      {a.comment ? <p class="comment">{a.comment}</p> : null}
    </td>
    <td>
      <Money cents={a.priceCents} />
    </td>
    <td>
      <a href={`/sellers/${encodeURIComponent(a.seller.login)}`}>{a.seller.login}</a> · {levelLabel[a.seller.level]} · {a.seller.stars === null ? 'no stars yet' : `★ ${a.seller.stars.toFixed(1)}`}
    </td>
    <td>
      {a.orderId ? <a href={`/orders/${a.orderId}`}>Order #{a.orderId}</a> : a.status}
      {mine && a.status === 'active' ? <ActionButton action={`/requests/${requestId}/answers/${a.answerId}/withdraw`} csrf={csrf} label="Withdraw my answer" class="secondary" /> : null}
    </td>
  </tr>
);

const Refused: FC<{ shown: Shown }> = ({ shown }) =>
  shown.message ? (
    <p class="error form-error" role="alert">
      Refused ({shown.status}): {shown.message}
      {shown.missingCents ? (
        <>
          {' '}
          <a href={`/balance/top-up?amount=${shown.missingCents}`}>Add funds</a>, then pick again.
        </>
      ) : null}
    </p>
  ) : null;

const AnswerFormBox: FC<{ r: RequestDetail; csrf: string; offers: { id: number; title: string; priceCents: number }[]; shown: Shown }> = ({ r, csrf, offers, shown }) => {
  const errors = shown.key === 'answer' ? (shown.errors ?? {}) : {};
  if (offers.length === 0) return <p>You have no active offer to answer with.</p>;
  return (
    <Form action={`/requests/${r.id}/answer`} csrf={csrf} label="answer the request" id="request-answer-form">
      <h2>Answer with one of your offers</h2>
      <Select name="offerId" label="Offer" value={String(shown.form?.offerId ?? '')} errors={errors} options={offers.map((o) => [String(o.id), `${o.title} ($${(o.priceCents / 100).toFixed(2)})`])} />
      <TextArea name="comment" label="A short comment (optional)" value={String(shown.form?.comment ?? '')} errors={errors} rows={3} />
      <button type="submit">Answer</button>
    </Form>
  );
};

const io = individualOfferRules;

/** K-46: an individual offer as the answer: its own price, lead time and description, based on one of the seller's offers. */
const IndividualAnswerBox: FC<{ r: RequestDetail; csrf: string; offers: { id: number; title: string }[]; shown: Shown }> = ({ r, csrf, offers, shown }) => {
  const errors = shown.key === 'individual-answer' ? (shown.errors ?? {}) : {};
  const sent = shown.key === 'individual-answer' ? (shown.form ?? {}) : {};
  if (offers.length === 0) return null;
  return (
    <Form action={`/requests/${r.id}/individual-answer`} csrf={csrf} label="answer with an individual offer" id="individual-answer-form">
      <h2>Or answer with an individual offer</h2>
      <Select name="basedOnOfferId" label="Based on your offer" value={String(sent.basedOnOfferId ?? '')} errors={errors} options={offers.map((o) => [String(o.id), o.title])} />
      <TextArea name="description" label="What you will do" value={String(sent.description ?? '')} errors={errors} rows={3} hint={`${io.descriptionMinLength} to ${io.descriptionMaxLength} characters`} />
      <Field name="price" label="Price (USD)" value={String(sent.price ?? '')} errors={errors} hint="$10 to $1000 (K-46)" />
      <Field name="leadTimeDays" label="Lead time (days)" value={String(sent.leadTimeDays ?? '3')} errors={errors} hint={`1 to ${io.maxLeadTimeDays} days`} />
      <button type="submit">Send the individual offer</button>
    </Form>
  );
};

const Moderation: FC<{ r: RequestDetail; csrf: string; shown: Shown }> = ({ r, csrf, shown }) => (
  <section aria-label="moderation">
    <h2>Moderation</h2>
    <ActionButton action={`/requests/${r.id}/approve`} csrf={csrf} label="Approve" />
    <Form action={`/requests/${r.id}/reject`} csrf={csrf} label="reject the request">
      <TextArea name="reason" label="Reason the buyer reads" value={String(shown.form?.reason ?? '')} errors={shown.key === 'moderate' ? shown.errors : {}} rows={2} />
      <button type="submit" class="secondary">
        Reject
      </button>
    </Form>
  </section>
);

export const RequestView: FC<{ deps: WebDeps; r: RequestDetail; viewer: Viewer; offers: { id: number; title: string; priceCents: number }[]; individual: boolean; shown: Shown }> = ({
  deps,
  r,
  viewer,
  offers,
  individual,
  shown,
}) => {
  const can = (a: RequestDetail['allowedActions'][number]) => r.allowedActions.includes(a);
  const isStaff = viewer.user?.roles.length ? true : false;
  return (
    <>
      <Refused shown={shown} />
      <RequestFacts r={r} zone={viewer.timeZone} />
      {r.attachments.length ? (
        <section aria-label="the buyer’s files" id="request-files">
          <h2>Files</h2>
          <AttachmentList files={r.attachments} />
        </section>
      ) : null}
      {isStaff ? <TemporalLink deps={deps} to={{ workflowId: requestWorkflowId(r.id) }} /> : null}
      {can('moderate') ? <Moderation r={r} csrf={viewer.csrf} shown={shown} /> : null}
      <h2>Answers</h2>
      {r.answers.length === 0 ? (
        <p>No answers yet.</p>
      ) : (
        <DataTable id="answers" label="answers" caption="Offers sellers answered with" columns={[can('pick') ? 'Pick' : '', 'Offer', 'Price', 'Seller', 'Status']}>
          {r.answers.map((a) => (
            <AnswerRow a={a} pickable={can('pick')} csrf={viewer.csrf} requestId={r.id} mine={a.seller.id === viewer.user?.id} />
          ))}
        </DataTable>
      )}
      {can('pick') ? (
        <Form action={`/requests/${r.id}/pick`} csrf={viewer.csrf} id="pick-form" label="pick answers" error={shown.key === 'pick' ? shown.errors?.answerId : undefined}>
          <button type="submit">Order the ticked answers</button>
        </Form>
      ) : null}
      {can('close') ? <ActionButton action={`/requests/${r.id}/close`} csrf={viewer.csrf} label="Close the request" class="secondary" /> : null}
      {can('answer') ? <AnswerFormBox r={r} csrf={viewer.csrf} offers={offers} shown={shown} /> : null}
      {can('answer') && individual ? <IndividualAnswerBox r={r} csrf={viewer.csrf} offers={offers} shown={shown} /> : null}
    </>
  );
};
