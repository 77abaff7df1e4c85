/**
 * The actions a party may take now, as forms: the `PartyAction` schemas of api/routes/orders.ts
 * read from form fields (each field named apart, so its error shows beside it), and a form per
 * action type. A refusal — the form's own check (400) or the workflow's validator (409, 422) —
 * shows on the action's form with the API's status.
 */
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import { cancellationReasons, cancellationReasonWords, DELIVERY_MAX_FILES, type ActionType, type OrderAction, type Role } from '../../../workflows/order/messages.js';
import { firstOf, optionalText, text, ticked, webAddress, whole, type FormData } from '../../forms.js';
import { Checkbox, FieldError, Form, Select, TextArea, type FieldErrors } from '../../ui.js';
import { ACCEPT_ATTACHMENTS } from '../attachments.js';

/** What went wrong with the last form sent: which action (or `feedback`), the status, the message, the fields. */
export interface Failure {
  action: string;
  status: number;
  message?: string;
  errors: FieldErrors;
  form: FormData;
}

const links = z.preprocess(
  (v) => (typeof v === 'string' ? v.split('\n').map((l) => l.trim()).filter(Boolean) : []),
  z.array(webAddress(2_000, 'each line must be a web address starting with http:// or https://', 'a link has at most 2000 characters')).max(10, 'at most 10 links'),
);
const percent = whole(10, 100, 'a percentage').refine((n) => n % 10 === 0, 'in steps of 10 % (K-13)');
const allReasons = [...cancellationReasons.buyer, ...cancellationReasons.seller] as const;

/** Each party action's form, read into the action `POST /orders/{id}/actions` takes. */
export const actionSchemas: Partial<Record<ActionType, z.ZodType<OrderAction>>> = {
  start_work: z.object({}).transform((): OrderAction => ({ type: 'start_work' })),
  submit_requirements: z.object({ requirements: text(5_000) }).transform((d): OrderAction => ({ type: 'submit_requirements', text: d.requirements })),
  ask_buyer: z.object({ question: text(2_000) }).transform((d): OrderAction => ({ type: 'ask_buyer', question: d.question })),
  report_progress: z.object({ percent, progressComment: text(2_000) }).transform((d): OrderAction => ({ type: 'report_progress', percent: d.percent, comment: d.progressComment })),
  deliver: z.object({ deliveryText: text(5_000), links }).transform((d): OrderAction => ({ type: 'deliver', text: d.deliveryText, links: d.links })),
  accept: z.object({ acceptConfirmed: ticked }).transform((): OrderAction => ({ type: 'accept' })),
  request_revision: z.object({ revisionReason: text(2_000) }).transform((d): OrderAction => ({ type: 'request_revision', reason: d.revisionReason })),
  cancel: z.object({ cancelConfirmed: ticked }).transform((): OrderAction => ({ type: 'cancel' })),
  request_cancellation: z
    .object({ cancelReason: z.enum(allReasons, { error: 'choose a reason from the list' }), cancelComment: optionalText(2_000) })
    .transform((d): OrderAction => ({ type: 'request_cancellation', reason: d.cancelReason, ...(d.cancelComment ? { comment: d.cancelComment } : {}) })),
  accept_cancellation: z.object({ cancellationConfirmed: ticked }).transform((): OrderAction => ({ type: 'accept_cancellation' })),
  decline_cancellation: z.object({}).transform((): OrderAction => ({ type: 'decline_cancellation' })),
  withdraw_cancellation: z.object({}).transform((): OrderAction => ({ type: 'withdraw_cancellation' })),
  open_dispute: z.object({ disputeStatement: text(5_000), disputeConfirmed: ticked }).transform((d): OrderAction => ({ type: 'open_dispute', statement: d.disputeStatement })),
  answer_dispute: z.object({ answerStatement: text(5_000) }).transform((d): OrderAction => ({ type: 'answer_dispute', statement: d.answerStatement })),
};

export const FeedbackForm = z.object({
  verdict: z.enum(['like', 'dislike'], { error: 'choose like or dislike' }),
  feedbackText: text(2_000),
});

type FieldsProps = { errors: FieldErrors; form: FormData; role: Role };

interface Spec {
  title: string;
  button: string;
  /** The flash after it went through. */
  done: string;
  note?: string;
  danger?: boolean;
  /** An action that cannot be undone: the box (its field's name, its words) ticked before it goes (`ticked`). */
  confirm?: { name: string; label: string };
  /** The form sends files (`multipart/form-data`). */
  files?: boolean;
  Fields?: FC<FieldsProps>;
}

const percents = Array.from({ length: 10 }, (_, i): [string, string] => [String((i + 1) * 10), `${(i + 1) * 10} %`]);

export const actionSpecs: Partial<Record<ActionType, Spec>> = {
  start_work: { title: 'Start work', button: 'Start work', done: 'Work started: the lead time runs (K-09).', note: 'Start within 24 h of the order, or it is cancelled (K-08).' },
  submit_requirements: {
    title: 'Send the requirements',
    button: 'Send requirements',
    done: 'Requirements sent to the seller.',
    Fields: ({ errors, form }) => <TextArea name="requirements" label="What the seller needs to know" value={firstOf(form.requirements)} errors={errors} rows={5} />,
  },
  ask_buyer: {
    title: 'Ask the buyer',
    button: 'Send the question',
    done: 'Question sent to the buyer.',
    Fields: ({ errors, form }) => <TextArea name="question" label="Your question" value={firstOf(form.question)} errors={errors} rows={3} />,
  },
  report_progress: {
    title: 'Report progress',
    button: 'Report progress',
    done: 'Progress reported to the buyer.',
    Fields: ({ errors, form }) => (
      <>
        <Select name="percent" label="Done so far" value={firstOf(form.percent) ?? '10'} errors={errors} options={percents} />
        <TextArea name="progressComment" label="Comment for the buyer" value={firstOf(form.progressComment)} errors={errors} rows={3} />
      </>
    ),
  },
  deliver: {
    title: 'Deliver the work',
    button: 'Deliver',
    done: 'Delivered: the buyer has 3 days to accept or ask for a revision (K-14).',
    Fields: ({ errors, form }) => (
      <>
        <TextArea name="deliveryText" label="Delivery message" value={firstOf(form.deliveryText)} errors={errors} rows={5} />
        <TextArea name="links" label="Links to the work (one per line, optional)" value={firstOf(form.links)} errors={errors} rows={3} hint="up to 10 web addresses; larger files through a cloud link (K-69)" />
        <p class="field">
          <label for="f-delivery-files">Files (optional)</label>
          <input
            id="f-delivery-files"
            type="file"
            name="file"
            multiple
            accept={ACCEPT_ATTACHMENTS}
            aria-describedby={errors.file ? 'f-delivery-files-hint f-delivery-files-error' : 'f-delivery-files-hint'}
            aria-invalid={errors.file ? 'true' : undefined}
          />
          <small id="f-delivery-files-hint" class="hint">
            Up to {DELIVERY_MAX_FILES} files of at most 4 MB each (K-69): images, video, audio, zip or rar.
          </small>
          <FieldError id="f-delivery-files-error" error={errors.file} />
        </p>
      </>
    ),
    files: true,
  },
  accept: {
    title: 'Accept the delivery',
    button: 'Accept the delivery',
    done: 'Delivery accepted: the order is completed and the seller paid.',
    confirm: { name: 'acceptConfirmed', label: 'I have checked the delivery: the seller is paid now, and this cannot be undone' },
  },
  request_revision: {
    title: 'Ask for a revision',
    button: 'Ask for a revision',
    done: 'Revision requested: the seller works on it again.',
    note: 'Within the volume of work ordered (K-14).',
    Fields: ({ errors, form }) => <TextArea name="revisionReason" label="What to change" value={firstOf(form.revisionReason)} errors={errors} rows={4} />,
  },
  cancel: {
    title: 'Cancel the order',
    button: 'Cancel and refund',
    danger: true,
    done: 'Order cancelled: the money is back on your balance.',
    note: 'Within 20 minutes of ordering, or once the order is late (K-16, K-17).',
    confirm: { name: 'cancelConfirmed', label: 'Cancel this order for good: it cannot be reopened' },
  },
  request_cancellation: {
    title: 'Ask to cancel',
    button: 'Ask to cancel',
    danger: true,
    done: 'Cancellation requested: the other party has 2 days to answer, then the order is cancelled (K-18).',
    Fields: ({ errors, form, role }) => (
      <>
        <Select name="cancelReason" label="Reason" value={firstOf(form.cancelReason)} errors={errors} options={cancellationReasons[role].map((r): [string, string] => [r, cancellationReasonWords[r]])} />
        <TextArea name="cancelComment" label="Comment (optional)" value={firstOf(form.cancelComment)} errors={errors} rows={3} />
      </>
    ),
  },
  accept_cancellation: {
    title: 'Accept the cancellation',
    button: 'Accept the cancellation',
    danger: true,
    done: 'Cancellation accepted: the order is cancelled and the buyer refunded.',
    confirm: { name: 'cancellationConfirmed', label: 'I agree: the order ends for good and the buyer gets the money back' },
  },
  decline_cancellation: { title: 'Decline the cancellation', button: 'Decline the cancellation', done: 'Cancellation declined: the order goes on.', note: 'A declined request opens the way to arbitration (K-15).' },
  withdraw_cancellation: { title: 'Withdraw your request', button: 'Withdraw the request', done: 'Cancellation request withdrawn.' },
  open_dispute: {
    title: 'Open a dispute',
    button: 'Open a dispute',
    danger: true,
    done: 'Dispute opened: the other party has 2 days to answer, then an arbiter decides (K-23).',
    Fields: ({ errors, form }) => <TextArea name="disputeStatement" label="The problem, briefly" value={firstOf(form.disputeStatement)} errors={errors} rows={4} />,
    confirm: { name: 'disputeConfirmed', label: 'An arbiter decides this order, and their decision is final' },
  },
  answer_dispute: {
    title: 'Answer the dispute',
    button: 'Send the answer',
    done: 'Your answer is with the arbiter.',
    Fields: ({ errors, form }) => <TextArea name="answerStatement" label="Your side" value={firstOf(form.answerStatement)} errors={errors} rows={4} />,
  },
};

/** How a refusal reads beside its form: the API's status and its message. */
export const refusalText = (f: Failure) => (f.message ? `Refused (${f.status}): ${f.message}` : `Not sent (${f.status}): check the fields below`);

export const ActionForm: FC<{ orderId: number; type: ActionType; csrf: string; role: Role; failure?: Failure }> = ({ orderId, type, csrf, role, failure }) => {
  const spec = actionSpecs[type]!;
  const mine = failure?.action === type ? failure : undefined;
  const Fields = spec.Fields;
  return (
    <Form
      action={`/orders/${orderId}/actions`}
      csrf={csrf}
      id={`action-${type}`}
      label={spec.title}
      error={mine ? refusalText(mine) : undefined}
      enctype={spec.files ? 'multipart/form-data' : undefined}
    >
      <input type="hidden" name="type" value={type} />
      <h3>{spec.title}</h3>
      {spec.note ? <p class="muted">{spec.note}</p> : null}
      {Fields ? <Fields errors={mine?.errors ?? {}} form={mine?.form ?? {}} role={role} /> : null}
      {spec.confirm ? <Checkbox name={spec.confirm.name} label={spec.confirm.label} checked={firstOf(mine?.form[spec.confirm.name]) === 'on'} errors={mine?.errors} required /> : null}
      <button type="submit" class={spec.danger ? 'danger' : undefined}>
        {spec.button}
      </button>
    </Form>
  );
};

/** The actions allowed now (the view's `allowedActions`), and the one just refused even if it no longer is. */
export const Actions: FC<{ orderId: number; allowed: ActionType[]; csrf: string; role: Role; failure?: Failure }> = ({ orderId, allowed, csrf, role, failure }) => {
  const refused = failure && failure.action in actionSpecs && !allowed.includes(failure.action as ActionType) ? [failure.action as ActionType] : [];
  const types = [...allowed.filter((t) => t in actionSpecs), ...refused];
  return (
    <section aria-labelledby="actions-h" id="actions">
      <h2 id="actions-h">What you can do now</h2>
      {failure && failure.action === '' ? (
        <p class="error form-error" role="alert">
          {refusalText(failure)}
        </p>
      ) : null}
      {types.length === 0 ? <p>Nothing: {role === 'buyer' ? 'the seller' : 'the buyer'} or gigflow acts next.</p> : null}
      <div class="actions">
        {types.map((type) => (
          <ActionForm orderId={orderId} type={type} csrf={csrf} role={role} failure={failure} />
        ))}
      </div>
    </section>
  );
};

export const VerdictChoice: FC<{ value?: string; errors: FieldErrors }> = ({ value, errors }) => (
  <fieldset aria-describedby={errors.verdict ? 'f-verdict-error' : undefined}>
    <legend>Your verdict (K-24)</legend>
    <input type="radio" id="v-like" name="verdict" value="like" checked={value === 'like'} />
    <label for="v-like">👍 Like</label>{' '}
    <input type="radio" id="v-dislike" name="verdict" value="dislike" checked={value === 'dislike'} />
    <label for="v-dislike">👎 Dislike</label>
    <FieldError id="f-verdict-error" error={errors.verdict} />
  </fieldset>
);
