/**
 * The offer editor (K-39, K-41): a new offer (`/seller/offers/new`) or an edit
 * (`/seller/offers/:id/edit`), sent to moderation in one step. The category comes first (its
 * price rule, fixed package prices and attributes shape the rest). Refusals — a field out of
 * bounds, a duplicate, the K-39 limits, an offer that cannot be edited now — show beside the
 * field or on the form with the API's status, and nothing changes. An existing offer's images
 * (K-41) are changed apart, one upload or removal at a time (`offer-images.tsx`).
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { OfferView } from '../../../services/offers.js';
import type { CategoryNode } from '../../../services/search.js';
import { AppError } from '../../../workflows/lib/errors.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { readForm, refusalOf, type FormData, type Refusal } from '../../forms.js';
import { page, redirect, userOf, type WebContext } from '../../page.js';
import type { FieldErrors } from '../../ui.js';
import { pathId } from '../staff/controls.js';
import { CategoryPicker, OfferForm, type Leaf } from './editor-form.js';
import { OfferImages, offerImageRoutes } from './offer-images.js';
import { fieldOfPath, formOf, offerInputOf } from './offer-form.js';

/** Leaf categories (offers go in one), named with their parent: "Design › Logos". */
function leavesOf(tree: CategoryNode[], parent?: string): Leaf[] {
  return tree.flatMap((c) => (c.children.length ? leavesOf(c.children, c.name) : [{ node: c, label: parent ? `${parent} › ${c.name}` : c.name }]));
}

interface Editing {
  /** The offer being edited; absent for a new one. */
  offer?: OfferView;
  form: FormData;
  errors: FieldErrors;
  error?: string;
  status?: Refusal['status'];
  /** The refused upload or removal of an image (K-41). */
  imagesError?: string;
}

async function ownOffer(deps: WebDeps, sellerId: number, offerId: number): Promise<OfferView> {
  const offer = (await deps.services.offers.mine(sellerId)).find((o) => o.id === offerId);
  if (!offer) throw new AppError('not_found', 'no such offer');
  return offer;
}

export function editorPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const { offers, search } = deps.services;

  const show = async (c: WebContext, e: Editing) => {
    userOf(c);
    const leaves = leavesOf(await search.categories());
    const asked = c.req.query('category');
    const chosen = Number(asked ?? e.form.categoryId ?? e.offer?.categoryId ?? 0);
    const leaf = leaves.find((l) => String(l.node.id) === String(chosen));
    // The picker is a GET form: a category not in its list is refused beside it (400).
    const pickError = asked !== undefined && asked !== '' && !leaf ? 'choose a category from the list' : undefined;
    const title = e.offer ? `Edit “${e.offer.title}”` : 'New offer';
    const images = e.offer ? await deps.services.portfolio.offerImages(e.offer.id) : [];
    const action = e.offer ? `/seller/offers/${e.offer.id}/edit` : '/seller/offers/new';
    return page(
      c,
      deps,
      title,
      (v) => (
        <>
          <p>
            <a href="/seller/offers">← My offers</a>
          </p>
          {e.offer ? <EditNotice offer={e.offer} /> : null}
          {e.offer ? <OfferImages offerId={e.offer.id} images={images} csrf={v.csrf} error={e.imagesError} /> : null}
          <CategoryPicker action={action} leaves={leaves} chosen={leaf?.node.id} error={pickError} />
          {leaf ? (
            <OfferForm action={action} csrf={v.csrf} leaf={leaf} form={e.form} errors={e.errors} error={e.error} />
          ) : (
            <>
              {e.error ? (
                <p class="error form-error" role="alert">
                  {e.error}
                </p>
              ) : null}
              <p>Choose the category first.</p>
            </>
          )}
        </>
      ),
      e.status ?? (pickError ? 400 : 200),
    );
  };

  const save = async (c: WebContext, offer: OfferView | undefined) => {
    const user = userOf(c);
    const form = await readForm(c);
    const leaf = leavesOf(await search.categories()).find((l) => String(l.node.id) === form.categoryId);
    if (!leaf) return show(c, { offer, form, errors: {}, error: 'Choose a category from the list.', status: 400 });
    const parsed = offerInputOf(form, leaf.node);
    if (!parsed.ok) return show(c, { offer, form, errors: parsed.errors, status: 400, error: 'Some fields need a change: see below.' });
    try {
      const saved = offer ? await offers.editAndSubmit(user.id, offer.id, parsed.data) : await offers.createAndSubmit(user.id, parsed.data);
      return redirect(c, '/seller/offers', `“${parsed.data.title}” is in moderation (revision ${saved.revision}).`);
    } catch (err) {
      const r = refusalOf(err, fieldOfPath); // the API's names mapped to the editor's (`priceCents` → `price`)
      const fields = r.errors;
      return show(c, { offer, form, errors: fields, error: Object.keys(fields).length ? 'Some fields need a change: see below.' : r.message, status: r.status });
    }
  };

  app.get('/seller/offers/new', (c) => show(c, { form: {}, errors: {} }));
  app.post('/seller/offers/new', (c) => save(c, undefined));
  app.get('/seller/offers/:id/edit', async (c) => {
    const offer = await ownOffer(deps, userOf(c).id, pathId(c.req.param('id')));
    return show(c, { offer, form: { ...formOf(offer.pendingContent ?? offer), categoryId: String(offer.categoryId) }, errors: {} });
  });
  app.post('/seller/offers/:id/edit', async (c) => save(c, await ownOffer(deps, userOf(c).id, pathId(c.req.param('id')))));
  // K-41: the offer's images; a refusal shows on the images section of the editor.
  offerImageRoutes(app, deps, {
    own: (c) => ownOffer(deps, userOf(c).id, pathId(c.req.param('id'))),
    refused: (c, offer, message, status) =>
      show(c, { offer, form: { ...formOf(offer.pendingContent ?? offer), categoryId: String(offer.categoryId) }, errors: {}, imagesError: message, status }),
  });
  return app;
}

const EditNotice: FC<{ offer: OfferView }> = ({ offer }) => {
  if (offer.status === 'in_moderation' || offer.pendingContent) return <p class="notice">This offer is in moderation: you can edit it once a moderator has decided.</p>;
  if (offer.status === 'active' || offer.status === 'paused' || offer.status === 'suspended') return <p class="notice">Buyers keep seeing the published version until a moderator approves your edit.</p>;
  if (offer.status === 'rejected') return <p class="notice">A moderator rejected it{offer.statusReason ? `: ${offer.statusReason.replace(/_/g, ' ')}` : ''}. Change it and send it again.</p>;
  return null;
};
