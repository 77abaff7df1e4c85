/**
 * Conversations (issue 17): every order's buyer and seller talk in the order's conversation
 * (created on the first look of a party), any two users in a direct one. Messages are
 * delivered in the order of their ids; each participant's `last_read_message_id` is their
 * read receipt (it only moves forward) and what unread counts count from.
 *
 * Staff (arbiters, admins) read an order's conversation while the order is in arbitration or
 * has a dispute, read-only: their reading moves no receipt. Anyone else who is not a
 * participant is answered 404, as for a conversation that does not exist.
 *
 * K-61, K-62: each message is scanned for ways to deal off the platform (and talk of the
 * platform's fees); a hit warns the writer (a notification) and queues the message for staff
 * (a report with no reporter), and the message is delivered exactly as written. A message may
 * carry up to 10 attachments (K-69), each its writer's own upload (`attachments.ts`); its text
 * may then be empty.
 *
 * The order's workflow sees its conversation (D-03, K-20): a party's message is the order's
 * activity (the `message` Update), the seller's information request is the order's question to
 * the buyer (`ask_buyer`: refused, and nothing stored, when the order does not allow it), and
 * the buyer's next message answers it. K-63: a direct conversation's reply watch hears of each
 * message that may start or end a seller's 48 h. Both are told inside the message's
 * transaction, so a message is stored only once its order or watch knows of it (a message after
 * the order is over stays a message). K-70: the recipient is notified (`new_message`), once
 * per conversation until they read it. K-60: a message staff removed as spam shows to the
 * parties as removed, its text kept for staff.
 *
 * A job's conversation (W-09, issue 18) is made with the job: its participants are the client
 * and every expert the job has had (added as they claim it or staff reassign it, W-10: the
 * history shows both); job staff (support, admins) read it, read-only. Only the client and the
 * current expert write: a former expert reads what they took part in. Each message is the job's
 * activity (D-03: the `message` Update, inside the message's transaction). Once the job is
 * closed its conversation takes messages only after the client chose "Resume conversation"
 * (W-16), and then no workflow hears of them: the money stays closed.
 */
import type postgres from 'postgres';
import type { Db } from '../db/client.js';
import { MESSAGE_MAX_CHARS } from '../db/schema/conversations.js';

/** The longest message, in characters (the table's check holds it too). */
export { MESSAGE_MAX_CHARS };
import { AppError, fieldError, refusalError } from '../workflows/lib/errors.js';
import { scanOffPlatform, type ScanKind } from '../workflows/lib/off-platform.js';
import { clip, textRefusal } from '../workflows/lib/text.js';
import { isFinal } from '../workflows/order/machine.js';
import { isFinalStatus } from '../workflows/job/machine.js';
import type { JobStatus } from '../workflows/job/messages.js';
import type { OrderStatus } from '../workflows/order/messages.js';
import type { Clock } from './clock.js';
import type { Caller } from './orders.js';
import { assertOwnAttachments, type AttachmentInfo } from './attachments.js';
import { attachmentRules, conversationStaff, jobStaff } from './policy.js';
import { WorkflowGoneError, type WorkflowGateway } from './workflow-gateway.js';

export const MAX_MESSAGES_PAGE = 100;

export interface Participant {
  id: number;
  login: string;
  /** Their read receipt: the newest message they have read (0: none). */
  lastReadMessageId: number;
}

export type ConversationKind = 'order' | 'direct' | 'job';

export interface Conversation {
  id: number;
  kind: ConversationKind;
  orderId: number | null;
  /** The job of a job's conversation (W-09), else null. */
  jobId: number | null;
  participants: Participant[];
  /** Staff reading during arbitration: they see, but neither write nor move a receipt. */
  readOnly: boolean;
  /** Messages of the others after the viewer's receipt (0 for staff). */
  unreadCount: number;
}

export interface Message {
  id: number;
  conversationId: number;
  author: { id: number; login: string };
  text: string;
  createdAt: string;
  /** K-61, K-62: shown to the writer and staff; false for everyone else. */
  flaggedOffPlatform: boolean;
  /** `info_request` (K-20): the seller's information request, the order's question to the buyer. */
  kind: MessageKind;
  /** K-60: staff removed it as spam; its text is empty for the parties ("removed by moderation"), kept for staff. */
  removed: boolean;
  /** K-69: the files it carries, in the order its writer gave them (none for the parties once removed as spam). */
  attachments: AttachmentInfo[];
}

/** A plain message, or the seller's information request in an order's conversation (K-20). */
export type MessageKind = 'text' | 'info_request';

export interface ConversationSummary extends Conversation {
  lastMessage: Message | null;
}

export interface OffPlatformWarning {
  kinds: ScanKind[];
  text: string;
}

export interface ConversationsDeps {
  db: Db;
  clock: Clock;
  /** The order's or job's workflow (D-03, K-20, W-09) and the reply watch (K-63) hear of messages. */
  workflows: Pick<WorkflowGateway, 'order' | 'replyWatch'> & Partial<Pick<WorkflowGateway, 'job'>>;
}

interface Access {
  conversation: { id: number; kind: ConversationKind; orderId: number | null; jobId: number | null };
  /** The viewer takes part; false for staff reading an order's. */
  party: boolean;
}

type MessageRow = {
  id: string;
  conversation_id: string;
  author_id: string;
  login: string;
  text: string;
  created_at: string | Date;
  flagged_off_platform: boolean;
  kind: MessageKind;
  removed_at: string | Date | null;
};

const messageOf = (r: MessageRow, viewer: Caller, staff: boolean, files: ReadonlyMap<number, AttachmentInfo[]> = new Map()): Message => {
  const removed = r.removed_at !== null;
  // K-60: a removed message's text and files are kept for staff only.
  const hidden = removed && !staff;
  return {
    id: Number(r.id),
    conversationId: Number(r.conversation_id),
    author: { id: Number(r.author_id), login: r.login },
    text: hidden ? '' : r.text,
    createdAt: new Date(r.created_at).toISOString(),
    flaggedOffPlatform: r.flagged_off_platform && (staff || Number(r.author_id) === viewer.id),
    kind: r.kind,
    removed,
    attachments: hidden ? [] : (files.get(Number(r.id)) ?? []),
  };
};

/** The attachments of these messages, by message id, each message's in its order. */
async function filesOf(db: Db, messageIds: readonly number[]): Promise<Map<number, AttachmentInfo[]>> {
  const files = new Map<number, AttachmentInfo[]>();
  if (!messageIds.length) return files;
  const rows = await db.sql<{ message_id: string; id: string; name: string; content_type: string; size: number }[]>`
    select ma.message_id, a.id, a.name, a.content_type, a.size from message_attachments ma join attachments a on a.id = ma.attachment_id
    where ma.message_id in ${db.sql(messageIds as number[])} order by ma.message_id, ma.position`;
  for (const r of rows) {
    const list = files.get(Number(r.message_id)) ?? [];
    list.push({ id: r.id, name: r.name, contentType: r.content_type, size: r.size });
    files.set(Number(r.message_id), list);
  }
  return files;
}

const isConversationStaff = (viewer: Caller) => viewer.roles.some((r) => (conversationStaff as readonly string[]).includes(r));
const isJobStaff = (viewer: Caller) => viewer.roles.some((r) => (jobStaff as readonly string[]).includes(r));

/**
 * The conversation as `viewer` may see it: a participant, or conversation staff on an order
 * in arbitration or with a dispute; else 404.
 */
async function accessOf(db: Db, viewer: Caller, conversationId: number): Promise<Access> {
  const [row] = await db.sql<{ id: string; kind: ConversationKind; order_id: string | null; job_id: string | null; party: boolean; disputed: boolean | null }[]>`
    select c.id, c.kind, c.order_id, c.job_id,
      exists (select 1 from conversation_participants p where p.conversation_id = c.id and p.user_id = ${viewer.id}) as party,
      (select o.status = 'arbitration' or jsonb_typeof(o.view->'dispute') = 'object' from orders o where o.id = c.order_id) as disputed
    from conversations c where c.id = ${conversationId}`;
  if (!row) throw new AppError('not_found', 'no such conversation');
  const conversation = { id: Number(row.id), kind: row.kind, orderId: row.order_id === null ? null : Number(row.order_id), jobId: row.job_id === null ? null : Number(row.job_id) };
  if (row.party) return { conversation, party: true };
  if (row.disputed && isConversationStaff(viewer)) return { conversation, party: false };
  if (row.kind === 'job' && isJobStaff(viewer)) return { conversation, party: false };
  throw new AppError('not_found', 'no such conversation');
}

async function describe(db: Db, viewer: Caller, access: Access): Promise<Conversation> {
  const participants = await db.sql<{ id: string; login: string; last_read_message_id: string }[]>`
    select u.id, u.login, p.last_read_message_id from conversation_participants p join users u on u.id = p.user_id
    where p.conversation_id = ${access.conversation.id} order by u.id`;
  const mine = participants.find((p) => Number(p.id) === viewer.id);
  const [unread] = mine
    ? await db.sql<{ n: number }[]>`
        select count(*)::int as n from messages where conversation_id = ${access.conversation.id} and id > ${mine.last_read_message_id} and author_id <> ${viewer.id}`
    : [{ n: 0 }];
  return {
    ...access.conversation,
    participants: participants.map((p) => ({ id: Number(p.id), login: p.login, lastReadMessageId: Number(p.last_read_message_id) })),
    readOnly: !access.party,
    unreadCount: unread?.n ?? 0,
  };
}

/** The order's conversation, created on first look; its parties, or conversation staff while it is disputed; else 404. */
async function forOrder(deps: ConversationsDeps, viewer: Caller, orderId: number): Promise<Conversation> {
  const { db } = deps;
  const [order] = await db.sql<{ buyer_id: string; seller_id: string; disputed: boolean }[]>`
    select buyer_id, seller_id, (status = 'arbitration' or jsonb_typeof(view->'dispute') = 'object') as disputed from orders where id = ${orderId}`;
  const isParty = order && (Number(order.buyer_id) === viewer.id || Number(order.seller_id) === viewer.id);
  // Staff who may not read it now are answered as for an unknown order, and nothing is created.
  if (!order || (!isParty && !(order.disputed && isConversationStaff(viewer)))) throw new AppError('not_found', 'no such order');
  const id = await db.sql.begin(async (tx) => {
    await tx`insert into conversations (kind, order_id, created_at) values ('order', ${orderId}, ${deps.clock.now().toISOString()}::timestamptz)
      on conflict (order_id) where order_id is not null do nothing`;
    const [c] = await tx<{ id: string }[]>`select id from conversations where order_id = ${orderId}`;
    await tx`insert into conversation_participants (conversation_id, user_id) values (${c!.id}, ${order.buyer_id}), (${c!.id}, ${order.seller_id})
      on conflict do nothing`;
    return Number(c!.id);
  });
  const access = { conversation: { id, kind: 'order' as const, orderId, jobId: null }, party: Boolean(isParty) };
  return describe(db, viewer, access);
}

/** The direct conversation of the two, created on first ask; asking again answers the same one. */
async function direct(deps: ConversationsDeps, viewer: Caller, withUserId: number): Promise<{ conversation: Conversation; created: boolean }> {
  const { db } = deps;
  if (withUserId === viewer.id) throw fieldError('body.withUserId', 'a conversation needs someone else: you cannot write to yourself', 'rule_violation');
  const [other] = await db.sql`select 1 from users where id = ${withUserId}`;
  if (!other) throw new AppError('not_found', 'no such user');
  const [low, high] = viewer.id < withUserId ? [viewer.id, withUserId] : [withUserId, viewer.id];
  const { id, created } = await db.sql.begin(async (tx) => {
    const inserted = await tx<{ id: string }[]>`
      insert into conversations (kind, user_low, user_high, created_at) values ('direct', ${low}, ${high}, ${deps.clock.now().toISOString()}::timestamptz)
      on conflict (user_low, user_high) where kind = 'direct' do nothing returning id`;
    const [c] = inserted.length ? inserted : await tx<{ id: string }[]>`select id from conversations where kind = 'direct' and user_low = ${low} and user_high = ${high}`;
    await tx`insert into conversation_participants (conversation_id, user_id) values (${c!.id}, ${low}), (${c!.id}, ${high}) on conflict do nothing`;
    return { id: Number(c!.id), created: inserted.length > 0 };
  });
  return { conversation: await describe(db, viewer, { conversation: { id, kind: 'direct', orderId: null, jobId: null }, party: true }), created };
}

/**
 * The job's conversation (made with the job): its participants, and job staff read-only; else
 * 404. The job's current expert joins it on their first look, if the claim's write has not
 * added them yet.
 */
async function forJob(deps: ConversationsDeps, viewer: Caller, jobId: number): Promise<Conversation> {
  const { db } = deps;
  const [row] = await db.sql<{ id: string; expert_id: string | null }[]>`
    select c.id, j.expert_id from conversations c join jobs j on j.id = c.job_id where c.job_id = ${jobId}`;
  if (!row) throw new AppError('not_found', 'no such job');
  if (row.expert_id !== null && Number(row.expert_id) === viewer.id) {
    await db.sql`insert into conversation_participants (conversation_id, user_id) values (${row.id}, ${viewer.id}) on conflict do nothing`;
  }
  try {
    return describe(db, viewer, await accessOf(db, viewer, Number(row.id)));
  } catch (err) {
    throw err instanceof AppError && err.code === 'not_found' ? new AppError('not_found', 'no such job') : err;
  }
}



/** A message's columns, with its author's login (`m`: messages, `u`: users). */
const messageColumns = (db: Db) => db.sql`m.id, m.conversation_id, m.author_id, u.login, m.text, m.created_at, m.flagged_off_platform, m.kind, m.removed_at`;

/**
 * A page of messages in delivery order (oldest first): the newest `limit` without a cursor;
 * those after `after` (the next ones, for polling) or before `before` (older ones).
 */
async function list(db: Db, viewer: Caller, conversationId: number, q: { after?: number; before?: number; limit: number }) {
  const access = await accessOf(db, viewer, conversationId);
  const staff = !access.party;
  const newestFirst = q.after === undefined;
  const rows = await db.sql<MessageRow[]>`
    select ${messageColumns(db)} from messages m join users u on u.id = m.author_id
    where m.conversation_id = ${conversationId}
      ${q.after === undefined ? db.sql`` : db.sql`and m.id > ${q.after}`}
      ${q.before === undefined ? db.sql`` : db.sql`and m.id < ${q.before}`}
    order by m.id ${newestFirst ? db.sql`desc` : db.sql`asc`} limit ${q.limit + 1}`;
  const more = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  if (newestFirst) page.reverse();
  const files = await filesOf(db, page.map((r) => Number(r.id)));
  const items = page.map((r) => messageOf(r, viewer, staff, files));
  return {
    conversation: await describe(db, viewer, access),
    items,
    /** Pass as `before` for older messages; null when there are none. */
    olderCursor: newestFirst && more && items.length ? String(items[0]!.id) : null,
    /** Pass as `after` to poll for newer messages. */
    newerCursor: items.length ? String(items[items.length - 1]!.id) : q.after === undefined ? null : String(q.after),
    hasNewer: !newestFirst && more,
  };
}

/** The conversation's other participant, and for an order's conversation the writer's role and the order's status. */
async function contextOf(db: Db, viewer: Caller, access: Access) {
  const job = await jobContextOf(db, viewer, access.conversation.jobId);
  const [other] = await db.sql<{ user_id: string; has_offers: boolean; sells: boolean }[]>`
    select p.user_id,
      exists (select 1 from offers o where o.seller_id = p.user_id and o.status = 'active') as has_offers,
      exists (select 1 from offers o where o.seller_id = ${viewer.id}) as sells
    from conversation_participants p where p.conversation_id = ${access.conversation.id} and p.user_id <> ${viewer.id}
      and (${job === null} or p.user_id = ${job?.recipientId ?? 0})`;
  const orderId = access.conversation.orderId;
  const [order] = orderId === null ? [] : await db.sql<{ seller_id: string; status: string }[]>`select seller_id, status from orders where id = ${orderId}`;
  const role = order ? (Number(order.seller_id) === viewer.id ? ('seller' as const) : ('buyer' as const)) : null;
  return {
    recipientId: other ? Number(other.user_id) : null,
    recipientSells: other?.has_offers ?? false,
    writerSells: other?.sells ?? false,
    order: orderId !== null && order && role ? { id: orderId, role, status: order.status, final: isFinal(order.status as OrderStatus) } : null,
    job,
  };
}

/**
 * A job's conversation: the writer's part (client or current expert; a former expert writes
 * no more), who hears of the message (the other side), and whether the job is closed — then
 * only a resumed conversation takes messages (W-16).
 */
async function jobContextOf(db: Db, viewer: Caller, jobId: number | null) {
  if (jobId === null) return null;
  const [job] = await db.sql<{ client_id: string; expert_id: string | null; status: JobStatus; resumed: boolean }[]>`
    select client_id, expert_id, status, conversation_resumed_at is not null as resumed from jobs where id = ${jobId}`;
  if (!job) throw new AppError('not_found', 'no such job');
  const clientId = Number(job.client_id);
  const expertId = job.expert_id === null ? null : Number(job.expert_id);
  const role = viewer.id === clientId ? ('client' as const) : viewer.id === expertId ? ('expert' as const) : null;
  return { id: jobId, role, status: job.status, final: isFinalStatus(job.status), resumed: job.resumed, recipientId: role === 'client' ? expertId : clientId };
}

type SendContext = Awaited<ReturnType<typeof contextOf>>;

/**
 * Tells the processes that see this conversation, inside the message's transaction: the order
 * (D-03 activity; K-20's question or its answer) or the direct conversation's reply watch (K-63).
 * An information request refused by the order fails the send (409: nothing is stored); a
 * plain message the order can no longer count (over, held, gone) stays a message.
 */
async function tellProcesses(deps: ConversationsDeps, viewer: Caller, ctx: SendContext, conversationId: number, messageId: number, input: SendInput, sentAt: string): Promise<void> {
  const { order, job } = ctx;
  if (job) {
    // W-16: a resumed conversation on a closed job is talk only; D-03: an open job's message is activity.
    if (job.final || job.role === null || !deps.workflows.job) return;
    try {
      await deps.workflows.job.message(job.id, { actor: { role: job.role, userId: viewer.id }, messageId, sentAt });
    } catch (err) {
      // The job closed meanwhile (or holds for staff): the message stays a message.
      if (!(err instanceof AppError && (err.code === 'conflict' || err.code === 'not_found' || err.code === 'needs_attention'))) throw err;
    }
    return;
  }
  if (order && input.kind === 'info_request') {
    const over = new AppError('conflict', `the order is ${order.status}: no information request now`, { status: order.status });
    if (order.final) throw over;
    try {
      await deps.workflows.order.act(order.id, { actor: { role: 'seller', userId: viewer.id }, action: { type: 'ask_buyer', question: input.text } });
    } catch (err) {
      throw err instanceof WorkflowGoneError ? over : err;
    }
    return;
  }
  if (order) {
    if (order.final) return;
    try {
      await deps.workflows.order.message(order.id, { actor: { role: order.role, userId: viewer.id }, messageId });
    } catch (err) {
      if (!(err instanceof AppError && (err.code === 'conflict' || err.code === 'not_found' || err.code === 'needs_attention'))) throw err;
    }
    return;
  }
  // K-63: a message to a seller with active offers may start their 48 h; a seller's may end theirs.
  if (ctx.recipientSells || ctx.writerSells) {
    await deps.workflows.replyWatch.message(conversationId, { messageId, authorId: viewer.id, watchOn: ctx.recipientSells ? ctx.recipientId : null });
  }
}

/**
 * What a participant sends: text, files (K-69), or both; and for the seller in an order's
 * conversation, whether it is an information request (K-20).
 */
export interface SendInput {
  text: string;
  attachmentIds?: readonly string[];
  kind?: MessageKind;
}

/** The recipient's `new_message` notice (K-70), unless an earlier message of this conversation already waits unread for them. */
async function notifyRecipient(tx: postgres.TransactionSql, ctx: SendContext, m: MessageRow, orderId: number | null, now: string): Promise<void> {
  if (ctx.recipientId === null) return;
  const excerpt = m.text === '' ? '(a file)' : m.text.length > 200 ? `${clip(m.text, 199)}…` : m.text;
  const where = orderId === null ? '' : ` about order ${orderId}`;
  await tx`
    insert into notifications (user_id, order_id, kind, text, dedupe_key, created_at)
    select ${ctx.recipientId}, ${orderId}, 'new_message', ${`${m.login} wrote${where}: ${excerpt}`}, ${`message:${m.id}:new_message`}, ${now}::timestamptz
    from conversation_participants p
    where p.conversation_id = ${m.conversation_id} and p.user_id = ${ctx.recipientId}
      and not exists (select 1 from messages e where e.conversation_id = p.conversation_id and e.id > p.last_read_message_id and e.id < ${m.id}
        and e.author_id <> p.user_id and e.removed_at is null)
    on conflict do nothing`;
}

/**
 * A participant writes; the scan may warn them and tell staff, never changes the text (K-61,
 * K-62). Text may be empty when the message carries a file; each file must be the writer's own.
 */
async function send(deps: ConversationsDeps, viewer: Caller, conversationId: number, input: SendInput): Promise<{ message: Message; warning: OffPlatformWarning | null }> {
  const { db, clock } = deps;
  const ids = input.attachmentIds ?? [];
  // A message is text, a file or both: blank text with a file is a file alone; with none, a rule
  // refuses it (422: the API's schema takes an empty text, since a file may go without one).
  if (input.text.trim() === '') {
    if (ids.length === 0) throw fieldError('body.text', 'a message needs text or a file', 'rule_violation');
    input = { ...input, text: '' };
  }
  const refusal = input.text === '' ? null : textRefusal(input.text, 'text', MESSAGE_MAX_CHARS);
  if (refusal) throw refusalError('invalid_input', refusal);
  const access = await accessOf(db, viewer, conversationId);
  if (!access.party) throw new AppError('forbidden', 'staff read this conversation; only its participants write in it');
  const kind = input.kind ?? 'text';
  const ctx = await contextOf(db, viewer, access);
  if (kind === 'info_request' && ctx.order?.role !== 'seller') {
    throw new AppError('rule_violation', 'an information request is the seller’s, in an order’s conversation (K-20)');
  }
  if (ctx.job && ctx.job.role === null) throw new AppError('forbidden', 'you are no longer this job’s expert: its client and current expert write here');
  if (ctx.job?.final && !ctx.job.resumed) {
    throw new AppError('conflict', `the job is ${ctx.job.status}: choose “Resume conversation” on the job to write again (W-16)`, { status: ctx.job.status });
  }
  // Attachments never change or go away once uploaded: checking them before the transaction is enough.
  const files = await assertOwnAttachments(db, viewer.id, ids, attachmentRules.perMessage);
  const hits = scanOffPlatform(input.text);
  const kinds = [...new Set(hits.map((h) => h.kind))];
  const now = clock.now().toISOString();
  const row = await db.sql.begin(async (tx) => {
    const [m] = await tx<MessageRow[]>`
      insert into messages (conversation_id, author_id, text, flagged_off_platform, kind, created_at)
      values (${conversationId}, ${viewer.id}, ${input.text}, ${hits.length > 0}, ${kind}, ${now}::timestamptz)
      returning id, conversation_id, author_id, (select login from users where id = ${viewer.id}) as login, text, created_at, flagged_off_platform, kind, removed_at`;
    if (files.length) {
      await tx`insert into message_attachments ${tx(files.map((f, position) => ({ message_id: m!.id, attachment_id: f.id, position })))}`;
    }
    // The writer has read what they wrote.
    await tx`update conversation_participants set last_read_message_id = greatest(last_read_message_id, ${m!.id})
      where conversation_id = ${conversationId} and user_id = ${viewer.id}`;
    if (hits.length) {
      const found = hits.map((h) => `${h.kind}: ${h.match}`).join('; ').slice(0, 400);
      await tx`insert into reports (reporter_id, subject, subject_id, accused_id, reason, created_at)
        values (null, 'message', ${m!.id}, ${viewer.id}, ${`off_platform_scan (${found})`}, ${now}::timestamptz)`;
      await tx`insert into notifications (user_id, order_id, kind, text, dedupe_key, created_at)
        values (${viewer.id}, ${access.conversation.orderId}, 'off_platform_warning', ${warningText(kinds)}, ${`message:${m!.id}:off_platform`}, ${now}::timestamptz)`;
    }
    // An information request reaches the buyer as the order's question (its own notice).
    if (kind === 'text') await notifyRecipient(tx, ctx, m!, access.conversation.orderId, now);
    await tellProcesses(deps, viewer, ctx, conversationId, Number(m!.id), { text: input.text, kind }, now);
    return m!;
  });
  return { message: messageOf(row, viewer, false, new Map([[Number(row.id), files]])), warning: kinds.length ? { kinds, text: warningText(kinds) } : null };
}

/** What the writer reads when the scan finds something (K-61, K-62). */
export function warningText(kinds: readonly ScanKind[]): string {
  const contacts = kinds.filter((k) => k !== 'fees');
  const parts: string[] = [];
  if (contacts.length) parts.push(`Your message seems to share ${contacts.join(', ')} details. Dealing or paying outside gigflow is against the rules (K-61, K-62).`);
  if (kinds.includes('fees')) parts.push('Your message seems to discuss gigflow’s fees or commission with the other party, which the rules do not allow (K-62).');
  return `${parts.join(' ')} The message was delivered as written and staff will review it; repeats lead to a warning from staff or a block.`;
}

/** Moves the participant's read receipt up to `upTo` (at most the newest message; never back). */
async function markRead(db: Db, viewer: Caller, conversationId: number, upTo: number): Promise<{ lastReadMessageId: number; unreadCount: number }> {
  const access = await accessOf(db, viewer, conversationId);
  if (!access.party) throw new AppError('forbidden', 'staff reading a conversation move no read receipt');
  const [row] = await db.sql<{ last_read_message_id: string }[]>`
    update conversation_participants set last_read_message_id = greatest(last_read_message_id,
      least(${upTo}::bigint, coalesce((select max(id) from messages where conversation_id = ${conversationId}), 0)))
    where conversation_id = ${conversationId} and user_id = ${viewer.id} returning last_read_message_id`;
  const c = await describe(db, viewer, access);
  return { lastReadMessageId: Number(row!.last_read_message_id), unreadCount: c.unreadCount };
}

/** The viewer's conversations, the latest message first, with unread counts. */
async function mine(db: Db, viewer: Caller): Promise<ConversationSummary[]> {
  const rows = await db.sql<{ id: string; kind: ConversationKind; order_id: string | null; job_id: string | null; unread: number; last_id: string | null }[]>`
    select c.id, c.kind, c.order_id, c.job_id,
      (select count(*)::int from messages m where m.conversation_id = c.id and m.id > p.last_read_message_id and m.author_id <> ${viewer.id}) as unread,
      (select max(m.id) from messages m where m.conversation_id = c.id) as last_id
    from conversation_participants p join conversations c on c.id = p.conversation_id
    where p.user_id = ${viewer.id}
    order by last_id desc nulls last, c.id desc limit 200`;
  if (!rows.length) return [];
  const ids = rows.map((r) => Number(r.id));
  const people = await db.sql<{ conversation_id: string; id: string; login: string; last_read_message_id: string }[]>`
    select p.conversation_id, u.id, u.login, p.last_read_message_id from conversation_participants p join users u on u.id = p.user_id
    where p.conversation_id in ${db.sql(ids)} order by u.id`;
  const lastIds = rows.flatMap((r) => (r.last_id === null ? [] : [Number(r.last_id)]));
  const last = lastIds.length
    ? await db.sql<MessageRow[]>`select ${messageColumns(db)} from messages m join users u on u.id = m.author_id where m.id in ${db.sql(lastIds)}`
    : [];
  const files = await filesOf(db, lastIds);
  return rows.map((r) => {
    const id = Number(r.id);
    const lastRow = last.find((m) => Number(m.conversation_id) === id);
    return {
      id,
      kind: r.kind,
      orderId: r.order_id === null ? null : Number(r.order_id),
      jobId: r.job_id === null ? null : Number(r.job_id),
      participants: people
        .filter((p) => Number(p.conversation_id) === id)
        .map((p) => ({ id: Number(p.id), login: p.login, lastReadMessageId: Number(p.last_read_message_id) })),
      readOnly: false,
      unreadCount: r.unread,
      lastMessage: lastRow ? messageOf(lastRow, viewer, false, files) : null,
    };
  });
}

/** Unread messages in total and per conversation with any (the header's badge). */
async function unread(db: Db, userId: number): Promise<{ total: number; conversations: { id: number; unreadCount: number }[] }> {
  const rows = await db.sql<{ id: string; n: number }[]>`
    select p.conversation_id as id, count(*)::int as n from conversation_participants p
    join messages m on m.conversation_id = p.conversation_id and m.id > p.last_read_message_id and m.author_id <> ${userId}
    where p.user_id = ${userId} group by p.conversation_id order by p.conversation_id`;
  const conversations = rows.map((r) => ({ id: Number(r.id), unreadCount: r.n }));
  return { total: conversations.reduce((s, c) => s + c.unreadCount, 0), conversations };
}

/** Reported messages as staff's report queue shows them: text, writer, where. */
async function reported(db: Db, ids: number[]): Promise<Map<number, { text: string; author: string; conversationId: number; orderId: number | null }>> {
  if (!ids.length) return new Map();
  const rows = await db.sql<{ id: string; text: string; login: string; conversation_id: string; order_id: string | null }[]>`
    select m.id, m.text, u.login, m.conversation_id, c.order_id from messages m join users u on u.id = m.author_id
    join conversations c on c.id = m.conversation_id where m.id in ${db.sql(ids)}`;
  return new Map(rows.map((r) => [Number(r.id), { text: r.text, author: r.login, conversationId: Number(r.conversation_id), orderId: r.order_id === null ? null : Number(r.order_id) }]));
}

export function createConversations(deps: ConversationsDeps) {
  return {
    forOrder: (viewer: Caller, orderId: number) => forOrder(deps, viewer, orderId),
    forJob: (viewer: Caller, jobId: number) => forJob(deps, viewer, jobId),
    direct: (viewer: Caller, withUserId: number) => direct(deps, viewer, withUserId),
    /** The direct conversation with the user of this login (the web's form names people by login). */
    directByLogin: async (viewer: Caller, login: string) => {
      const [row] = await deps.db.sql<{ id: string }[]>`select id from users where login = ${login.trim().toLowerCase()}`;
      if (!row) throw new AppError('not_found', 'no user has this login');
      return direct(deps, viewer, Number(row.id));
    },
    get: async (viewer: Caller, conversationId: number) => describe(deps.db, viewer, await accessOf(deps.db, viewer, conversationId)),
    list: (viewer: Caller, conversationId: number, q: { after?: number; before?: number; limit: number }) => list(deps.db, viewer, conversationId, q),
    send: (viewer: Caller, conversationId: number, input: SendInput) => send(deps, viewer, conversationId, input),
    markRead: (viewer: Caller, conversationId: number, upTo: number) => markRead(deps.db, viewer, conversationId, upTo),
    mine: (viewer: Caller) => mine(deps.db, viewer),
    unread: (userId: number) => unread(deps.db, userId),
    reported: (ids: number[]) => reported(deps.db, ids),
  };
}

export type Conversations = ReturnType<typeof createConversations>;
