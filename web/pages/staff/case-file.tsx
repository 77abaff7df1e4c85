/**
 * An arbitration case as the arbiter reads it — the order, both parties' statements, the
 * deliveries, the timeline — and the decision form.
 */
import type { FC } from 'hono/jsx';
import type { OrderView } from '../../../workflows/order/messages.js';
import { orderRules } from '../../../workflows/order/policy.js';
import type { FormData } from '../../forms.js';
import { Field, FieldError, Form, Money, money, Stamped, TextArea, Time, type FieldErrors, type Viewer } from '../../ui.js';
import { outcomeText } from '../order/labels.js';
import { firstOf } from '../../forms.js';

const side = (view: OrderView, who: 'buyer' | 'seller') => `the ${who}, ${view[who].login}`;

const Statements: FC<{ view: OrderView; viewer: Viewer }> = ({ view, viewer }) => {
  const d = view.dispute;
  if (!d) return <p>No dispute was opened.</p>;
  const respondent = d.openedBy === 'buyer' ? 'seller' : 'buyer';
  return (
    <>
      <h3>Statement of {side(view, d.openedBy)} (opened the dispute)</h3>
      <blockquote class="prewrap" id="statement-opener">{d.statement}</blockquote>
      <p class="muted">
        <Time at={d.openedAt} zone={viewer.timeZone} />
      </p>
      <h3>Answer of {side(view, respondent)}</h3>
      {d.answer ? (
        <>
          <blockquote class="prewrap" id="statement-answer">{d.answer}</blockquote>
          <p class="muted">{d.answeredAt ? <Time at={d.answeredAt} zone={viewer.timeZone} /> : null}</p>
        </>
      ) : (
        <p class="muted">No answer yet.</p>
      )}
      <p>
        {d.arbiterId ? (
          <>Taken by arbiter #{d.arbiterId}{d.takenAt ? <> on <Time at={d.takenAt} zone={viewer.timeZone} /></> : null}.</>
        ) : (
          'No arbiter has taken the case.'
        )}
      </p>
    </>
  );
};

const OrderFacts: FC<{ view: OrderView; viewer: Viewer }> = ({ view, viewer }) => (
  <dl class="facts">
    <dt>Status</dt>
    <dd>
      <span class="status">{view.status.replace(/_/g, ' ')}</span>
    </dd>
    <dt>Offer</dt>
    <dd>{view.offer.title}</dd>
    <dt>Buyer</dt>
    <dd>{view.buyer.login}</dd>
    <dt>Seller</dt>
    <dd>{view.seller.login}</dd>
    <dt>Total paid (held in escrow)</dt>
    <dd>
      <Money cents={view.amounts.totalCents} /> (the seller would earn <Money cents={view.amounts.sellerEarningsCents} />)
    </dd>
    <dt>Placed</dt>
    <dd>
      <Time at={view.placedAt} zone={viewer.timeZone} />
    </dd>
    <dt>Deadline</dt>
    <dd>{view.deadline ? <Time at={view.deadline} zone={viewer.timeZone} /> : '—'}</dd>
    {view.nextDeadline ? (
      <>
        <dt>Next deadline</dt>
        <dd>
          <Time at={view.nextDeadline.at} zone={viewer.timeZone} />: {outcomeText(view.nextDeadline.outcome)}
        </dd>
      </>
    ) : null}
    {view.closure ? (
      <>
        <dt>Settlement</dt>
        <dd id="settlement">
          {view.closure.reason}: <Money cents={view.closure.toSellerCents} /> to the seller, <Money cents={view.closure.refundedCents} /> refunded
        </dd>
      </>
    ) : null}
  </dl>
);

const Deliveries: FC<{ view: OrderView; viewer: Viewer }> = ({ view, viewer }) =>
  view.deliveries.length === 0 ? (
    <p class="muted">Nothing was delivered.</p>
  ) : (
    <ol>
      {view.deliveries.map((d) => (
        <li>
          <Time at={d.at} zone={viewer.timeZone} />
          <p class="prewrap">{d.text}</p>
          {d.links.length ? (
            <ul>
              {d.links.map((l) => (
                <li>
                  <a href={l} rel="noopener noreferrer nofollow">{l}</a>
                </li>
              ))}
            </ul>
          ) : null}
        </li>
      ))}
    </ol>
  );

/** The case file: the order, both statements, the deliveries, the timeline. */
export const CaseFile: FC<{ view: OrderView; viewer: Viewer }> = ({ view, viewer }) => (
  <>
    <section aria-labelledby="order-heading">
      <h2 id="order-heading">The order</h2>
      <OrderFacts view={view} viewer={viewer} />
      {view.requirements ? <p class="prewrap">Requirements: {view.requirements}</p> : null}
    </section>
    <section aria-labelledby="statements-heading">
      <h2 id="statements-heading">Statements</h2>
      <Statements view={view} viewer={viewer} />
    </section>
    <section aria-labelledby="deliveries-heading">
      <h2 id="deliveries-heading">Deliveries</h2>
      <Deliveries view={view} viewer={viewer} />
    </section>
    <section aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Timeline</h2>
      <ol class="timeline">
        {view.timeline.map((t) => (
          <li>
            <Time at={t.at} zone={viewer.timeZone} /> · {t.by}: <Stamped text={t.text} zone={viewer.timeZone} />
          </li>
        ))}
      </ol>
    </section>
  </>
);

const kinds: [value: string, label: string][] = [
  ['pay_seller', 'Release the money to the seller'],
  ['refund_buyer', 'Refund the buyer'],
  ['split', 'Split: an amount to the seller, the rest refunded'],
  ['return_to_work', 'Return the order to work'],
];

/** The arbiter's decision: final once sent. */
export const DecisionForm: FC<{ view: OrderView; viewer: Viewer; form: FormData; errors: FieldErrors }> = ({ view, viewer, form, errors }) => (
  <Form action={`/staff/arbitration/${view.orderId}/decision`} csrf={viewer.csrf} label="decision" id="decision">
    <fieldset aria-describedby={errors.kind ? 'f-kind-error' : undefined}>
      <legend>Decision (final)</legend>
      {kinds.map(([value, label]) => (
        <p>
          <input type="radio" id={`kind-${value}`} name="kind" value={value} checked={firstOf(form.kind) === value} />{' '}
          <label for={`kind-${value}`}>{label}</label>
        </p>
      ))}
      <FieldError id="f-kind-error" error={errors.kind} />
    </fieldset>
    <Field
      name="sellerAmount"
      label="For a split: to the seller, in dollars"
      value={firstOf(form.sellerAmount)}
      errors={errors}
      hint={`before commission; less than the order’s ${money(view.amounts.totalCents)}`}
    />
    <Field name="days" label="For a return to work: days" type="number" min={1} max={orderRules.maxReturnToWorkDays} value={firstOf(form.days)} errors={errors} />
    <TextArea name="comment" label="Comment to both parties" value={firstOf(form.comment)} errors={errors} hint="required, at most 2000 characters" />
    <button type="submit">Send the decision</button>
  </Form>
);
