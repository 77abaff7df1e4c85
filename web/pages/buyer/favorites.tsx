/**
 * Favorites (K-07, the heart): the list, newest first, and the heart button's toggle, which
 * returns to the page it was pressed on (a local path only).
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { FavoriteView } from '../../../services/favorites.js';
import { AppError } from '../../../workflows/lib/errors.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { idOf, parseForm, readForm } from '../../forms.js';
import { page, query, redirect, userOf } from '../../page.js';
import { Money, Pager } from '../../ui.js';

type Pages = Hono<WebEnv>;

/** Where to return after a toggle: a path of ours only (never `//elsewhere` or a full URL). */
const LOCAL_PATH = /^\/(?!\/)[^\\\s]*$/;
export const localPath = (back: unknown, fallback: string) => (typeof back === 'string' && LOCAL_PATH.test(back) ? back : fallback);

/** The heart's form: which it means (absent: toggle), and a local page to return to; anything else changes nothing. */
const Heart = z.object({
  favorite: z.enum(['add', 'remove'], { error: 'not a choice of this button' }).optional(),
  back: z.string().regex(LOCAL_PATH, 'not a page of ours').optional(),
});

const FavoriteCard = ({ item, csrf }: { item: FavoriteView; csrf: string }) => (
  <li class="card">
    <h3>
      <a href={`/offers/${item.id}`}>{item.title}</a>
    </h3>
    <p class="muted">
      by {item.seller.login} · {item.category.name} · from <Money cents={item.priceCents} /> · {item.leadTimeDays} d
    </p>
    {item.available ? null : <p class="error">Not available to order now</p>}
    <form method="post" action={`/favorites/${item.id}`} class="inline">
      <input type="hidden" name="_csrf" value={csrf} />
      <input type="hidden" name="back" value="/favorites" />
      <button type="submit" class="secondary" aria-label={`Remove ${item.title} from favorites`}>
        ♥ Remove
      </button>
    </form>
  </li>
);

export function favoritePages(app: Pages, deps: WebDeps) {
  const { favorites } = deps.services;
  app.get('/favorites', async (c) => {
    const user = userOf(c);
    const cursor = query(c, 'cursor');
    const list = await favorites.list(user.id, { cursor: cursor && cursor.length <= 200 ? cursor : undefined, limit: 20 });
    return page(c, deps, 'Favorites', (v) =>
      list.items.length === 0 ? (
        <p>
          No favorites yet. Press ♥ on a service to keep it here. <a href="/search">Find a service</a>.
        </p>
      ) : (
        <>
          <ul class="cards">
            {list.items.map((item) => (
              <FavoriteCard item={item} csrf={v.csrf} />
            ))}
          </ul>
          <Pager next={list.nextCursor ? `/favorites?cursor=${encodeURIComponent(list.nextCursor)}` : null} />
          {list.items.length > 1 ? (
            <p>
              <a href={`/order-groups?offers=${list.items.slice(0, 5).map((i) => i.id).join(',')}`}>Send one brief to several of these sellers</a> (K-06: order from 2–5 sellers at once)
            </p>
          ) : null}
        </>
      ),
    );
  });
  app.post('/favorites/:offerId', async (c) => {
    const user = userOf(c);
    const parsed = parseForm(Heart, await readForm(c));
    if (!parsed.ok) throw new AppError('invalid_input', `That button was not one of ours (${Object.values(parsed.errors)[0]}): go back, reload the page and press it again.`);
    const form = parsed.data;
    const offerId = idOf(c.req.param('offerId')) ?? 0;
    // The offer page says which it means (`favorite=add|remove`), so a double click changes nothing twice; else the heart toggles.
    const done =
      form.favorite === 'add'
        ? await favorites.add(user.id, offerId).then(() => 'added' as const)
        : form.favorite === 'remove'
          ? await favorites.remove(user.id, offerId).then(() => 'removed' as const)
          : await favorites.toggle(user.id, offerId);
    return redirect(c, localPath(form.back, '/favorites'), done === 'added' ? 'Added to your favorites.' : 'Removed from your favorites.');
  });
}

