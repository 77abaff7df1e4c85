/**
 * The portfolio (K-37) and offer images (K-41), both built on attachments (K-69).
 *
 * K-37: in a category flagged for portfolio (the Design and the Audio and video subtrees), once
 * the buyer has confirmed completion (the order is `completed`) its seller may add the result to
 * their portfolio: their own uploads of images, video or audio (1–10) and an optional title, one
 * item per order. The buyer may refuse consent on the order at any time, for good: before an
 * upload it blocks one (409); after one it hides the item everywhere (the row stays, so the
 * refusal is what decides, and the files stop being public). Items show on the offer page and
 * the seller's profile next to the feedback. None of this touches the order's workflow: the
 * order's status is read from its row, the consent is a table of its own.
 *
 * K-41: an offer's images are its seller's uploads of JPEG, PNG or GIF (0–10), set at any time;
 * anyone may download them while the offer is visible (active, or suspended with its page kept).
 */
import type { Db } from '../db/client.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import { assertOwnAttachments, IMAGE_CONTENT_TYPES, type AttachmentInfo } from './attachments.js';
import type { Clock } from './clock.js';
import { attachmentRules } from './policy.js';

export interface PortfolioItem {
  id: number;
  orderId: number;
  offer: { id: number; title: string };
  title: string | null;
  createdAt: string;
  attachments: AttachmentInfo[];
}

/** What an order's page shows of the portfolio: whether its seller may add the result, the buyer's consent, the item. */
export interface OrderPortfolio {
  /** The order's category takes portfolios (K-37). */
  category: boolean;
  /** The buyer refused consent: no upload, and an item made before is hidden. */
  refused: boolean;
  /** The viewer is the seller and may add the result now. */
  canAdd: boolean;
  /** The viewer is the buyer and may still refuse. */
  canRefuse: boolean;
  item: PortfolioItem | null;
}

export interface PortfolioDeps {
  db: Db;
  clock: Clock;
}

/** What may show in a portfolio: pictures, video and sound, not archives. */
const PORTFOLIO_TYPES = /^(image|video|audio)\//;
/** How many items a profile or an offer page shows. */
export const PORTFOLIO_SHOWN = 20;

type OrderRow = { id: string; buyer_id: string; seller_id: string; offer_id: string; status: string; portfolio: boolean; refused: boolean };

/** The order as the portfolio sees it, for one of its parties; 404 for anyone else. */
async function orderFor(db: Db, viewerId: number, orderId: number): Promise<OrderRow> {
  const [order] = await db.sql<OrderRow[]>`
    select o.id, o.buyer_id, o.seller_id, o.offer_id, o.status, c.portfolio,
      exists (select 1 from portfolio_refusals r where r.order_id = o.id) as refused
    from orders o join offers f on f.id = o.offer_id join categories c on c.id = f.category_id
    where o.id = ${orderId}`;
  if (!order || (Number(order.buyer_id) !== viewerId && Number(order.seller_id) !== viewerId)) throw new AppError('not_found', 'no such order');
  return order;
}

/** Items with their files, in the order of `rows`. */
async function withFiles(db: Db, rows: { id: string; order_id: string; offer_id: string; offer_title: string; title: string | null; created_at: string | Date }[]): Promise<PortfolioItem[]> {
  if (!rows.length) return [];
  const files = await db.sql<{ item_id: string; id: string; name: string; content_type: string; size: number }[]>`
    select pa.item_id, a.id, a.name, a.content_type, a.size from portfolio_item_attachments pa join attachments a on a.id = pa.attachment_id
    where pa.item_id in ${db.sql(rows.map((r) => Number(r.id)))} order by pa.item_id, pa.position`;
  return rows.map((r) => ({
    id: Number(r.id),
    orderId: Number(r.order_id),
    offer: { id: Number(r.offer_id), title: r.offer_title },
    title: r.title,
    createdAt: new Date(r.created_at).toISOString(),
    attachments: files.filter((f) => f.item_id === r.id).map((f) => ({ id: f.id, name: f.name, contentType: f.content_type, size: f.size })),
  }));
}

/** Shown items (the buyer did not refuse), newest first: a seller's, or an offer's. */
async function shown(db: Db, where: { sellerId: number } | { offerId: number }): Promise<PortfolioItem[]> {
  const rows = await db.sql<{ id: string; order_id: string; offer_id: string; offer_title: string; title: string | null; created_at: string | Date }[]>`
    select pi.id, pi.order_id, pi.offer_id, f.title as offer_title, pi.title, pi.created_at
    from portfolio_items pi join offers f on f.id = pi.offer_id
    where ${'sellerId' in where ? db.sql`pi.seller_id = ${where.sellerId}` : db.sql`pi.offer_id = ${where.offerId}`}
      and not exists (select 1 from portfolio_refusals r where r.order_id = pi.order_id)
    order by pi.id desc limit ${PORTFOLIO_SHOWN}`;
  return withFiles(db, rows);
}

async function itemOfOrder(db: Db, orderId: number): Promise<PortfolioItem | null> {
  const rows = await db.sql<{ id: string; order_id: string; offer_id: string; offer_title: string; title: string | null; created_at: string | Date }[]>`
    select pi.id, pi.order_id, pi.offer_id, f.title as offer_title, pi.title, pi.created_at
    from portfolio_items pi join offers f on f.id = pi.offer_id where pi.order_id = ${orderId}`;
  return (await withFiles(db, rows))[0] ?? null;
}

async function forOrder(db: Db, viewerId: number, orderId: number): Promise<OrderPortfolio> {
  const order = await orderFor(db, viewerId, orderId);
  const item = await itemOfOrder(db, orderId);
  const seller = Number(order.seller_id) === viewerId;
  return {
    category: order.portfolio,
    refused: order.refused,
    canAdd: seller && order.portfolio && order.status === 'completed' && !order.refused && item === null,
    canRefuse: !seller && order.portfolio && !order.refused,
    // A refused item is hidden from its seller too: it shows nowhere.
    item: order.refused ? null : item,
  };
}

/** K-37: the buyer refuses consent, for good (asking again changes nothing). */
async function refuse(deps: PortfolioDeps, buyerId: number, orderId: number): Promise<OrderPortfolio> {
  const order = await orderFor(deps.db, buyerId, orderId);
  if (Number(order.buyer_id) !== buyerId) throw new AppError('not_found', 'no such order');
  await deps.db.sql`insert into portfolio_refusals (order_id, refused_at) values (${orderId}, ${deps.clock.now().toISOString()}::timestamptz) on conflict do nothing`;
  return forOrder(deps.db, buyerId, orderId);
}

/** K-37: the seller adds the completed order's result to their portfolio. */
async function add(deps: PortfolioDeps, sellerId: number, orderId: number, input: { title?: string | null; attachmentIds: readonly string[] }): Promise<PortfolioItem> {
  const { db, clock } = deps;
  const order = await orderFor(db, sellerId, orderId);
  if (Number(order.seller_id) !== sellerId) throw new AppError('not_found', 'no such order');
  if (!order.portfolio) throw new AppError('rule_violation', 'this order’s category does not take portfolios (K-37: Design, Audio and video)');
  if (order.status !== 'completed') throw new AppError('conflict', 'the result goes in the portfolio once the buyer has confirmed completion (K-37)');
  if (order.refused) throw new AppError('conflict', 'the buyer refused consent to show this order’s result (K-37)');
  if (input.attachmentIds.length === 0) throw fieldError('body.attachmentIds', 'a portfolio item needs at least one file');
  const files = await assertOwnAttachments(db, sellerId, input.attachmentIds, attachmentRules.perPortfolioItem);
  const other = files.find((f) => !PORTFOLIO_TYPES.test(f.contentType));
  if (other) throw fieldError('body.attachmentIds', `${other.name} is ${other.contentType}: a portfolio shows images, video and audio`, 'rule_violation', { attachmentId: other.id });
  const title = input.title?.trim() || null;
  const itemId = await db.sql.begin(async (tx) => {
    // The buyer's refusal and a second upload race this insert: both are checked again under it.
    const [row] = await tx<{ id: string }[]>`
      insert into portfolio_items (order_id, seller_id, offer_id, title, created_at)
      select ${orderId}, ${sellerId}, ${order.offer_id}, ${title}, ${clock.now().toISOString()}::timestamptz
      where not exists (select 1 from portfolio_refusals r where r.order_id = ${orderId})
      on conflict (order_id) do nothing returning id`;
    if (!row) throw new AppError('conflict', 'this order’s result is in the portfolio already, or the buyer refused consent (K-37)');
    await tx`insert into portfolio_item_attachments ${tx(files.map((f, position) => ({ item_id: row.id, attachment_id: f.id, position })))}`;
    return Number(row.id);
  });
  return (await itemOfOrder(db, orderId)) ?? Promise.reject(new Error(`portfolio item ${itemId} vanished`));
}

/** K-41: sets an offer's images (its seller's JPEG, PNG or GIF uploads, 0–10, in order). */
async function setOfferImages(db: Db, sellerId: number, offerId: number, imageIds: readonly string[]): Promise<AttachmentInfo[]> {
  const [offer] = await db.sql`select 1 from offers where id = ${offerId} and seller_id = ${sellerId} and status <> 'archived'`;
  if (!offer) throw new AppError('not_found', 'no such offer');
  const files = await assertOwnAttachments(db, sellerId, imageIds, attachmentRules.perOffer, 'body.imageIds');
  const other = files.find((f) => !(IMAGE_CONTENT_TYPES as readonly string[]).includes(f.contentType));
  if (other) throw fieldError('body.imageIds', `${other.name} is ${other.contentType}: an offer’s images are JPEG, PNG or GIF (K-41)`, 'rule_violation', { attachmentId: other.id });
  await db.sql.begin(async (tx) => {
    await tx`delete from offer_images where offer_id = ${offerId}`;
    if (files.length) await tx`insert into offer_images ${tx(files.map((f, position) => ({ offer_id: offerId, attachment_id: f.id, position })))}`;
  });
  return files;
}

/** An offer's images, in order. */
export async function offerImages(db: Db, offerId: number): Promise<AttachmentInfo[]> {
  const rows = await db.sql<{ id: string; name: string; content_type: string; size: number }[]>`
    select a.id, a.name, a.content_type, a.size from offer_images oi join attachments a on a.id = oi.attachment_id
    where oi.offer_id = ${offerId} order by oi.position`;
  return rows.map((r) => ({ id: r.id, name: r.name, contentType: r.content_type, size: r.size }));
}

/** The items a seller's profile shows. */
export const sellerPortfolio = (db: Db, sellerId: number) => shown(db, { sellerId });
/** The items an offer's page shows. */
export const offerPortfolio = (db: Db, offerId: number) => shown(db, { offerId });

export function createPortfolio(deps: PortfolioDeps) {
  return {
    forOrder: (viewerId: number, orderId: number) => forOrder(deps.db, viewerId, orderId),
    refuse: (buyerId: number, orderId: number) => refuse(deps, buyerId, orderId),
    add: (sellerId: number, orderId: number, input: { title?: string | null; attachmentIds: readonly string[] }) => add(deps, sellerId, orderId, input),
    setOfferImages: (sellerId: number, offerId: number, imageIds: readonly string[]) => setOfferImages(deps.db, sellerId, offerId, imageIds),
    offerImages: (offerId: number) => offerImages(deps.db, offerId),
  };
}

export type Portfolio = ReturnType<typeof createPortfolio>;
