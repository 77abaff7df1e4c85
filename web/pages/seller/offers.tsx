/**
 * My offers (`/seller/offers`): each offer with its moderation status (and a rejection's
 * reason), the K-39 limits as they stand, "hide my offers on weekends" (K-42, a profile
 * setting), and "stop" / "resume" an offer (K-42: hidden, its rating and position kept).
 * A refused action shows on the page with the API's status and changes nothing.
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import type { OfferView, Offers } from '../../../services/offers.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { checkbox, parseForm, readForm, refusalOf, type Refusal } from '../../forms.js';
import { page, redirect, userOf, type WebContext } from '../../page.js';
import { ActionButton, Form, Money, Time, type Viewer } from '../../ui.js';
import { pathId } from '../staff/controls.js';

type Limits = Awaited<ReturnType<Offers['limits']>>;

const statusLabel: Record<OfferView['status'], string> = {
  draft: 'draft',
  in_moderation: 'in moderation',
  active: 'active',
  rejected: 'rejected',
  paused: 'stopped',
  blocked: 'blocked',
  archived: 'deleted',
  suspended: 'suspended by a sanction',
};
const Weekends = z.object({ hideOnWeekends: checkbox });

export function myOffersPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const { offers, accounts } = deps.services;
  const show = async (c: WebContext, error?: string, status: Refusal['status'] | 200 = 200) => {
    const user = userOf(c);
    const [mine, limits, me] = await Promise.all([offers.mine(user.id), offers.limits(user.id), accounts.me(user.id)]);
    return page(
      c,
      deps,
      'My offers',
      (v) => (
        <>
          <SellerNav />
          {error ? <p class="error form-error" role="alert">{error}</p> : null}
          <p>
            <a class="button" href="/seller/offers/new">
              New offer
            </a>
          </p>
          <LimitsNote limits={limits} />
          <OfferList viewer={v} offers={mine} />
          <WeekendsForm viewer={v} hidden={me.hideOnWeekends} timeZone={me.timeZone} hiddenUntil={offers.weekendHiddenUntil(me)} />
        </>
      ),
      status,
    );
  };
  app.get('/seller/offers', (c) => show(c));
  const action = (verb: 'pause' | 'resume' | 'submit', done: string) =>
    app.post(`/seller/offers/:id/${verb}`, async (c) => {
      const user = userOf(c);
      try {
        const offer = await offers[verb](user.id, pathId(c.req.param('id')));
        return redirect(c, '/seller/offers', `“${offer.title}” ${done}.`);
      } catch (err) {
        const r = refusalOf(err);
        return show(c, r.message, r.status);
      }
    });
  action('pause', 'is stopped: buyers no longer see it');
  action('resume', 'is active again');
  action('submit', 'is in moderation');
  app.post('/seller/offers/weekends', async (c) => {
    const user = userOf(c);
    const parsed = parseForm(Weekends, await readForm(c));
    if (!parsed.ok) return show(c, 'That setting could not be read.', 400);
    await accounts.updateProfile(user.id, { hideOnWeekends: parsed.data.hideOnWeekends });
    return redirect(c, '/seller/offers', parsed.data.hideOnWeekends ? 'Saved: your offers hide from Friday till Monday.' : 'Saved: your offers show on weekends too.');
  });
  return app;
}

/** Links between the seller's pages. */
export const SellerNav: FC = () => (
  <nav aria-label="selling" class="subnav">
    <ul>
      <li>
        <a href="/seller">Dashboard</a>
      </li>
      <li>
        <a href="/seller/offers">My offers</a>
      </li>
      <li>
        <a href="/seller/earnings">Earnings</a>
      </li>
      <li>
        <a href="/requests">Requests from buyers</a>
      </li>
      <li>
        <a href="/profile">My public profile</a>
      </li>
    </ul>
  </nav>
);

const LimitsNote: FC<{ limits: Limits }> = ({ limits }) => (
  <section aria-labelledby="limits-heading">
    <h2 id="limits-heading">Limits</h2>
    <ul id="limits">
      <li>
        In moderation now: {limits.inModeration.waiting}
        {limits.inModeration.max === null ? ' (no limit at your level)' : ` of ${limits.inModeration.max} at once, for a seller with ${limits.inModeration.rule}`}
      </li>
      <li>
        Offers: {limits.total.count}
        {limits.total.max === null ? ' (no limit at your level)' : ` of ${limits.total.max} for a Newbie seller`}
      </li>
    </ul>
  </section>
);

const OfferActions: FC<{ viewer: Viewer; offer: OfferView }> = ({ viewer, offer }) => {
  const busy = offer.status === 'in_moderation' || offer.pendingContent !== null;
  return (
    <div class="row-actions">
      {offer.status !== 'blocked' && !busy ? <a href={`/seller/offers/${offer.id}/edit`}>Edit “{offer.title}”</a> : null}
      {offer.status === 'active' ? <ActionButton action={`/seller/offers/${offer.id}/pause`} csrf={viewer.csrf} label={`Stop “${offer.title}”`} class="secondary" /> : null}
      {offer.status === 'paused' ? <ActionButton action={`/seller/offers/${offer.id}/resume`} csrf={viewer.csrf} label={`Resume “${offer.title}”`} /> : null}
      {offer.status === 'draft' || offer.status === 'rejected' ? <ActionButton action={`/seller/offers/${offer.id}/submit`} csrf={viewer.csrf} label={`Send “${offer.title}” to moderation`} /> : null}
    </div>
  );
};

const OfferList: FC<{ viewer: Viewer; offers: OfferView[] }> = ({ viewer, offers }) => (
  <section aria-labelledby="offers-heading">
    <h2 id="offers-heading">Offers ({offers.length})</h2>
    {offers.length === 0 ? <p class="muted">No offers yet.</p> : null}
    <ul class="cards" id="my-offers">
      {offers.map((o) => (
        <li class="card" id={`offer-${o.id}`} data-status={o.status}>
          <h3>
            <a href={`/offers/${o.id}`}>{o.title}</a>
          </h3>
          <p>
            <span class="status">{statusLabel[o.status]}</span>
            {o.pendingContent ? <span class="status"> edit in moderation</span> : null} · <Money cents={o.priceCents} /> · {o.leadTimeDays} days
          </p>
          {o.statusReason && (o.status === 'rejected' || o.status === 'blocked' || o.status === 'active' || o.status === 'paused') ? (
            <p class="reason">Moderator’s reason: {o.statusReason.replace(/_/g, ' ')}</p>
          ) : null}
          <p class="muted">
            Updated <Time at={o.updatedAt} zone={viewer.timeZone} />
          </p>
          <OfferActions viewer={viewer} offer={o} />
        </li>
      ))}
    </ul>
  </section>
);

/** K-42's weekend setting, saying what it does now (the flash confirms a save; this stays). */
const WeekendsForm: FC<{ viewer: Viewer; hidden: boolean; timeZone: string; hiddenUntil: string | null }> = ({ viewer, hidden, timeZone, hiddenUntil }) => (
  <section aria-labelledby="weekends-heading">
    <h2 id="weekends-heading">Weekends</h2>
    <p id="weekends-status" role="status">
      {hidden ? (
        <>
          On: your offers hide from Friday 00:00 till Monday 00:00, {timeZone} time
          {hiddenUntil ? (
            <>
              ; buyers cannot see them now, until <Time at={hiddenUntil} zone={viewer.timeZone} />
            </>
          ) : null}
          .
        </>
      ) : (
        'Off: buyers see your offers on weekends too.'
      )}
    </p>
    <Form action="/seller/offers/weekends" csrf={viewer.csrf} label="weekends">
      <p>
        <input type="checkbox" id="f-hideOnWeekends" name="hideOnWeekends" checked={hidden} />{' '}
        <label for="f-hideOnWeekends">Hide my offers on weekends (Friday till Monday, in my time zone)</label>
      </p>
      <button type="submit" class="secondary">
        Save
      </button>
    </Form>
  </section>
);
