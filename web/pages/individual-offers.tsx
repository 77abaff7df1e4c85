/**
 * Individual offers in the web client (K-33, K-46): the cards of a direct conversation's offers
 * beside its thread, with Accept / Decline for the buyer and Withdraw for the seller; the
 * "Make an individual offer" form there for an Advanced or Professional seller; and the list of
 * the offers a user sent and received (`/individual-offers`). Accepting with too little on the
 * balance goes to "Add funds" for exactly the missing amount, as ordering from an offer's page
 * does. Every action calls `services.individualOffers`, as the API does.
 */
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import type { Conversation } from '../../services/conversations.js';
import type { IndividualOffer } from '../../services/individual-offers.js';
import { individualOfferRules as rules } from '../../services/policy.js';
import { AppError } from '../../workflows/lib/errors.js';
import type { WebDeps, WebEnv } from '../context.js';
import { dollars, idOf, parseForm, readForm, refusalOf, text, whole } from '../forms.js';
import { page, redirect, userOf, type WebContext } from '../page.js';
import { ActionButton, Field, Form, Money, Select, TextArea, Time } from '../ui.js';

const statusLabels: Record<IndividualOffer['status'], string> = {
  open: 'Open',
  accepted: 'Accepted',
  declined: 'Declined',
  withdrawn: 'Withdrawn',
  expired: 'Expired',
};

/** One offer's card: its terms, its status and what the viewer may do with it now. */
export const OfferCard: FC<{ offer: IndividualOffer; me: number; csrf: string }> = ({ offer, me, csrf }) => (
  <article class="card individual-offer" id={`individual-offer-${offer.id}`} aria-label={`individual offer ${offer.id}`}>
    <h3>
      Individual offer #{offer.id}: <Money cents={offer.priceCents} />, {offer.leadTimeDays} day{offer.leadTimeDays === 1 ? '' : 's'}
    </h3>
    <p class="prewrap">{offer.description}</p>
    <p class="muted">
      From {offer.seller.login} to {offer.buyer.login}, based on <a href={`/offers/${offer.basedOnOffer.id}`}>{offer.basedOnOffer.title}</a>.{' '}
      <span class={`status status-${offer.status}`}>{statusLabels[offer.status]}</span>
      {offer.status === 'open' ? (
        <>
          {' '}
          until <Time at={offer.expiresAt} />
        </>
      ) : null}
      {offer.orderId ? (
        <>
          {' '}
          · <a href={`/orders/${offer.orderId}`}>Order #{offer.orderId}</a>
        </>
      ) : null}
    </p>
    {offer.status === 'open' && offer.buyer.id === me ? (
      <p class="actions">
        <ActionButton action={`/individual-offers/${offer.id}/accept`} csrf={csrf} label="Accept and pay" name="idempotencyKey" value={randomUUID()} />{' '}
        <ActionButton action={`/individual-offers/${offer.id}/decline`} csrf={csrf} label="Decline" class="secondary" />
      </p>
    ) : null}
    {offer.status === 'open' && offer.seller.id === me ? (
      <p class="actions">
        <ActionButton action={`/individual-offers/${offer.id}/withdraw`} csrf={csrf} label="Withdraw" class="secondary" />
      </p>
    ) : null}
  </article>
);

const MakeOfferForm: FC<{ conversationId: number; csrf: string; offers: { id: number; title: string }[] }> = ({ conversationId, csrf, offers }) => (
  <Form action={`/messages/${conversationId}/individual-offers`} csrf={csrf} id="individual-offer-form" label="make an individual offer">
    <h3>Make an individual offer</h3>
    <Select name="basedOnOfferId" label="Based on your offer" options={offers.map((o) => [String(o.id), o.title])} />
    <TextArea name="description" label="What you will do" rows={3} hint={`${rules.descriptionMinLength} to ${rules.descriptionMaxLength} characters`} />
    <Field name="price" label="Price (USD)" hint="$10 to $1000 (K-46)" placeholder="25.00" />
    <Field name="leadTimeDays" label="Lead time (days)" type="number" min={1} max={rules.maxLeadTimeDays} value={3} />
    <button type="submit">Send the offer</button>
  </Form>
);

/**
 * The individual offers section of a direct conversation's page: the cards, and the form for a
 * seller whose level lets them make one (K-33). Nothing for an order's conversation.
 */
export async function individualOffersPanel(deps: WebDeps, c: WebContext, conversation: Conversation, csrf: string) {
  if (conversation.kind !== 'direct' || conversation.readOnly) return null;
  const user = userOf(c);
  const [offers, tools] = await Promise.all([deps.services.individualOffers.inConversation(user.id, conversation.id), deps.services.individualOffers.sellerTools(user.id)]);
  const canMake = tools.canMake && tools.offers.length > 0;
  if (!offers.length && !canMake) return null;
  return (
    <section aria-labelledby="individual-offers-h" id="individual-offers">
      <h2 id="individual-offers-h">Individual offers</h2>
      {offers.map((offer) => (
        <OfferCard offer={offer} me={user.id} csrf={csrf} />
      ))}
      {canMake ? <MakeOfferForm conversationId={conversation.id} csrf={csrf} offers={tools.offers} /> : null}
    </section>
  );
}

const MakeOffer = z.object({
  basedOnOfferId: whole(1, Number.MAX_SAFE_INTEGER),
  description: text(rules.descriptionMaxLength, rules.descriptionMinLength),
  price: dollars(rules.minPriceCents, rules.maxPriceCents),
  leadTimeDays: whole(1, rules.maxLeadTimeDays),
});

const idParam = (c: WebContext) => {
  const id = idOf(c.req.param('id'));
  if (id === undefined) throw new AppError('not_found', 'no such individual offer');
  return id;
};

/** Where an offer's answer returns to: its conversation, or the list. */
const backTo = (offer: IndividualOffer) => (offer.conversationId ? `/messages/${offer.conversationId}#individual-offer-${offer.id}` : '/individual-offers');

export function individualOfferPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const { individualOffers, conversations } = deps.services;

  app.get('/individual-offers', async (c) => {
    const user = userOf(c);
    const [received, sent] = await Promise.all([individualOffers.mine(user.id, 'received', 50), individualOffers.mine(user.id, 'sent', 50)]);
    return page(c, deps, 'Individual offers', (v) => (
      <>
        <section aria-labelledby="received-h">
          <h2 id="received-h">Received</h2>
          {received.length ? received.map((o) => <OfferCard offer={o} me={user.id} csrf={v.csrf} />) : <p class="muted">No individual offers for you yet.</p>}
        </section>
        <section aria-labelledby="sent-h">
          <h2 id="sent-h">Sent</h2>
          {sent.length ? sent.map((o) => <OfferCard offer={o} me={user.id} csrf={v.csrf} />) : <p class="muted">You have sent none.</p>}
        </section>
      </>
    ));
  });

  // The seller's form on a direct conversation's page: the buyer is the conversation's other participant.
  app.post('/messages/:id/individual-offers', async (c) => {
    const user = userOf(c);
    const conversationId = idOf(c.req.param('id'));
    if (conversationId === undefined) throw new AppError('not_found', 'no such conversation');
    const conversation = await conversations.get(user, conversationId);
    const other = conversation.participants.find((p) => p.id !== user.id);
    if (conversation.kind !== 'direct' || !other) throw new AppError('not_found', 'no such conversation');
    const parsed = parseForm(MakeOffer, await readForm(c));
    if (!parsed.ok) return redirect(c, `/messages/${conversationId}#individual-offer-form`, `The offer was not sent: ${Object.entries(parsed.errors).map(([k, m]) => `${k}: ${m}`).join('; ')}`);
    try {
      const { price, ...terms } = parsed.data;
      const offer = await individualOffers.create({ sellerId: user.id, buyerId: other.id, conversationId, priceCents: price, ...terms });
      return redirect(c, backTo(offer), `Individual offer #${offer.id} sent.`);
    } catch (err) {
      return redirect(c, `/messages/${conversationId}#individual-offer-form`, `The offer was not sent: ${refusalOf(err).message}`);
    }
  });

  app.post('/individual-offers/:id/accept', async (c) => {
    const user = userOf(c);
    const id = idParam(c);
    const key = (await readForm(c)).idempotencyKey;
    if (typeof key !== 'string' || !key) throw new AppError('invalid_input', 'the form has expired: reload the page and accept again');
    try {
      const { offer, order, replayed } = await individualOffers.accept(user, id, key);
      return redirect(c, `/orders/${order.orderId}`, replayed ? 'This offer was accepted already.' : `Individual offer #${offer.id} accepted: the money is held until the work is done.`);
    } catch (err) {
      const refusal = refusalOf(err);
      const missing = refusal.code === 'insufficient_funds' ? (err as AppError).details?.missingCents : undefined;
      // K-47: too little on the balance: add exactly what is missing, then accept again.
      if (typeof missing === 'number') return redirect(c, `/balance/top-up?amount=${missing}`, `Your balance is short by $${(missing / 100).toFixed(2)} for this offer: add funds, then accept it again.`);
      if (refusal.status === 404) throw err;
      return redirect(c, backTo(await individualOffers.view(user.id, id)), refusal.message);
    }
  });

  for (const answer of ['decline', 'withdraw'] as const) {
    app.post(`/individual-offers/:id/${answer}`, async (c) => {
      const user = userOf(c);
      const id = idParam(c);
      try {
        const offer = await individualOffers[answer](user.id, id);
        return redirect(c, backTo(offer), `Individual offer #${id} ${offer.status}.`);
      } catch (err) {
        const refusal = refusalOf(err);
        if (refusal.status === 404) throw err;
        return redirect(c, backTo(await individualOffers.view(user.id, id)), refusal.message);
      }
    });
  }
  return app;
}
