/**
 * Service requests in the web client (K-44, K-45): a buyer posts one (with a file, K-69) and
 * finds it under "My requests"; sellers browse the board of active requests and answer with one
 * of their offers, or — Advanced and Professional sellers (K-33, K-46) — with an individual
 * offer based on one (or withdraw the answer); the request page shows the answers with their offer, price, and
 * the seller's level and stars, and the buyer picks several at once (checkboxes: each becomes
 * an order; money short shows what is missing and a link to add it) or closes the request;
 * moderators approve or reject it there, from their queue (`/staff/requests`).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { RequestDetail } from '../../services/requests.js';
import { AppError } from '../../workflows/lib/errors.js';
import { individualOfferRules } from '../../services/policy.js';
import { budgetBounds, requestRules } from '../../workflows/request/policy.js';
import type { WebDeps, WebEnv } from '../context.js';
import { dollars, errorsBesideFile, idOf, ids, optionalText, parseForm, readForm, readQuery, refusalOf, text, whole, type FormData } from '../forms.js';
import { page, redirect, userOf, type WebContext } from '../page.js';
import { Field, FieldError, Form, Select, TextArea, type FieldErrors } from '../ui.js';
import { ACCEPT_ATTACHMENTS, formFile, uploadFormFile } from './attachments.js';
import { staffAccess, staffOf } from './staff/roles.js';
import { RequestView, type Shown } from './requests/detail.js';
import { RequestTable } from './requests/parts.js';

const Post = z.object({
  title: text(120, 5),
  description: text(4_000, 10),
  categoryId: whole(1, undefined, 'a category'),
  budget: z.preprocess((v) => (v === '' ? undefined : v), dollars(budgetBounds.minCents, budgetBounds.maxCents).optional()),
});
const AnswerForm = z.object({ offerId: whole(1, Number.MAX_SAFE_INTEGER, 'one of your offers'), comment: optionalText(requestRules.maxCommentChars) });
const io = individualOfferRules;
/** Its own field names: the page holds both answer forms, and each control's id is unique. */
const IndividualAnswerForm = z.object({
  basedOnOfferId: whole(1, Number.MAX_SAFE_INTEGER, 'one of your offers'),
  price: dollars(io.minPriceCents, io.maxPriceCents),
  leadTimeDays: whole(1, io.maxLeadTimeDays),
  description: text(io.descriptionMaxLength, io.descriptionMinLength),
});
const BoardFilter = z.object({ categoryId: z.preprocess((v) => (v === '' ? undefined : v), whole(1, undefined, 'a category').optional()) });
const PickForm = z.object({ answerId: ids.refine((a) => a.length > 0, 'tick at least one answer') });
const RejectForm = z.object({ reason: text(requestRules.maxCommentChars) });

/** The request in the address: a valid id, else the 404 page. */
function requestIdOf(c: WebContext): number {
  const id = idOf(c.req.param('id'));
  if (id === undefined) throw new AppError('not_found', 'no such request');
  return id;
}

async function leafCategories(deps: WebDeps): Promise<[string, string][]> {
  const all = await deps.services.notificationSettings.pickableCategories();
  return all.filter((c) => !all.some((k) => k.parentId === c.id)).map((c) => [String(c.id), c.name]);
}

function postPages(app: Hono<WebEnv>, deps: WebDeps) {
  const form = async (c: WebContext, errors: FieldErrors = {}, sent: FormData = {}, status: 200 | 400 | 409 | 413 | 415 | 422 = 200, error?: string) => {
    const categories = await leafCategories(deps);
    return page(
      c,
      deps,
      'Post a request',
      (v) => (
        <Form action="/requests/new" csrf={v.csrf} error={error} label="post a request" id="request-form" enctype="multipart/form-data">
          <p>Describe what you need: a moderator checks it, then sellers answer it with their offers for 24 hours.</p>
          <Field name="title" label="Title" value={String(sent.title ?? '')} errors={errors} required />
          <TextArea name="description" label="Description" value={String(sent.description ?? '')} errors={errors} rows={6} required />
          <Select name="categoryId" label="Category" value={String(sent.categoryId ?? '')} errors={errors} options={[['', 'Choose a category'], ...categories]} />
          <Field name="budget" label="Budget in dollars (optional)" value={String(sent.budget ?? '')} errors={errors} hint="From $10 to $100,000" />
          <p class="field">
            <label for="f-file">Attach a file (optional): a sketch, an example</label>
            <input id="f-file" type="file" name="file" accept={ACCEPT_ATTACHMENTS} aria-describedby={errors.file ? 'f-file-hint f-file-error' : 'f-file-hint'} aria-invalid={errors.file ? 'true' : undefined} />
            <small id="f-file-hint" class="hint">
              At most 4 MB (K-69): images, video, audio, zip or rar. Sellers who see the request may download it.
            </small>
            <FieldError id="f-file-error" error={errors.file} />
          </p>
          <button type="submit">Post the request</button>
        </Form>
      ),
      status,
    );
  };
  app.get('/requests/new', (c) => (userOf(c), form(c)));
  app.post('/requests/new', async (c) => {
    const user = userOf(c);
    const sent = await readForm(c);
    const file = await formFile(c);
    const parsed = parseForm(Post, sent);
    // Text where the file goes (no browser sends it): refused, not taken as "no file".
    const fileError: FieldErrors = sent.file !== undefined ? { file: 'Choose a file to attach' } : {};
    if (!parsed.ok || sent.file !== undefined) return form(c, { ...(parsed.ok ? {} : parsed.errors), ...fileError }, sent, 400);
    const { title, description, categoryId, budget } = parsed.data;
    try {
      // K-69: the file is stored first (the same checks as any upload), then attached by its id.
      const attachmentIds = file ? [(await uploadFormFile(deps, user.id, file)).id] : [];
      const posted = await deps.services.requests.post(user, { title, description, categoryId, budgetCents: budget ?? null, attachmentIds });
      return redirect(c, `/requests/${posted.id}`, 'Posted: a moderator will check it.');
    } catch (err) {
      const r = refusalOf(err, { budgetCents: 'budget' });
      const errors = errorsBesideFile(r);
      return form(c, errors, sent, r.status === 409 || r.status === 413 || r.status === 415 || r.status === 422 ? r.status : 400, Object.keys(errors).length ? undefined : r.message);
    }
  });
}

function listPages(app: Hono<WebEnv>, deps: WebDeps) {
  app.get('/requests/mine', async (c) => {
    const items = await deps.services.requests.mine(userOf(c).id);
    return page(c, deps, 'My requests', (v) => (
      <>
        <p>
          <a class="button" href="/requests/new">
            Post a request
          </a>{' '}
          <a href="/requests">Requests from buyers</a> (for sellers)
        </p>
        {items.length === 0 ? <p>No requests yet.</p> : <RequestTable items={items} zone={v.timeZone} caption="Your requests, newest first" />}
      </>
    ));
  });
  app.get('/requests', async (c) => {
    const user = userOf(c);
    const query = readQuery(c);
    const parsed = parseForm(BoardFilter, query);
    const categoryId = parsed.ok ? parsed.data.categoryId : undefined;
    const errors = parsed.ok ? {} : parsed.errors;
    const [items, categories] = await Promise.all([parsed.ok ? deps.services.requests.board(user, categoryId) : [], leafCategories(deps)]);
    return page(c, deps, 'Requests from buyers', (v) => (
      <>
        <form method="get" action="/requests" class="inline" aria-label="filter requests" id="request-filter">
          <Select name="categoryId" label="Category" value={String(query.categoryId ?? '')} errors={errors} options={[['', 'All categories'], ...categories]} />
          <button type="submit">Filter</button>
        </form>
        {items.length === 0 ? <p>No active requests.</p> : <RequestTable items={items} zone={v.timeZone} caption="Active requests, soonest to expire first" />}
      </>
    ), parsed.ok ? 200 : 400);
  });
  app.get('/staff/requests', async (c) => {
    staffOf(c, staffAccess.moderation);
    const items = await deps.services.requests.queue();
    return page(c, deps, 'Requests awaiting moderation', (v) =>
      items.length === 0 ? <p>Nothing awaits moderation.</p> : <RequestTable items={items} zone={v.timeZone} caption="Oldest first: open one to approve or reject it" />,
    );
  });
}

/** The request page, with what the caller may do, and a refusal on top if any. */
function detailPage(deps: WebDeps) {
  return async (c: WebContext, shown: Shown = {}) => {
    const user = userOf(c);
    const r: RequestDetail = await deps.services.requests.get(user, requestIdOf(c));
    const answering = r.allowedActions.includes('answer');
    const [offers, tools] = answering ? await Promise.all([deps.services.requests.answerableOffers(user.id), deps.services.individualOffers.sellerTools(user.id)]) : [[], null];
    // K-33: only Advanced and Professional sellers get the individual offer's form.
    const individual = Boolean(tools?.canMake);
    return page(c, deps, r.title, (v) => <RequestView deps={deps} r={r} viewer={v} offers={offers} individual={individual} shown={shown} />, shown.status ?? 200);
  };
}

/** A form's action: parse, call the service, then back to the request page (the refusal on it). */
function actionPages(app: Hono<WebEnv>, deps: WebDeps) {
  const show = detailPage(deps);
  app.get('/requests/:id', (c) => show(c));
  const act = <T,>(path: string, schema: z.ZodType<T> | null, run: (c: WebContext, id: number, data: T) => Promise<unknown>, done: string, key: string) =>
    app.post(`/requests/:id/${path}`, async (c) => {
      const id = requestIdOf(c);
      const sent = await readForm(c);
      const parsed = schema ? parseForm(schema, sent) : ({ ok: true, data: undefined as T } as const);
      if (!parsed.ok) return show(c, { key, errors: parsed.errors, form: sent, status: 400 });
      try {
        await run(c, id, parsed.data);
        return redirect(c, `/requests/${id}`, done);
      } catch (err) {
        const r = refusalOf(err);
        return show(c, { key, errors: r.errors, form: sent, status: r.status, message: r.message, ...(r.missingCents ? { missingCents: r.missingCents } : {}) });
      }
    });
  const { requests } = deps.services;
  act('answer', AnswerForm, (c, id, d) => requests.answer(userOf(c), id, { offerId: d.offerId, comment: d.comment ?? null }), 'Answered: the buyer sees your offer.', 'answer');
  act(
    'individual-answer',
    IndividualAnswerForm,
    (c, id, d) => requests.answer(userOf(c), id, { offerId: d.basedOnOfferId, comment: null, individualOffer: { description: d.description, priceCents: d.price, leadTimeDays: d.leadTimeDays } }),
    'Answered with your individual offer: the buyer sees its price and description.',
    'individual-answer',
  );
  act('pick', PickForm, (c, id, d) => requests.pick(userOf(c), id, d.answerId), 'Picked: each picked answer is an order now.', 'pick');
  act('close', null, (c, id) => requests.close(userOf(c), id), 'Closed.', 'close');
  act('approve', null, (c, id) => requests.moderate(staffOf(c, staffAccess.moderation), id, { decision: 'approve' }), 'Approved: active for 24 hours.', 'moderate');
  act('reject', RejectForm, (c, id, d) => requests.moderate(staffOf(c, staffAccess.moderation), id, { decision: 'reject', reason: d.reason }), 'Rejected.', 'moderate');
  app.post('/requests/:id/answers/:answerId/withdraw', async (c) => {
    const id = requestIdOf(c);
    const answerId = idOf(c.req.param('answerId'));
    if (answerId === undefined) throw new AppError('not_found', 'no such answer');
    try {
      await requests.withdrawAnswer(userOf(c), id, answerId);
      return redirect(c, `/requests/${id}`, 'Your answer is withdrawn.');
    } catch (err) {
      const r = refusalOf(err);
      return show(c, { key: 'withdraw', errors: r.errors, status: r.status, message: r.message });
    }
  });
}

export function requestPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  postPages(app, deps);
  listPages(app, deps);
  actionPages(app, deps);
  return app;
}
