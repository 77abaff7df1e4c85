/**
 * K-41: an offer's images in the seller's editor — the list, each with a remove button, and an
 * upload of one JPEG, PNG or GIF at a time, up to ten. The same rules as `PUT /offers/{id}/images`
 * (`portfolio.setOfferImages`): the seller's own uploads, images only, at most ten, in order; a
 * new image goes last. The file is checked by its content before it is stored, so a refused one
 * takes none of the seller's quota.
 */
import type { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import type { OfferView } from '../../../services/offers.js';
import { ATTACHMENT_ID, detectFormat, IMAGE_CONTENT_TYPES, type AttachmentInfo } from '../../../services/attachments.js';
import { attachmentRules } from '../../../services/policy.js';
import { AppError, fieldError } from '../../../workflows/lib/errors.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { parseForm, readForm, refusalOf, type FormData, type Refusal } from '../../forms.js';
import { redirect, userOf, type WebContext } from '../../page.js';
import { Form } from '../../ui.js';
import { AttachmentList, formFile, uploadFormFile } from '../attachments.js';

/** The form's hint and the browser's filter: the server judges by content. */
const ACCEPT_IMAGES = IMAGE_CONTENT_TYPES.join(',');

/** The images section of an offer's editor; `error` is the last refused upload or removal. */
export const OfferImages: FC<{ offerId: number; images: readonly AttachmentInfo[]; csrf: string; error?: string }> = ({ offerId, images, csrf, error }) => (
  <section aria-labelledby="offer-images-h" id="offer-images">
    <h2 id="offer-images-h">Images</h2>
    <p class="muted">
      Up to {attachmentRules.perOffer} images (JPEG, PNG or GIF, at most 4 MB each) shown on the offer page (K-41), in this order.
    </p>
    {error ? (
      <p class="error form-error" role="alert">
        {error}
      </p>
    ) : null}
    {images.length === 0 ? <p>No images yet.</p> : null}
    <ul class="offer-images">
      {images.map((image) => (
        <li>
          <AttachmentList files={[image]} />
          <Form action={`/seller/offers/${offerId}/images/remove`} csrf={csrf} class="offer-image-remove" label={`remove ${image.name}`}>
            <input type="hidden" name="imageId" value={image.id} />
            <button type="submit" class="danger">
              Remove
            </button>
          </Form>
        </li>
      ))}
    </ul>
    {images.length < attachmentRules.perOffer ? (
      <Form action={`/seller/offers/${offerId}/images`} csrf={csrf} id="offer-images-form" label="add an image" enctype="multipart/form-data">
        <p class="field">
          <label for="f-offer-image">Add an image</label>
          <input id="f-offer-image" type="file" name="file" accept={ACCEPT_IMAGES} required />
        </p>
        <button type="submit">Add the image</button>
      </Form>
    ) : null}
  </section>
);

const RemoveForm = z.object({ imageId: z.string().regex(ATTACHMENT_ID, 'not an image of this offer') });

/** How the editor finds the seller's offer (404 for another's) and shows a refusal on its images section. */
export interface ImageEditor {
  own: (c: WebContext) => Promise<OfferView>;
  refused: (c: WebContext, offer: OfferView, message: string, status: Refusal['status']) => Response | Promise<Response>;
}

/** `POST /seller/offers/:id/images` (one upload) and `…/images/remove`; back to the editor's images section. */
export function offerImageRoutes(app: Hono<WebEnv>, deps: WebDeps, editor: ImageEditor): void {
  const change = (run: (c: WebContext, sellerId: number, offer: OfferView, form: FormData) => Promise<void>, done: string) => async (c: WebContext) => {
    const user = userOf(c);
    const offer = await editor.own(c);
    const form = await readForm(c);
    try {
      await run(c, user.id, offer, form);
    } catch (err) {
      const r = refusalOf(err);
      if (r.status === 404) throw err;
      return editor.refused(c, offer, `Refused (${r.status}): ${r.message}`, r.status);
    }
    return redirect(c, `/seller/offers/${offer.id}/edit#offer-images`, done);
  };
  app.post(
    '/seller/offers/:id/images',
    change(async (c, sellerId, offer, form) => addOfferImage(deps, sellerId, offer.id, form, await formFile(c)), 'Image added: it shows on the offer page.'),
  );
  app.post(
    '/seller/offers/:id/images/remove',
    change((_c, sellerId, offer, form) => removeOfferImage(deps, sellerId, offer.id, form), 'Image removed.'),
  );
}

/** K-41: stores `file` as the seller's upload and puts it last among the offer's images. */
async function addOfferImage(deps: WebDeps, sellerId: number, offerId: number, form: FormData, file: File | undefined): Promise<void> {
  if (form.file !== undefined || !file) throw fieldError('file', 'choose an image to add');
  const { portfolio } = deps.services;
  const images = await portfolio.offerImages(offerId);
  if (images.length >= attachmentRules.perOffer) throw new AppError('rule_violation', `an offer has at most ${attachmentRules.perOffer} images (K-41)`);
  // A file too large is refused by the upload itself (413).
  if (file.size <= attachmentRules.maxBytes) {
    const detected = await detectFormat(new Uint8Array(await file.arrayBuffer()));
    if (!detected || !(IMAGE_CONTENT_TYPES as readonly string[]).includes(detected.contentType)) {
      throw new AppError('unsupported_media_type', 'an offer’s images are JPEG, PNG or GIF, by their content (K-41)', { allowed: ['jpeg', 'png', 'gif'] });
    }
  }
  const stored = await uploadFormFile(deps, sellerId, file);
  await portfolio.setOfferImages(sellerId, offerId, [...images.map((i) => i.id), stored.id]);
}

/** Removes one image from the offer (the upload stays the seller's); one not among them is 404. */
async function removeOfferImage(deps: WebDeps, sellerId: number, offerId: number, form: FormData): Promise<void> {
  const parsed = parseForm(RemoveForm, form);
  if (!parsed.ok) throw fieldError('imageId', 'not an image of this offer');
  const { portfolio } = deps.services;
  const images = await portfolio.offerImages(offerId);
  if (!images.some((i) => i.id === parsed.data.imageId)) throw new AppError('not_found', 'no such image on this offer');
  await portfolio.setOfferImages(
    sellerId,
    offerId,
    images.filter((i) => i.id !== parsed.data.imageId).map((i) => i.id),
  );
}
