/**
 * Attachments (K-69) and the portfolio (K-37) in the web client. Files download from
 * `/attachments/{id}` under the same rules and headers as `GET /attachments/{id}`
 * (`attachments.download`); images also show as thumbnails from there. The order page's
 * portfolio section lets the buyer refuse consent (`portfolio.refuse`, as `POST
 * /orders/{id}/portfolio-consent`) and the seller add the result (`attachments.upload`, then
 * `portfolio.add`, as `POST /attachments` and `POST /orders/{id}/portfolio`).
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { downloadHeaders } from '../../api/routes/attachments.js';
import type { AttachmentInfo } from '../../services/attachments.js';
import { attachmentRules } from '../../services/policy.js';
import type { OrderPortfolio, PortfolioItem } from '../../services/portfolio.js';
import { AppError } from '../../workflows/lib/errors.js';
import type { WebDeps, WebEnv } from '../context.js';
import { z } from 'zod';
import { parseForm, readForm, refusalOf, text } from '../forms.js';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { page, redirect, userOf, type WebContext } from '../page.js';
import { Form, Time } from '../ui.js';

/** What a file input accepts: K-69's formats, as a hint to the browser (the server judges by content). */
export const ACCEPT_ATTACHMENTS = '.jpeg,.jpg,.gif,.png,.tif,.tiff,.bmp,.avi,.mpeg,.mpg,.mov,.rm,.3gp,.flv,.mp4,.zip,.rar,.mp3,.wav,.wma,.ogg';

const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} B`);

/** Files as download links; images with a thumbnail. */
export const AttachmentList: FC<{ files: readonly AttachmentInfo[] }> = ({ files }) =>
  files.length ? (
    <ul class="attachments">
      {files.map((f) => (
        <li class="attachment">
          {f.contentType.startsWith('image/') && f.contentType !== 'image/tiff' ? <img src={`/attachments/${f.id}`} alt={f.name} class="thumbnail" loading="lazy" width="160" /> : null}
          <a href={`/attachments/${f.id}`} download={f.name}>
            {f.name}
          </a>{' '}
          <span class="muted">({sizeText(f.size)})</span>
        </li>
      ))}
    </ul>
  ) : null;

/** K-37: portfolio items, next to the feedback on the offer page and the profile. */
export const PortfolioGallery: FC<{ items: readonly PortfolioItem[]; showOffer?: boolean }> = ({ items, showOffer }) =>
  items.length ? (
    <section aria-labelledby="portfolio-h" id="portfolio">
      <h2 id="portfolio-h">Portfolio</h2>
      <ul class="portfolio">
        {items.map((i) => (
          <li class="card portfolio-item" id={`portfolio-item-${i.id}`}>
            <p>
              <strong>{i.title ?? 'Untitled work'}</strong>
              {showOffer ? (
                <>
                  {' '}
                  · <a href={`/offers/${i.offer.id}`}>{i.offer.title}</a>
                </>
              ) : null}{' '}
              · <Time at={i.createdAt} />
            </p>
            <AttachmentList files={i.attachments} />
          </li>
        ))}
      </ul>
    </section>
  ) : null;

/** The order page's portfolio section: nothing outside portfolio categories; before anything can be done there, what will be (K-37). */
export const OrderPortfolioSection: FC<{ orderId: number; state: OrderPortfolio | null; csrf: string }> = ({ orderId, state, csrf }) => {
  if (!state || !state.category) return null;
  return (
    <section aria-labelledby="portfolio-h" id="portfolio">
      <h2 id="portfolio-h">Portfolio</h2>
      {state.refused ? <p id="portfolio-refused">The buyer refused consent: this order’s result is not shown in the seller’s portfolio (K-37).</p> : null}
      {state.item ? (
        <p id="portfolio-item">
          In the seller’s portfolio{state.item.title ? `: ${state.item.title}` : ''}.
        </p>
      ) : null}
      {state.item ? <AttachmentList files={state.item.attachments} /> : null}
      {!state.refused && !state.item && !state.canAdd && !state.canRefuse ? (
        <p id="portfolio-later" class="muted">
          In this category the seller may show the finished result in their portfolio once the buyer confirms completion, unless the buyer refuses (K-37).
        </p>
      ) : null}
      {state.canRefuse ? (
        <Form action={`/orders/${orderId}/portfolio-consent`} csrf={csrf} id="portfolio-consent-form" label="refuse portfolio consent">
          <p class="muted">In this category the seller may show the finished result in their portfolio. You can refuse, for good; a result already shown is hidden.</p>
          <button type="submit" class="danger">
            Do not show this work in the seller’s portfolio
          </button>
        </Form>
      ) : null}
      {state.canAdd ? (
        <Form action={`/orders/${orderId}/portfolio`} csrf={csrf} id="portfolio-form" label="add the result to your portfolio" enctype="multipart/form-data">
          <p class="field">
            <label for="f-portfolio-title">Title (optional)</label>
            <input id="f-portfolio-title" name="title" maxlength={attachmentRules.portfolioTitleMaxChars} />
          </p>
          <p class="field">
            <label for="f-portfolio-file">The result: an image, a video or audio (at most 4 MB)</label>
            <input id="f-portfolio-file" type="file" name="file" accept="image/*,video/*,audio/*" required />
          </p>
          <button type="submit">Add to my portfolio</button>
        </Form>
      ) : null}
    </section>
  );
};

/** Every file of a multipart form's `file` field (an input with `multiple`), without the empty part of no choice. */
export async function formFiles(c: WebContext): Promise<File[]> {
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('multipart/form-data')) return [];
  const value = (await c.req.parseBody({ all: true })).file;
  return (Array.isArray(value) ? value : [value]).filter((f): f is File => f instanceof File && (f.size > 0 || f.name !== ''));
}

/** The one `file` of a multipart form, or undefined when none was chosen (an empty part). */
export async function formFile(c: WebContext): Promise<File | undefined> {
  return (await formFiles(c))[0];
}

/** Stores a form's file as the user's attachment (the same checks as `POST /attachments`). */
export async function uploadFormFile(deps: WebDeps, userId: number, file: File): Promise<AttachmentInfo> {
  if (file.size > attachmentRules.maxBytes) {
    throw new AppError('payload_too_large', `at most 4 MB per file (K-69): share a larger one through a cloud link`, { limitBytes: attachmentRules.maxBytes });
  }
  return deps.services.attachments.upload(userId, { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
}

/** The state of an order's portfolio for a party; null for anyone else (staff reading the order). */
export async function orderPortfolio(deps: WebDeps, userId: number, orderId: number): Promise<OrderPortfolio | null> {
  try {
    return await deps.services.portfolio.forOrder(userId, orderId);
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') return null;
    throw err;
  }
}

const idOfParam = (c: WebContext) => {
  const id = c.req.param('id') ?? '';
  if (!/^[0-9]{1,15}$/.test(id)) throw new AppError('not_found', 'no such order');
  return Number(id);
};

const PortfolioForm = z.object({ title: text(attachmentRules.portfolioTitleMaxChars).optional().or(z.literal('')) });

export function attachmentPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const { attachments, portfolio } = deps.services;
  app.get('/attachments/:id', async (c) => {
    const file = await attachments.download(c.var.user, c.req.param('id'));
    return c.body(file.bytes as Uint8Array<ArrayBuffer>, 200, downloadHeaders(file));
  });
  app.post('/orders/:id/portfolio-consent', async (c) => {
    const orderId = idOfParam(c);
    await portfolio.refuse(userOf(c).id, orderId);
    return redirect(c, `/orders/${orderId}#portfolio`, 'Refused: this work will not be shown in the seller’s portfolio.');
  });
  app.post('/orders/:id/portfolio', async (c) => {
    const user = userOf(c);
    const orderId = idOfParam(c);
    const form = await readForm(c);
    const file = await formFile(c);
    try {
      const parsed = parseForm(PortfolioForm, form);
      if (!parsed.ok) throw new AppError('invalid_input', `title: ${Object.values(parsed.errors).join('; ')}`);
      if (!file) throw new AppError('invalid_input', 'choose the file to show');
      const stored = await uploadFormFile(deps, user.id, file);
      await portfolio.add(user.id, orderId, { title: parsed.data.title || null, attachmentIds: [stored.id] });
    } catch (err) {
      const r = refusalOf(err);
      if (r.status === 404) throw err;
      return page(
        c,
        deps,
        'Not added to your portfolio',
        () => (
          <>
            <p class="error form-error" role="alert">
              {r.message}
            </p>
            <p>
              <a href={`/orders/${orderId}#portfolio`}>Back to the order</a>
            </p>
          </>
        ),
        r.status as ContentfulStatusCode,
      );
    }
    return redirect(c, `/orders/${orderId}#portfolio`, 'Added to your portfolio: it shows on the offer and your profile.');
  });
  return app;
}
