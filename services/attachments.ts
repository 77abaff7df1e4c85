/**
 * Attachments (K-69): files users upload once and then attach to messages, offers (K-41 images),
 * portfolio items (K-37) and order deliveries; service requests use the same (`assertOwn`,
 * `describe`).
 *
 * - A file is accepted by its CONTENT, never its name or the client's content type: its magic
 *   bytes are read by `file-type`, and only the twenty formats of K-69 pass (415 with the list
 *   otherwise). The stored content type is the detected one.
 * - At most 4 MB a file (413), never empty (422), and each user's files together at most the
 *   quota (422 `quota_exceeded`, with what is used and the limit). Checked under a per-user lock,
 *   so two uploads at once cannot both slip under the quota.
 * - Ids are 128 random bits (base64url): not guessable. The bytes go to the attachment store by
 *   their SHA-256 (`attachment-store.ts`).
 * - Who may download: the uploader; the participants of a conversation with a message that
 *   carries it; conversation staff (arbiters, admins) while they may read that conversation (its
 *   order disputed, as `conversations.ts` rules); the parties of an order with a delivery that
 *   carries it, and conversation staff while that order is disputed; anyone for an image of a
 *   visible offer or a file of a shown portfolio item; moderators and admins for any offer's
 *   images; for a file of a service request (K-44), whoever may see the request, as
 *   `requests.ts` rules: its buyer, request staff, any signed-in user while it is active, and a
 *   seller who answered it; for a file of an estimated job (W-03, W-19: files serve the job
 *   only), the job's parties — its client and the experts it has had (its conversation's
 *   participants) — and job staff (support, admins), who also read a job conversation's files.
 *   Experts browsing the queue see none before they claim the job. Anyone else, and an unknown
 *   id, gets 404.
 * - Attachments are reusable: their uploader may attach one to any number of messages, offers
 *   or portfolio items (each link widens who may download it).
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/client.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import { contentHash, type AttachmentStore } from './attachment-store.js';
import type { Clock } from './clock.js';
import { attachmentRules, conversationStaff, jobStaff, requestStaff } from './policy.js';

/** K-69's formats, each with the `file-type` extensions that are it and the content type stored. */
export const allowedFormats = {
  jpeg: { detected: ['jpg'], contentType: 'image/jpeg' },
  jpg: { detected: ['jpg'], contentType: 'image/jpeg' },
  gif: { detected: ['gif'], contentType: 'image/gif' },
  png: { detected: ['png'], contentType: 'image/png' },
  tif: { detected: ['tif'], contentType: 'image/tiff' },
  bmp: { detected: ['bmp'], contentType: 'image/bmp' },
  avi: { detected: ['avi'], contentType: 'video/vnd.avi' },
  mpeg: { detected: ['mpg'], contentType: 'video/mpeg' },
  mpg: { detected: ['mpg'], contentType: 'video/mpeg' },
  mov: { detected: ['mov'], contentType: 'video/quicktime' },
  rm: { detected: ['rm'], contentType: 'application/vnd.rn-realmedia' },
  '3gp': { detected: ['3gp'], contentType: 'video/3gpp' },
  flv: { detected: ['flv'], contentType: 'video/x-flv' },
  mp4: { detected: ['mp4'], contentType: 'video/mp4' },
  zip: { detected: ['zip'], contentType: 'application/zip' },
  rar: { detected: ['rar'], contentType: 'application/vnd.rar' },
  mp3: { detected: ['mp3'], contentType: 'audio/mpeg' },
  wav: { detected: ['wav'], contentType: 'audio/wav' },
  // WMA is an ASF container: its header is what the bytes show (a WMV is one too).
  wma: { detected: ['asf'], contentType: 'audio/x-ms-wma' },
  // Ogg's codecs (Vorbis, Opus, Theora, FLAC…) are told apart by `file-type`: all are Ogg.
  ogg: { detected: ['ogg', 'oga', 'ogv', 'opus', 'spx', 'ogx'], contentType: 'application/ogg' },
} as const;

export type AllowedFormat = keyof typeof allowedFormats;
/** The names K-69 lists, in its order: what a refusal shows. */
export const ALLOWED_FORMAT_NAMES = Object.keys(allowedFormats) as AllowedFormat[];
/** Every content type an attachment can be stored (and served) with. */
export const ATTACHMENT_CONTENT_TYPES = [...new Set(Object.values(allowedFormats).map((f) => f.contentType))];
/** K-41: what an offer's images may be. */
export const IMAGE_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/gif'] as const;

/** An attachment as a message, an offer or a portfolio item shows it. */
export interface AttachmentInfo {
  id: string;
  name: string;
  contentType: string;
  size: number;
}

export interface Attachment extends AttachmentInfo {
  createdAt: string;
}

/** A file to download, with what its headers say. */
export interface Download extends AttachmentInfo {
  bytes: Uint8Array;
}

export interface AttachmentsDeps {
  db: Db;
  clock: Clock;
  store: AttachmentStore;
}

/** An attachment id: 22 base64url characters (128 bits). */
export const ATTACHMENT_ID = /^[A-Za-z0-9_-]{22}$/;

/** The format K-69 allows that `bytes` are, by their content; null for anything else. */
export async function detectFormat(bytes: Uint8Array): Promise<{ format: AllowedFormat; contentType: string } | null> {
  // Loaded at the first upload (file-type and its tokenizer: some 40 modules).
  const { fileTypeFromBuffer } = await import('file-type');
  const found = await fileTypeFromBuffer(bytes);
  if (!found) return null;
  const entry = Object.entries(allowedFormats).find(([, f]) => (f.detected as readonly string[]).includes(found.ext));
  return entry ? { format: entry[0] as AllowedFormat, contentType: entry[1].contentType } : null;
}

/**
 * A file name safe to store and to send back in a header: its last path part only (no folders
 * of the uploader's machine, no `..`), without control characters, NUL, lone surrogates or
 * quotes and backslashes, trimmed, at most the policy's length (keeping the extension); a name
 * with nothing left is `file`.
 */
export function sanitizeFileName(raw: string): string {
  const base = raw.split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .replace(/[\u0000-\u001f\u007f-\u009f"\\\u2028\u2029\ufeff]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .normalize('NFC')
    .trim()
    .replace(/^\.+/, '');
  const max = attachmentRules.nameMaxChars;
  if (!cleaned) return 'file';
  if ([...cleaned].length <= max) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : '';
  return [...cleaned.slice(0, cleaned.length - ext.length)].slice(0, max - ext.length).join('') + ext;
}

const newId = () => randomBytes(16).toString('base64url');

type Row = { id: string; owner_id: string; name: string; content_type: string; size: number; sha256: string; created_at: string | Date };
const infoOf = (r: Row): AttachmentInfo => ({ id: r.id, name: r.name, contentType: r.content_type, size: r.size });

/** Stores `file` as `ownerId`'s attachment, or refuses it (413, 415, 422). */
async function upload(deps: AttachmentsDeps, ownerId: number, file: { name: string; bytes: Uint8Array }): Promise<Attachment> {
  const { db, clock, store } = deps;
  const { bytes } = file;
  if (bytes.length > attachmentRules.maxBytes) {
    throw new AppError('payload_too_large', `a file may be at most ${attachmentRules.maxBytes} bytes (4 MB, K-69); share a larger one through a cloud link`, {
      limitBytes: attachmentRules.maxBytes,
    });
  }
  if (bytes.length === 0) throw fieldError('body.file', 'the file is empty', 'rule_violation');
  const detected = await detectFormat(bytes);
  if (!detected) {
    throw new AppError('unsupported_media_type', `this kind of file cannot be attached: by its content it is none of ${ALLOWED_FORMAT_NAMES.join(', ')} (K-69)`, {
      allowed: ALLOWED_FORMAT_NAMES,
    });
  }
  const hash = contentHash(bytes);
  // The bytes first: a row never names bytes that are missing (an unused blob is harmless).
  await store.put(hash, bytes);
  const id = newId();
  const name = sanitizeFileName(file.name);
  const row = await db.sql.begin(async (tx) => {
    // One upload of a user at a time: the quota is checked against what is committed.
    await tx`select pg_advisory_xact_lock(hashtextextended(${`attachments:${ownerId}`}, 0))`;
    const [usage] = await tx<{ used: string }[]>`select coalesce(sum(size), 0)::bigint as used from attachments where owner_id = ${ownerId}`;
    const usedBytes = Number(usage!.used);
    if (usedBytes + bytes.length > attachmentRules.quotaBytes) {
      throw new AppError('quota_exceeded', `your files would take more than your ${attachmentRules.quotaBytes / 1024 / 1024} MB of storage`, {
        usedBytes,
        limitBytes: attachmentRules.quotaBytes,
        fileBytes: bytes.length,
      });
    }
    const [r] = await tx<Row[]>`
      insert into attachments (id, owner_id, name, content_type, size, sha256, created_at)
      values (${id}, ${ownerId}, ${name}, ${detected.contentType}, ${bytes.length}, ${hash}, ${clock.now().toISOString()}::timestamptz)
      returning *`;
    return r!;
  });
  return { ...infoOf(row), createdAt: new Date(row.created_at).toISOString() };
}

/** Who is asking for a file: a signed-in user with roles, or nobody. */
export type Viewer = { id: number; roles: readonly string[] } | undefined;

/** The file, when `viewer` may download it (see the module's rules); else 404, as for an unknown id. */
async function download(deps: AttachmentsDeps, viewer: Viewer, id: string): Promise<Download> {
  const { db, store } = deps;
  if (!ATTACHMENT_ID.test(id)) throw new AppError('not_found', 'no such attachment');
  const viewerId = viewer?.id ?? 0;
  const staff = Boolean(viewer?.roles.some((r) => (conversationStaff as readonly string[]).includes(r)));
  const moderator = Boolean(viewer?.roles.some((r) => r === 'moderator' || r === 'admin'));
  const requestReader = Boolean(viewer?.roles.some((r) => (requestStaff as readonly string[]).includes(r)));
  const jobReader = Boolean(viewer?.roles.some((r) => (jobStaff as readonly string[]).includes(r)));
  const [row] = await db.sql<(Row & { allowed: boolean })[]>`
    select a.*, (
      a.owner_id = ${viewerId}
      or exists (select 1 from message_attachments ma join messages m on m.id = ma.message_id
        join conversation_participants p on p.conversation_id = m.conversation_id and p.user_id = ${viewerId}
        where ma.attachment_id = a.id)
      or (${staff} and exists (select 1 from message_attachments ma join messages m on m.id = ma.message_id
        join conversations c on c.id = m.conversation_id join orders o on o.id = c.order_id
        where ma.attachment_id = a.id and (o.status = 'arbitration' or jsonb_typeof(o.view->'dispute') = 'object')))
      or exists (select 1 from delivery_attachments da join orders o on o.id = da.order_id
        where da.attachment_id = a.id and (o.buyer_id = ${viewerId} or o.seller_id = ${viewerId}
          or (${staff} and (o.status = 'arbitration' or jsonb_typeof(o.view->'dispute') = 'object'))))
      or exists (select 1 from offer_images oi join offers o on o.id = oi.offer_id
        where oi.attachment_id = a.id and (${moderator} or o.status in ('active', 'suspended')))
      or exists (select 1 from portfolio_item_attachments pa join portfolio_items pi on pi.id = pa.item_id
        where pa.attachment_id = a.id and not exists (select 1 from portfolio_refusals r where r.order_id = pi.order_id))
      or exists (select 1 from request_attachments ra join service_requests sr on sr.id = ra.request_id
        where ra.attachment_id = a.id and (sr.buyer_id = ${viewerId} or ${requestReader} or (${viewerId} > 0 and sr.status = 'active')
          or exists (select 1 from request_answers ans where ans.request_id = sr.id and ans.seller_id = ${viewerId})))
      or exists (select 1 from job_attachments ja join jobs j on j.id = ja.job_id
        where ja.attachment_id = a.id and (j.client_id = ${viewerId} or ${jobReader}
          or exists (select 1 from conversations c join conversation_participants p on p.conversation_id = c.id
            where c.job_id = j.id and p.user_id = ${viewerId})))
      or (${jobReader} and exists (select 1 from message_attachments ma join messages m on m.id = ma.message_id
        join conversations c on c.id = m.conversation_id where ma.attachment_id = a.id and c.kind = 'job'))
    ) as allowed
    from attachments a where a.id = ${id}`;
  if (!row || !row.allowed) throw new AppError('not_found', 'no such attachment');
  const bytes = await store.get(row.sha256);
  if (!bytes) throw new Error(`attachment ${row.id}: the store has no bytes for ${row.sha256}`);
  return { ...infoOf(row), bytes };
}

/**
 * Checks that every id names an attachment of `userId` (unknown or another's: 404 naming it)
 * and that there are at most `max`, none twice (400, naming `path`, the request's list). For the
 * message, offer, portfolio, delivery and request code that attaches them.
 */
export async function assertOwnAttachments(
  db: Db,
  userId: number,
  ids: readonly string[],
  max: number = attachmentRules.perMessage,
  path = 'body.attachmentIds',
): Promise<AttachmentInfo[]> {
  if (ids.length > max) throw fieldError(path, `at most ${max} attachments`);
  if (new Set(ids).size !== ids.length) throw fieldError(path, 'each attachment at most once');
  if (!ids.length) return [];
  const bad = ids.find((id) => !ATTACHMENT_ID.test(id));
  if (bad !== undefined) throw new AppError('not_found', `no such attachment: ${bad.slice(0, 40)}`, { attachmentId: bad.slice(0, 40) });
  const rows = await db.sql<Row[]>`select * from attachments where id in ${db.sql(ids as string[])} and owner_id = ${userId}`;
  const missing = ids.find((id) => !rows.some((r) => r.id === id));
  if (missing !== undefined) throw new AppError('not_found', `no such attachment of yours: ${missing}`, { attachmentId: missing });
  return ids.map((id) => infoOf(rows.find((r) => r.id === id)!));
}

/** The attachments of these ids, in the order given (unknown ids are left out). */
export async function attachmentsOf(db: Db, ids: readonly string[]): Promise<AttachmentInfo[]> {
  if (!ids.length) return [];
  const rows = await db.sql<Row[]>`select * from attachments where id in ${db.sql(ids as string[])}`;
  return ids.flatMap((id) => {
    const r = rows.find((row) => row.id === id);
    return r ? [infoOf(r)] : [];
  });
}

/** What `userId` keeps stored, against the quota. */
async function usage(db: Db, userId: number): Promise<{ usedBytes: number; limitBytes: number }> {
  const [row] = await db.sql<{ used: string }[]>`select coalesce(sum(size), 0)::bigint as used from attachments where owner_id = ${userId}`;
  return { usedBytes: Number(row!.used), limitBytes: attachmentRules.quotaBytes };
}

export function createAttachments(deps: AttachmentsDeps) {
  return {
    upload: (ownerId: number, file: { name: string; bytes: Uint8Array }) => upload(deps, ownerId, file),
    download: (viewer: Viewer, id: string) => download(deps, viewer, id),
    assertOwn: (userId: number, ids: readonly string[], max?: number) => assertOwnAttachments(deps.db, userId, ids, max),
    describe: (ids: readonly string[]) => attachmentsOf(deps.db, ids),
    usage: (userId: number) => usage(deps.db, userId),
  };
}

export type Attachments = ReturnType<typeof createAttachments>;
