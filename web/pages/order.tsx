/**
 * The order page: status, timeline, who acts next with a live countdown and what happens if nobody does, the actions allowed now as forms, progress in 10 % squares (K-13).
 * Parties and staff only (anyone else gets the 404 page, as the API answers). Actions go
 * through `orders.partyAct`, as `POST /orders/{id}/actions` does; feedback (K-24) through
 * `feedback.leave`, as `POST /orders/{id}/feedback`; an admin deletes a boosted feedback (K-59)
 * through `feedback.remove`, as `POST /staff/feedback/{orderId}/delete`. After an action: back
 * here with a flash.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { FC } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { orderStaff } from '../../services/orders.js';
import type { PartyFeedbackItem } from '../../services/feedback.js';
import { AppError } from '../../workflows/lib/errors.js';
import { DELIVERY_MAX_FILES, type ActionType, type OrderAction, type OrderView, type Viewer as OrderViewer } from '../../workflows/order/messages.js';
import type { WebDeps, WebEnv } from '../context.js';
import { errorsBesideFile, firstOf, idOf, parseForm, readForm, refusalOf, text, type FormData } from '../forms.js';
import { page, redirect, userOf, type WebContext } from '../page.js';
import { Form, TextArea, Time } from '../ui.js';
import { Actions, actionSchemas, actionSpecs, FeedbackForm, refusalText, VerdictChoice, type Failure } from './order/actions.js';
import { holds, staffAccess, staffOf } from './staff/roles.js';
import { TemporalLink } from './staff/temporal-link.js';
import { Deliveries, Details, Requests, stateKey, StatusPanel, Timeline } from './order/panel.js';
import { formFiles, OrderPortfolioSection, orderPortfolio, uploadFormFile } from './attachments.js';
import { ConversationPanel, orderConversation } from './messages.js';

type Pages = Hono<WebEnv>;

const orderIdOf = (c: WebContext) => {
  const id = idOf(c.req.param('id'));
  if (id === undefined) throw new AppError('not_found', 'no such order');
  return id;
};

const roleOf = (view: OrderView, userId: number): OrderViewer => (view.buyer.id === userId ? 'buyer' : view.seller.id === userId ? 'seller' : 'staff');

const answerStatus = { pending: 'awaiting a moderator', published: 'published', rejected: 'rejected by a moderator' } as const;

/** The seller's one answer to the feedback: shown to the parties in every moderation status; the form while there is none. */
const AnswerPart: FC<{ orderId: number; item: PartyFeedbackItem; canAnswer: boolean; csrf: string; failure?: Failure }> = ({ orderId, item, canAnswer, csrf, failure }) => {
  const mine = failure?.action === 'answer' ? failure : undefined;
  if (item.answer) {
    return (
      <p id="feedback-answer">
        The seller answered, <Time at={item.answer.at} /> ({answerStatus[item.answer.status as keyof typeof answerStatus] ?? item.answer.status}): {item.answer.text}
      </p>
    );
  }
  if (!canAnswer && !mine) return null;
  return (
    <Form action={`/orders/${orderId}/feedback/answer`} csrf={csrf} id="answer-form" label="answer the feedback" error={mine && !Object.keys(mine.errors).length ? refusalText(mine) : undefined}>
      <TextArea name="answerText" label="Your answer (shown on the offer page once a moderator approves it; one answer)" value={firstOf(mine?.form.answerText)} errors={mine?.errors ?? {}} rows={3} />
      <button type="submit">Answer</button>
    </Form>
  );
};

/** K-59: an admin deletes a boosted feedback, with the reason both parties are told. */
const DeleteFeedbackForm: FC<{ orderId: number; csrf: string; failure?: Failure }> = ({ orderId, csrf, failure }) => {
  const mine = failure?.action === 'delete_feedback' ? failure : undefined;
  return (
    <Form action={`/orders/${orderId}/feedback/delete`} csrf={csrf} id="delete-feedback-form" label="delete the feedback" error={mine && !Object.keys(mine.errors).length ? refusalText(mine) : undefined}>
      <TextArea name="reason" label="Why it is deleted (boosting, K-59; told to buyer and seller)" value={firstOf(mine?.form.reason)} errors={mine?.errors ?? {}} rows={2} />
      <button type="submit" class="danger">Delete the feedback</button>
    </Form>
  );
};

const FeedbackSection: FC<{
  orderId: number;
  feedback: { feedback: PartyFeedbackItem | null; canLeaveFeedback: boolean; canAnswer: boolean };
  csrf: string;
  failure?: Failure;
  canDelete: boolean;
}> = ({ orderId, feedback, csrf, failure, canDelete }) => {
  const mine = failure?.action === 'feedback' ? failure : undefined;
  if (!feedback.feedback && !feedback.canLeaveFeedback && !mine) return null;
  return (
    <section aria-labelledby="feedback-h" id="feedback">
      <h2 id="feedback-h">Feedback</h2>
      {feedback.feedback ? (
        <>
          <p>
            <strong>{feedback.feedback.verdict === 'like' ? '👍 Like' : '👎 Dislike'}</strong> from {feedback.feedback.buyer.login}, <Time at={feedback.feedback.createdAt} />: {feedback.feedback.text}
          </p>
          <AnswerPart orderId={orderId} item={feedback.feedback} canAnswer={feedback.canAnswer} csrf={csrf} failure={failure} />
          {canDelete ? <DeleteFeedbackForm orderId={orderId} csrf={csrf} failure={failure} /> : null}
        </>
      ) : (
        <Form action={`/orders/${orderId}/feedback`} csrf={csrf} id="feedback-form" label="leave feedback" error={mine ? refusalText(mine) : undefined}>
          <VerdictChoice value={firstOf(mine?.form.verdict)} errors={mine?.errors ?? {}} />
          <TextArea name="feedbackText" label="Your feedback (public on the seller’s profile)" value={firstOf(mine?.form.feedbackText)} errors={mine?.errors ?? {}} rows={4} />
          <button type="submit">Leave feedback</button>
        </Form>
      )}
    </section>
  );
};

function orderPage(deps: WebDeps) {
  const { orders, feedback } = deps.services;
  return async (c: WebContext, failure?: Failure) => {
    // Signed out, as not a party: the 404 page (it offers to sign in), so a link never tells an order exists.
    if (!c.var.user) throw new AppError('not_found', 'no such order');
    const user = userOf(c);
    const orderId = orderIdOf(c);
    const view = await orders.view(user, orderId);
    const fb = await feedback.forOrder(user, orderId, orderStaff);
    const thread = await orderConversation(deps, c, orderId);
    const portfolio = await orderPortfolio(deps, user.id, orderId);
    const role = roleOf(view, user.id);
    return page(
      c,
      deps,
      `Order #${view.orderId}: ${view.offer.title}`,
      (v) => (
        <div class="layout-2">
          <div>
            {user.roles.length > 0 ? (
              <p>
                <TemporalLink deps={deps} to={{ orderId }} />
              </p>
            ) : null}
            <StatusPanel view={view} role={role} seen={stateKey(view)} />
            {role === 'staff' ? null : <Actions orderId={orderId} allowed={view.allowedActions} csrf={v.csrf} role={role} failure={failure} />}
            <FeedbackSection orderId={orderId} feedback={fb} csrf={v.csrf} failure={failure} canDelete={holds(user, staffAccess.feedbackDeletion)} />
            <OrderPortfolioSection orderId={orderId} state={portfolio} csrf={v.csrf} />
            {thread ? <ConversationPanel thread={thread} me={user.id} csrf={v.csrf} sellerId={view.seller.id} /> : null}
            <Requests view={view} />
            <Deliveries view={view} />
            <Timeline view={view} />
          </div>
          <aside>
            <Details view={view} role={role} />
          </aside>
        </div>
      ),
      (failure?.status ?? 200) as ContentfulStatusCode,
    );
  };
}

/** A form's failure, to show on its form: field errors (400) or the service's refusal with the API's status. */
function failureOf(action: string, form: FormData, err: unknown): Failure {
  const r = refusalOf(err);
  return { action, status: r.status, message: r.message, errors: errorsBesideFile(r), form };
}

const AnswerForm = z.object({ answerText: text(2_000) });
const DeleteFeedbackFields = z.object({ reason: text(1_000) });

/**
 * K-69: a delivery's files, stored as the seller's attachments, on the action — stored only
 * when the caller may deliver now (anyone else's action is refused without keeping their files).
 */
async function withDeliveredFiles(deps: WebDeps, user: { id: number; roles: readonly string[] }, orderId: number, action: OrderAction, files: File[]): Promise<OrderAction> {
  if (action.type !== 'deliver' || files.length === 0) return action;
  if (!(await deps.services.orders.view(user, orderId)).allowedActions.includes('deliver')) return action;
  const attachmentIds: string[] = [];
  for (const file of files) attachmentIds.push((await uploadFormFile(deps, user.id, file)).id);
  return { ...action, attachmentIds };
}

function actionRoutes(app: Pages, deps: WebDeps) {
  const show = orderPage(deps);
  app.post('/orders/:id/actions', async (c) => {
    const user = userOf(c);
    const orderId = orderIdOf(c);
    const form = await readForm(c);
    const type = typeof form.type === 'string' && form.type in actionSchemas ? (form.type as ActionType) : undefined;
    if (!type) return show(c, { action: '', status: 400, message: 'Unknown action', errors: {}, form });
    const parsed = parseForm(actionSchemas[type]!, form);
    if (!parsed.ok) return show(c, { action: type, status: 400, errors: parsed.errors, form });
    // Text posted where the files go (no browser sends it): refused, rather than a delivery without them.
    if (type === 'deliver' && form.file !== undefined) return show(c, { action: type, status: 400, errors: { file: 'not a file: choose the files to deliver' }, form });
    const files = type === 'deliver' ? await formFiles(c) : [];
    if (files.length > DELIVERY_MAX_FILES) return show(c, { action: type, status: 400, errors: { file: `at most ${DELIVERY_MAX_FILES} files` }, form });
    try {
      await deps.services.orders.partyAct(user, orderId, await withDeliveredFiles(deps, user, orderId, parsed.data, files));
    } catch (err) {
      return show(c, failureOf(type, form, err));
    }
    return redirect(c, `/orders/${orderId}`, actionSpecs[type]!.done);
  });
  app.post('/orders/:id/feedback', async (c) => {
    const user = userOf(c);
    const orderId = orderIdOf(c);
    const form = await readForm(c);
    const parsed = parseForm(FeedbackForm, form);
    if (!parsed.ok) return show(c, { action: 'feedback', status: 400, errors: parsed.errors, form });
    try {
      await deps.services.feedback.leave(user, orderId, { verdict: parsed.data.verdict, text: parsed.data.feedbackText });
    } catch (err) {
      return show(c, failureOf('feedback', form, err));
    }
    return redirect(c, `/orders/${orderId}`, 'Thank you: your feedback is on the seller’s profile.');
  });
  // The seller's one answer to the feedback, as `POST /orders/{id}/feedback/answer`: public once a moderator approves it.
  app.post('/orders/:id/feedback/answer', async (c) => {
    const user = userOf(c);
    const orderId = orderIdOf(c);
    const form = await readForm(c);
    const parsed = parseForm(AnswerForm, form);
    if (!parsed.ok) return show(c, { action: 'answer', status: 400, errors: parsed.errors, form });
    try {
      await deps.services.feedback.answer(user, orderId, parsed.data.answerText);
    } catch (err) {
      return show(c, failureOf('answer', form, err));
    }
    return redirect(c, `/orders/${orderId}`, 'Your answer is sent: it shows on the offer page once a moderator approves it.');
  });
  app.post('/orders/:id/feedback/delete', async (c) => {
    const user = staffOf(c, staffAccess.feedbackDeletion);
    const orderId = orderIdOf(c);
    const form = await readForm(c);
    const parsed = parseForm(DeleteFeedbackFields, form);
    if (!parsed.ok) return show(c, { action: 'delete_feedback', status: 400, errors: parsed.errors, form });
    try {
      await deps.services.feedback.remove(user.id, orderId, parsed.data.reason);
    } catch (err) {
      return show(c, failureOf('delete_feedback', form, err));
    }
    return redirect(c, `/orders/${orderId}`, 'The feedback is deleted; the seller’s standing is recomputed and both parties are told.');
  });
}


export function orderPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const show = orderPage(deps);
  app.get('/orders/:id', (c) => show(c));
  // The status panel alone, for htmx polling; signed out, it answers 204 (htmx leaves the page as it is).
  app.get('/orders/:id/panel', async (c) => {
    if (!c.var.user) return c.body(null, 204);
    const view = await deps.services.orders.view(c.var.user, orderIdOf(c));
    return c.html(<StatusPanel view={view} role={roleOf(view, c.var.user.id)} seen={c.req.query('seen') ?? stateKey(view)} />);
  });
  actionRoutes(app, deps);
  return app;
}
