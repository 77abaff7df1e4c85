/**
 * An order on the API's side, once placed: who may see it and as whom, its view (live from its
 * workflow while open, the read model's copy once closed or forgotten), the parties' and staff's
 * actions (each the workflow's `act` Update, whose validator decides every rule), and the lists
 * the read model answers. Placing orders is `placement.ts`.
 */
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { orders } from '../db/schema/orders.js';
import { AppError } from '../workflows/lib/errors.js';
import { isFinal } from '../workflows/order/machine.js';
import { DELIVERY_MAX_FILES, type Delivery, type OrderAction, type OrderStatus, type OrderView, type Role, type Viewer } from '../workflows/order/messages.js';
import type { StaffRole } from './accounts.js';
import { assertOwnAttachments, attachmentsOf, type AttachmentInfo } from './attachments.js';
import { WorkflowGoneError, type WorkflowGateway } from './workflow-gateway.js';

/** One line of `GET /orders`. */
export interface OrderListItem {
  id: number;
  title: string;
  status: OrderStatus;
  role: Role;
  counterpart: { id: number; login: string };
  totalCents: number;
  sellerEarningsCents: number;
  nextDeadline: { at: string; outcome: string; waitingOn: string | null } | null;
  createdAt: string;
  updatedAt: string;
}

/** Who is asking: a signed-in user with their staff roles. */
export interface Caller {
  id: number;
  roles: readonly string[];
}

/** Staff who may read any order: support staff inspect, arbiters judge, admins cancel. */
export const orderStaff: StaffRole[] = ['support', 'arbiter', 'admin'];

type OrderRow = typeof orders.$inferSelect;

const nextDeadlineOf = (r: OrderRow) => (r.nextDeadlineAt ? { at: r.nextDeadlineAt.toISOString(), outcome: r.nextDeadlineOutcome ?? '', waitingOn: r.waitingOn } : null);

function listItem(r: OrderRow, role: Role): OrderListItem {
  return {
    id: r.id,
    title: r.title,
    status: r.status,
    role,
    counterpart: role === 'buyer' ? r.view.seller : r.view.buyer,
    totalCents: r.totalCents,
    sellerEarningsCents: r.sellerEarningsCents,
    nextDeadline: nextDeadlineOf(r),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** A delivery as the parties see it: its files described (K-69), each downloaded at `/attachments/{id}`. */
export interface DeliveryDetails extends Omit<Delivery, 'attachmentIds'> {
  attachments: AttachmentInfo[];
}

/** An order's view with its deliveries' files described. */
export type OrderDetails = Omit<OrderView, 'deliveries'> & { deliveries: DeliveryDetails[] };

/** Describes the deliveries' files: one query, and only for an order with delivered files. */
async function withFiles(db: Db, view: OrderView): Promise<OrderDetails> {
  const ids = view.deliveries.flatMap((d) => d.attachmentIds ?? []);
  const files = ids.length ? await attachmentsOf(db, ids) : [];
  const deliveries = view.deliveries.map(({ attachmentIds = [], ...d }) => ({ ...d, attachments: attachmentIds.flatMap((id) => files.filter((f) => f.id === id)) }));
  return { ...view, deliveries };
}

type OrdersDeps = { db: Db; workflows: Pick<WorkflowGateway, 'order'> };

/** An order the caller may see (a party, or staff with one of `staffRoles`), with the caller's role; else 404. */
async function orderFor(db: Db, user: Caller, orderId: number, staffRoles: readonly string[]) {
  // Not the view: an open order's comes from its workflow (see `storedView` for the rest).
  // Every action and read of an order runs this: a prepared statement.
  const [found] = await db.sql<{ buyer_id: string; seller_id: string; status: string }[]>`
    select buyer_id, seller_id, status from orders where id = ${orderId}`;
  const row = found && { buyerId: Number(found.buyer_id), sellerId: Number(found.seller_id), status: found.status as OrderStatus };
  const isStaff = user.roles.some((r) => staffRoles.includes(r));
  const role: Viewer | null = !row ? null : row.buyerId === user.id ? 'buyer' : row.sellerId === user.id ? 'seller' : isStaff ? 'staff' : null;
  if (!row || !role) throw new AppError('not_found', 'no such order');
  return { row, role };
}

/** The order's view as its row last recorded it, with no actions: for closed orders, and ones the server forgot. */
async function storedView(db: Db, orderId: number): Promise<OrderView> {
  const [row] = await db.orm.select({ view: orders.view }).from(orders).where(eq(orders.id, orderId));
  if (!row) throw new AppError('not_found', 'no such order');
  return { ...row.view, allowedActions: [] };
}

/** The order as the caller sees it: live from its workflow while open, the row's last view once closed or forgotten. */
async function viewOrder({ db, workflows }: OrdersDeps, user: Caller, orderId: number): Promise<OrderView> {
  const { row, role } = await orderFor(db, user, orderId, orderStaff);
  if (isFinal(row.status)) return storedView(db, orderId);
  try {
    return await workflows.order.view(orderId, role);
  } catch (err) {
    if (err instanceof WorkflowGoneError) return storedView(db, orderId);
    throw err;
  }
}

/**
 * K-69: a delivery's files must be the caller's own uploads (another's or an unknown id: 404),
 * at most ten, each once — checked before the workflow hears of them.
 */
async function assertDeliveryFiles(db: Db, user: Caller, action: OrderAction): Promise<void> {
  if (action.type === 'deliver' && action.attachmentIds?.length) await assertOwnAttachments(db, user.id, action.attachmentIds, DELIVERY_MAX_FILES);
}

/**
 * A party's action, sent to the order's workflow as "from this user" (`PartyActArgs`): the
 * workflow knows its buyer and seller and answers anyone else `not_found` (404), so the order's
 * row is read only when the workflow is gone — closed and forgotten, or never there — to tell 404
 * (not the caller's) from 409 (over). Refusals become 403/409/400 with the current status.
 * With an Idempotency-Key the action is the workflow's Update of that id (the user's key, so two
 * users' keys never meet): a retry of a request whose answer was lost (a dropped connection, an
 * API process that died) answers what the first did, even when that action closed the order.
 */
async function partyAct({ db, workflows }: OrdersDeps, user: Caller, orderId: number, action: OrderAction, key?: string): Promise<OrderView> {
  await assertDeliveryFiles(db, user, action);
  try {
    return await workflows.order.act(orderId, { actor: { role: 'party', userId: user.id }, action }, key === undefined ? undefined : `act:${user.id}:${key}`);
  } catch (err) {
    if (!(err instanceof WorkflowGoneError)) throw err;
    // Staff are no party here: they act through the arbitration and admin routes.
    const { row } = await orderFor(db, user, orderId, []);
    throw new AppError('conflict', `the order is ${row.status}`, { status: row.status });
  }
}

/**
 * A staff action (an arbiter's, an admin's) on an order the caller may see — a party of it too,
 * whom the workflow then refuses (403): it checks the staff roles sent.
 */
async function staffAct({ db, workflows }: OrdersDeps, user: Caller, orderId: number, action: OrderAction, staffRoles: readonly string[]): Promise<OrderView> {
  const { row } = await orderFor(db, user, orderId, staffRoles);
  const over = new AppError('conflict', `the order is ${row.status}`, { status: row.status });
  if (isFinal(row.status)) throw over;
  try {
    return await workflows.order.act(orderId, { actor: { role: 'staff', userId: user.id, staffRoles: [...user.roles] }, action });
  } catch (err) {
    throw err instanceof WorkflowGoneError ? over : err;
  }
}

/** The caller's orders as buyer or seller, newest first, with a keyset cursor. */
async function listOrders(db: Db, userId: number, q: { role: Role; status?: OrderStatus; cursor?: number; limit: number }): Promise<{ items: OrderListItem[]; nextCursor: string | null }> {
  const conditions: SQL[] = [eq(q.role === 'buyer' ? orders.buyerId : orders.sellerId, userId)];
  if (q.status) conditions.push(eq(orders.status, q.status));
  if (q.cursor) conditions.push(lt(orders.id, q.cursor));
  const rows = await db.orm.select().from(orders).where(and(...conditions)).orderBy(desc(orders.id)).limit(q.limit + 1);
  const items = rows.slice(0, q.limit).map((r) => listItem(r, q.role));
  return { items, nextCursor: rows.length > q.limit ? String(items[items.length - 1]!.id) : null };
}

/** Orders in a status for staff (e.g. arbitration cases), oldest deadline first. */
async function ordersInStatus(db: Db, status: OrderStatus, limit: number) {
  const rows = await db.orm.select().from(orders).where(eq(orders.status, status)).orderBy(orders.nextDeadlineAt, orders.id).limit(limit);
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    status: r.status,
    buyer: r.view.buyer,
    seller: r.view.seller,
    totalCents: r.totalCents,
    dispute: r.view.dispute,
    nextDeadline: nextDeadlineOf(r),
  }));
}

export function createOrders(deps: OrdersDeps) {
  return {
    view: async (user: Caller, orderId: number) => withFiles(deps.db, await viewOrder(deps, user, orderId)),
    /** A party's action (staff get 404 here: they act through the arbitration and admin routes). */
    partyAct: async (user: Caller, orderId: number, action: OrderAction, key?: string) => withFiles(deps.db, await partyAct(deps, user, orderId, action, key)),
    /** An arbiter takes the dispute, or decides it. */
    arbitrate: async (user: Caller, orderId: number, action: Extract<OrderAction, { type: 'take_case' | 'decide_dispute' }>) =>
      withFiles(deps.db, await staffAct(deps, user, orderId, action, ['arbiter', 'admin'])),
    /** Staff cancel an order for prohibited content (K-21). */
    adminCancel: async (user: Caller, orderId: number, reason: string) => withFiles(deps.db, await staffAct(deps, user, orderId, { type: 'admin_cancel', reason }, ['admin', 'support'])),
    /** A view from elsewhere (a placement, an accepted individual offer) with its deliveries' files described. */
    describe: (view: OrderView) => withFiles(deps.db, view),
    list: (userId: number, q: { role: Role; status?: OrderStatus; cursor?: number; limit: number }) => listOrders(deps.db, userId, q),
    byStatus: (status: OrderStatus, limit: number) => ordersInStatus(deps.db, status, limit),
  };
}

export type Orders = ReturnType<typeof createOrders>;
