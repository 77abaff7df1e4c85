/**
 * Conversations in the web client (issue 17): the inbox (`/messages`), a conversation's page
 * (`/messages/{id}`) and the panel on the order page. New messages, read receipts and unread
 * counts appear without a reload: the thread and the inbox are fragments htmx polls every few
 * seconds, each bringing the header's badge along out of band. Looking at a thread reads it
 * (the viewer's receipt moves); staff reading an order's conversation during arbitration move
 * none. Writing goes through `conversations.send`, as `POST /conversations/{id}/messages` does;
 * a K-61/K-62 hit shows its warning to the writer. Each message of another can be reported.
 * A message may carry a file (K-69): the form is multipart, the file is stored by
 * `attachments.upload` (as `POST /attachments`) and named on the message; files show as
 * download links, images with a thumbnail. In an order's conversation the seller may mark a
 * message as an information request (K-20); a message staff removed as spam (K-60) shows as
 * "Message removed by moderation".
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { MESSAGE_MAX_CHARS, type Conversation, type ConversationSummary, type Message } from '../../services/conversations.js';
import { AppError } from '../../workflows/lib/errors.js';
import { clip } from '../../workflows/lib/text.js';
import type { WebDeps, WebEnv } from '../context.js';
import { checkbox, errorsBesideFile, firstOf, idOf, parseForm, readForm, refusalOf, text, type FormData } from '../forms.js';
import { page, redirect, userOf, type WebContext } from '../page.js';
import { Field, FieldError, Form, MessagesBadge, TextArea, Time, type FieldErrors } from '../ui.js';
import { individualOffersPanel } from './individual-offers.js';
import { ACCEPT_ATTACHMENTS, AttachmentList, formFile, uploadFormFile } from './attachments.js';

/** How often an open thread or inbox asks for news. */
const POLL = 'every 2s';
const THREAD_LIMIT = 50;

type Thread = Awaited<ReturnType<WebDeps['services']['conversations']['list']>>;

const idParam = (c: WebContext, name: string, what: string) => {
  const id = idOf(c.req.param(name));
  if (id === undefined) throw new AppError('not_found', `no such ${what}`);
  return id;
};

const others = (c: Conversation, me: number) => c.participants.filter((p) => p.id !== me);
/** A conversation's name: what it is about, and with whom (an order's other party, say), as an inbox names it. */
const titleOf = (c: Conversation, me: number) => {
  const withWhom = others(c, me).map((p) => p.login).join(', ');
  const about = c.kind === 'order' ? `Order #${c.orderId}` : c.kind === 'job' ? `Job #${c.jobId}` : 'Conversation';
  return withWhom ? `${about} with ${withWhom}` : c.kind === 'direct' ? 'Conversation with yourself' : about;
};

/** A thread: messages oldest first; "read" under the viewer's latest message once the other party has read it. */
export const ThreadView: FC<{ thread: Thread; me: number }> = ({ thread, me }) => {
  const c = thread.conversation;
  const otherRead = Math.min(...others(c, me).map((p) => p.lastReadMessageId), Number.MAX_SAFE_INTEGER);
  const myLast = [...thread.items].reverse().find((m) => m.author.id === me);
  return (
    <div id="thread" hx-get={`/messages/${c.id}/thread`} hx-trigger={POLL} hx-swap="outerHTML" aria-live="polite">
      {thread.olderCursor ? <p class="muted">Older messages are not shown here.</p> : null}
      {thread.items.length === 0 ? <p class="muted" id="no-messages">No messages yet.</p> : null}
      <ol class="thread">
        {thread.items.map((m) => (
          <MessageItem m={m} me={me} conversationId={c.id} canReport={!c.readOnly} receipt={myLast?.id === m.id ? (otherRead >= m.id ? 'read' : 'sent') : null} />
        ))}
      </ol>
    </div>
  );
};

const MessageItem: FC<{ m: Message; me: number; conversationId: number; canReport: boolean; receipt: 'read' | 'sent' | null }> = ({ m, me, conversationId, canReport, receipt }) => (
  <li class={m.author.id === me ? 'card message mine' : 'card message'} id={`message-${m.id}`}>
    <p>
      <strong>{m.author.id === me ? 'You' : m.author.login}</strong>, <Time at={m.createdAt} />
      {canReport && m.author.id !== me ? (
        <>
          {' '}
          · <a href={`/messages/${conversationId}/report/${m.id}`}>Report</a>
        </>
      ) : null}
    </p>
    {m.kind === 'info_request' ? <p class="badge info-request">Information request (K-20)</p> : null}
    {m.removed ? <p class="muted removed" role="note">Message removed by moderation</p> : null}
    {m.text ? <p class="prewrap message-text">{m.text}</p> : null}
    <AttachmentList files={m.attachments} />
    {m.flaggedOffPlatform ? (
      <p class="error off-platform" role="note">
        Flagged for staff: it seems to share contact or payment details, or to discuss the fees (K-61, K-62).
      </p>
    ) : null}
    {receipt ? <p class={`receipt ${receipt}`}>{receipt === 'read' ? 'Read' : 'Sent'}</p> : null}
  </li>
);

/**
 * The writing form; a refusal shows beside the field. In an order's conversation the seller may
 * mark the message as an information request (K-20): the order's question to the buyer.
 */
const Compose: FC<{ conversationId: number; csrf: string; asksInformation: boolean; errors?: FieldErrors; value?: string; message?: string }> = ({
  conversationId,
  csrf,
  asksInformation,
  errors,
  value,
  message,
}) => (
  // A tampered information request from someone not offered one (K-20 is the seller's) has no box to show beside: it shows on top.
  <Form action={`/messages/${conversationId}`} csrf={csrf} id="message-form" label="write a message" error={message ?? (asksInformation ? undefined : errors?.info_request)} enctype="multipart/form-data">
    <TextArea name="text" label="Your message" value={value} errors={errors ?? {}} rows={3} hint="Keep contacts, payments and talk of fees off the chat (K-61, K-62): messages with e-mail addresses, phone numbers, payment handles or fee talk are flagged for staff." />
    <p class="field">
      <label for="f-file">Attach a file (optional)</label>
      <input id="f-file" type="file" name="file" accept={ACCEPT_ATTACHMENTS} aria-describedby={errors?.file ? 'f-file-hint f-file-error' : 'f-file-hint'} aria-invalid={errors?.file ? 'true' : undefined} />
      <small id="f-file-hint" class="hint">
        At most 4 MB (K-69): images, video, audio, zip or rar. Larger files: share a cloud link.
      </small>
      <FieldError id="f-file-error" error={errors?.file} />
    </p>
    {asksInformation ? (
      <p class="field">
        <label class="choice">
          <input
            type="checkbox"
            id="f-info_request"
            name="info_request"
            aria-invalid={errors?.info_request ? 'true' : undefined}
            aria-describedby={errors?.info_request ? 'f-info_request-error' : undefined}
          />{' '}
          Information request to the buyer (sellers, K-20): without an answer, “no contact with the buyer” opens 24 h later
        </label>
        <FieldError id="f-info_request-error" error={errors?.info_request} />
      </p>
    ) : null}
    <button type="submit">Send message</button>
  </Form>
);

/**
 * The conversation's section on the order page and on its own page. `sellerId`: the order's
 * seller, in an order's conversation: only they are offered the information request (K-20).
 */
export const ConversationPanel: FC<{ thread: Thread; me: number; csrf: string; sellerId?: number | undefined; failure?: { errors: FieldErrors; message?: string; form: FormData } }> = ({
  thread,
  me,
  csrf,
  sellerId,
  failure,
}) => (
  <section aria-labelledby="conversation-h" id="conversation">
    <h2 id="conversation-h">Conversation</h2>
    {thread.conversation.readOnly ? <p class="muted">You read this conversation as staff: read-only, and your reading marks nothing read.</p> : null}
    <ThreadView thread={thread} me={me} />
    {thread.conversation.readOnly ? null : (
      <Compose
        conversationId={thread.conversation.id}
        csrf={csrf}
        asksInformation={thread.conversation.kind === 'order' && sellerId === me}
        errors={failure?.errors}
        value={firstOf(failure?.form.text)}
        message={failure?.message}
      />
    )}
  </section>
);

/**
 * The thread as the viewer sees it, having read it (a participant's receipt moves to its newest
 * message), but when `markRead` is false: a refused form's answer changes nothing.
 */
async function readThread(deps: WebDeps, c: WebContext, conversationId: number, markRead = true): Promise<Thread> {
  const { conversations } = deps.services;
  const user = userOf(c);
  const thread = await conversations.list(user, conversationId, { limit: THREAD_LIMIT });
  const last = thread.items[thread.items.length - 1];
  if (markRead && !thread.conversation.readOnly && last && thread.conversation.unreadCount > 0) {
    await conversations.markRead(user, conversationId, last.id);
    return { ...thread, conversation: { ...thread.conversation, unreadCount: 0 } };
  }
  return thread;
}

/** The job page's panel (W-09): the job's conversation, for its parties and job staff; else nothing. */
export async function jobConversation(deps: WebDeps, c: WebContext, jobId: number): Promise<Thread | null> {
  try {
    const conversation = await deps.services.conversations.forJob(userOf(c), jobId);
    return await readThread(deps, c, conversation.id);
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') return null;
    throw err;
  }
}

/** The order page's panel: the order's conversation, or nothing for staff who may not read it now. */
export async function orderConversation(deps: WebDeps, c: WebContext, orderId: number): Promise<Thread | null> {
  try {
    const conversation = await deps.services.conversations.forOrder(userOf(c), orderId);
    return await readThread(deps, c, conversation.id);
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') return null;
    throw err;
  }
}

const Inbox: FC<{ items: ConversationSummary[]; me: number; unread: number }> = ({ items, me, unread }) => (
  <div id="inbox" hx-get="/messages/inbox" hx-trigger={POLL} hx-swap="outerHTML" aria-live="polite">
    <p id="inbox-unread">{unread} unread</p>
    {items.length === 0 ? <p class="muted">No conversations yet.</p> : null}
    <ul class="inbox">
      {items.map((s) => (
        <li class={s.unreadCount ? 'card conversation unread' : 'card conversation'} id={`conversation-${s.id}`}>
          <a href={`/messages/${s.id}`}>{titleOf(s, me)}</a>{' '}
          {s.unreadCount ? (
            <span class="badge" aria-label={`${s.unreadCount} unread`}>
              {s.unreadCount}
            </span>
          ) : null}
          {s.lastMessage ? (
            <p class="muted">
              {s.lastMessage.author.id === me ? 'You' : s.lastMessage.author.login}:{' '}
              {s.lastMessage.removed ? 'message removed by moderation' : clip(s.lastMessage.text, 120) || `📎 ${s.lastMessage.attachments.map((f) => f.name).join(', ')}`} ·{' '}
              <Time at={s.lastMessage.createdAt} />
            </p>
          ) : null}
        </li>
      ))}
    </ul>
  </div>
);

const Send = z.object({ text: text(MESSAGE_MAX_CHARS), info_request: checkbox });
/** With a file, the text may be left empty. */
const SendWithFile = z.object({ text: text(MESSAGE_MAX_CHARS).optional().or(z.literal('')), info_request: checkbox });
const Direct = z.object({ login: text(64) });
const ReportForm = z.object({ reason: z.enum(['spam', 'rudeness', 'other']), details: z.string().optional() });
const reasonLabels = { spam: 'Spam', rudeness: 'Rudeness', other: 'Something else' } as const;

/** Reporting another's message (spam, rudeness) to staff's queue, as `POST /reports` with subject `message`. */
function reportRoutes(app: Hono<WebEnv>, deps: WebDeps) {
  const { conversations, sanctions } = deps.services;
  app.get('/messages/:id/report/:messageId', async (c) => {
    const user = userOf(c);
    const conversationId = idParam(c, 'id', 'conversation');
    const messageId = idParam(c, 'messageId', 'message');
    const conversation = await conversations.get(user, conversationId);
    if (conversation.readOnly) throw new AppError('not_found', 'no such message');
    return page(c, deps, `Report message ${messageId}`, (v) => (
      <Form action={`/messages/${conversationId}/report/${messageId}`} csrf={v.csrf} id="report-form" label="report the message">
        <p class="field">
          <label for="f-reason">Why</label>
          <select id="f-reason" name="reason">
            {Object.entries(reasonLabels).map(([value, label]) => (
              <option value={value}>{label}</option>
            ))}
          </select>
        </p>
        <TextArea name="details" label="Details for staff (optional)" rows={2} />
        <button type="submit">Report to staff</button>
      </Form>
    ));
  });
  app.post('/messages/:id/report/:messageId', async (c) => {
    const user = userOf(c);
    const conversationId = idParam(c, 'id', 'conversation');
    const messageId = idParam(c, 'messageId', 'message');
    const form = await readForm(c);
    const parsed = parseForm(ReportForm.extend({ details: text(400).optional().or(z.literal('')) }), form);
    if (!parsed.ok) throw new AppError('invalid_input', Object.values(parsed.errors).join('; ') || 'invalid report');
    const reason = parsed.data.details ? `${parsed.data.reason}: ${parsed.data.details}` : parsed.data.reason;
    await sanctions.report(user.id, { subject: 'message', subjectId: messageId, reason });
    return redirect(c, `/messages/${conversationId}`, 'Reported to staff. Thank you.');
  });
}

/** The inbox (polled) and opening a direct conversation by login. */
function inboxRoutes(app: Hono<WebEnv>, deps: WebDeps) {
  const { conversations } = deps.services;
  const inbox = async (c: WebContext, failure?: { errors: FieldErrors; message?: string; form: FormData }, status: ContentfulStatusCode = 200) => {
    const user = userOf(c);
    const [items, unread] = await Promise.all([conversations.mine(user), conversations.unread(user.id)]);
    return page(
      c,
      deps,
      'Messages',
      (v) => (
        <>
          <Inbox items={items} me={user.id} unread={unread.total} />
          <Form action="/messages/direct" csrf={v.csrf} id="direct-form" label="write to a user" error={failure?.message}>
            <Field name="login" label="Write to (login)" value={firstOf(failure?.form.login)} errors={failure?.errors ?? {}} autocomplete="off" />
            <button type="submit">Open the conversation</button>
          </Form>
        </>
      ),
      status,
    );
  };

  app.get('/messages', (c) => inbox(c));
  app.get('/messages/inbox', async (c) => {
    const user = userOf(c);
    const [items, unread] = await Promise.all([conversations.mine(user), conversations.unread(user.id)]);
    return c.html(
      <>
        <Inbox items={items} me={user.id} unread={unread.total} />
        <MessagesBadge count={unread.total} oob />
      </>,
    );
  });
  app.post('/messages/direct', async (c) => {
    const form = await readForm(c);
    const parsed = parseForm(Direct, form);
    if (!parsed.ok) return inbox(c, { errors: parsed.errors, form }, 400);
    try {
      const { conversation } = await conversations.directByLogin(userOf(c), parsed.data.login);
      return redirect(c, `/messages/${conversation.id}`);
    } catch (err) {
      const r = refusalOf(err);
      return inbox(c, { errors: { login: r.message }, form }, r.status as ContentfulStatusCode);
    }
  });
}

export function messagePages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const { conversations } = deps.services;

  const conversationPage = async (c: WebContext, conversationId: number, failure?: { errors: FieldErrors; message?: string; form: FormData }, status: ContentfulStatusCode = 200) => {
    const user = userOf(c);
    const thread = await readThread(deps, c, conversationId, failure === undefined);
    // K-46: a direct conversation's individual offers, beside its thread.
    const offers = await individualOffersPanel(deps, c, thread.conversation, c.var.csrf);
    // K-20: the information request is the seller's; a party reads the order (staff write nothing here).
    const orderId = thread.conversation.orderId;
    const sellerId = orderId && !thread.conversation.readOnly ? (await deps.services.orders.view(user, orderId)).seller.id : undefined;
    return page(
      c,
      deps,
      titleOf(thread.conversation, user.id),
      (v) => (
        <>
          <p>
            <a href="/messages">← Messages</a>
            {thread.conversation.orderId ? (
              <>
                {' '}
                · <a href={`/orders/${thread.conversation.orderId}`}>Order #{thread.conversation.orderId}</a>
              </>
            ) : null}
          </p>
          <ConversationPanel thread={thread} me={user.id} csrf={v.csrf} sellerId={sellerId} failure={failure} />
          {offers}
        </>
      ),
      status,
    );
  };

  inboxRoutes(app, deps);
  app.get('/messages/:id', (c) => conversationPage(c, idParam(c, 'id', 'conversation')));
  app.get('/messages/:id/thread', async (c) => {
    const user = userOf(c);
    const thread = await readThread(deps, c, idParam(c, 'id', 'conversation'));
    const unread = await conversations.unread(user.id);
    return c.html(
      <>
        <ThreadView thread={thread} me={user.id} />
        <MessagesBadge count={unread.total} oob />
      </>,
    );
  });
  app.post('/messages/:id', async (c) => {
    const user = userOf(c);
    const conversationId = idParam(c, 'id', 'conversation');
    const form = await readForm(c);
    const file = await formFile(c);
    const parsed = file ? parseForm(SendWithFile, form) : parseForm(Send, form);
    if (!parsed.ok) {
      // Neither text nor a file: the refusal is the file's too.
      const errors = file || firstOf(form.text)?.trim() ? parsed.errors : { ...parsed.errors, file: 'Write a message or attach a file' };
      return conversationPage(c, conversationId, { errors, form }, 400);
    }
    let sent: Awaited<ReturnType<typeof conversations.send>>;
    try {
      // Only a writer's file is stored: a stranger is refused with the conversation (404), staff reading it too.
      if ((await conversations.get(user, conversationId)).readOnly) throw new AppError('forbidden', 'staff read this conversation; only its participants write in it');
      const attachmentIds = file ? [(await uploadFormFile(deps, user.id, file)).id] : [];
      sent = await conversations.send(user, conversationId, { text: parsed.data.text ?? '', attachmentIds, kind: parsed.data.info_request ? 'info_request' : 'text' });
    } catch (err) {
      const r = refusalOf(err);
      if (r.status === 404) throw err;
      return conversationPage(c, conversationId, { errors: errorsBesideFile(r), message: r.message, form }, r.status as ContentfulStatusCode);
    }
    const conversation = await conversations.get(user, conversationId);
    const back = conversation.orderId ? `/orders/${conversation.orderId}#conversation` : conversation.jobId ? `/jobs/${conversation.jobId}#conversation` : `/messages/${conversationId}`;
    // K-61, K-62: the writer is told, in words, what the scan found; the message went out as written.
    return redirect(c, back, sent.warning ? `Sent. Warning: ${sent.warning.text}` : 'Sent.');
  });
  reportRoutes(app, deps);
  return app;
}
