/**
 * Conversations (issue 17): every order's conversation between its buyer and seller (arbiters
 * and admins read it, read-only, while the order is disputed), direct conversations between any
 * two users, messages in delivery order with keyset cursors, read receipts and unread counts.
 * K-61, K-62: a message that seems to deal off the platform is delivered as written, its writer
 * is warned (`warning` in the answer, and a notification) and staff find it in `/staff/reports`.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { MAX_MESSAGES_PAGE, MESSAGE_MAX_CHARS, type Conversations } from '../../services/conversations.js';
import { attachmentRules } from '../../services/policy.js';
import { access, callerOf, secured } from '../auth.js';
import { AttachmentInfo } from './attachments.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { attachmentIdList, errorResponses, Id, IdParam, json, jsonBody, MAX_ID, wholeNumberParam } from '../schemas.js';

const Participant = z.object({
  id: z.number().int(),
  login: z.string(),
  lastReadMessageId: z.number().int().openapi({ description: 'the read receipt: the newest message this participant has read (0: none); it never moves back' }),
});

const Conversation = z
  .object({
    id: z.number().int(),
    kind: z.enum(['order', 'direct', 'job']),
    orderId: z.number().int().nullable(),
    jobId: z.number().int().nullable().openapi({ description: 'W-09: the estimated job of a `job` conversation' }),
    participants: z.array(Participant),
    readOnly: z.boolean().openapi({ description: 'true for staff reading an order’s conversation during arbitration, or a job’s: no writing, no receipt moves' }),
    unreadCount: z.number().int().openapi({ description: 'the others’ messages after your read receipt' }),
  })
  .openapi('Conversation');

const Message = z
  .object({
    id: z.number().int().openapi({ description: 'the delivery order: a later message has a larger id' }),
    conversationId: z.number().int(),
    author: z.object({ id: z.number().int(), login: z.string() }),
    text: z.string().openapi({ description: 'exactly as written: the off-platform scan never alters it' }),
    createdAt: z.string(),
    flaggedOffPlatform: z.boolean().openapi({ description: 'K-61, K-62: the scan found contact or payment details or fee talk; shown to the writer and staff only' }),
    kind: z.enum(['text', 'info_request']).openapi({ description: 'K-20: `info_request` is the seller’s information request, the order’s question to the buyer' }),
    removed: z.boolean().openapi({ description: 'K-60: removed by moderation as spam; its text and files are empty for the parties (staff still read them)' }),
    attachments: z.array(AttachmentInfo).openapi({ description: 'K-69: the files it carries, in the order its writer gave them; download each at `GET /attachments/{id}`' }),
  })
  .openapi('Message');

const ConversationSummary = z
  .object({ ...Conversation.shape, lastMessage: Message.nullable() })
  .openapi('ConversationSummary');

const Warning = z
  .object({
    kinds: z.array(z.enum(['email', 'phone', 'card', 'iban', 'payment', 'messenger', 'fees'])),
    text: z.string(),
  })
  .openapi('OffPlatformWarning');

const MessageId = wholeNumberParam(1, MAX_ID);
const MessagesQuery = z.object({
  after: MessageId.optional().openapi({ description: 'messages after this id, oldest first (poll with the last id you have)' }),
  before: MessageId.optional().openapi({ description: 'messages before this id: the older page (`olderCursor`)' }),
  limit: wholeNumberParam(1, MAX_MESSAGES_PAGE, { default: 50 }),
});

const MessagesPage = z
  .object({
    conversation: Conversation,
    items: z.array(Message).openapi({ description: 'oldest first; without `after`, the newest `limit` messages' }),
    olderCursor: z.string().nullable().openapi({ description: 'pass as `before` for older messages; null when none are left' }),
    newerCursor: z.string().nullable().openapi({ description: 'pass as `after` to poll for newer ones' }),
    hasNewer: z.boolean().openapi({ description: 'with `after`: more messages wait beyond this page' }),
  })
  .openapi('MessagesPage');

const staffReaders = access.party('arbiter', 'admin');

const SendMessage = z
  .strictObject({
    text: z.string().max(MESSAGE_MAX_CHARS).default('').openapi({ description: 'may be empty (or left out) when the message carries a file' }),
    attachmentIds: attachmentIdList(attachmentRules.perMessage)
      .default([])
      .openapi({ description: `K-69: up to ${attachmentRules.perMessage} of your own uploads (\`POST /attachments\`), each once; one may go on several messages` }),
    kind: z.enum(['text', 'info_request']).default('text').openapi({
      description: 'K-20: `info_request` (the seller, in an order’s conversation) asks the buyer for information: the order’s question, which opens “no contact with the buyer” 24 h later unless answered; refused (409) when the order does not allow a question now',
    }),
  })
  .openapi('SendMessage');

const routes = {
  mine: secured(access.user, {
    method: 'get',
    path: '/conversations',
    tags: ['conversations'],
    summary: 'Your conversations, the latest message first, with unread counts',
    responses: { 200: json('Your conversations', z.object({ items: z.array(ConversationSummary) })) },
  }),
  direct: secured(access.user, {
    method: 'post',
    path: '/conversations',
    tags: ['conversations'],
    summary: 'Start a direct conversation with another user; the existing one if you have one (idempotent)',
    request: { ...jsonBody(z.strictObject({ withUserId: Id })) },
    responses: {
      200: json('The conversation you already have with them', Conversation),
      201: json('A new conversation', Conversation),
      ...errorResponses(404, 422),
    },
  }),
  order: secured(staffReaders, {
    method: 'get',
    path: '/orders/{id}/conversation',
    tags: ['conversations'],
    summary: 'The order’s conversation between its buyer and seller (created on first look); arbiters and admins read it while the order is disputed',
    request: { params: IdParam },
    responses: { 200: json('The conversation', Conversation), ...errorResponses(404) },
  }),
  job: secured(access.party('support', 'admin'), {
    method: 'get',
    path: '/jobs/{id}/conversation',
    tags: ['conversations'],
    summary: 'The job’s conversation (W-09): its client and the experts it has had; support and admins read it. Write in it with `POST /conversations/{id}/messages`',
    request: { params: IdParam },
    responses: { 200: json('The conversation', Conversation), ...errorResponses(404) },
  }),
  messages: secured(staffReaders, {
    method: 'get',
    path: '/conversations/{id}/messages',
    tags: ['conversations'],
    summary: 'A page of messages in delivery order, with keyset cursors',
    request: { params: IdParam, query: MessagesQuery },
    responses: { 200: json('Messages', MessagesPage), ...errorResponses(404) },
  }),
  send: secured(access.party(), {
    method: 'post',
    path: '/conversations/{id}/messages',
    tags: ['conversations'],
    summary:
      'Write a message; one that seems to deal off the platform or talks of the fees is delivered as written, with a warning, and queued for staff (K-61, K-62). ' +
      'In an order’s conversation a party’s message is the order’s activity (D-03) and the buyer’s answers the seller’s open information request (K-20)',
    request: { params: IdParam, ...jsonBody(SendMessage) },
    responses: {
      201: json('Delivered', z.object({ message: Message, warning: Warning.nullable().openapi({ description: 'K-61, K-62: what the scan found; null when nothing' }) })),
      ...errorResponses(400, 404, 409, 422),
    },
  }),
  read: secured(access.party(), {
    method: 'post',
    path: '/conversations/{id}/read',
    tags: ['conversations'],
    summary: 'Move your read receipt up to a message (never back; at most the newest message)',
    request: { params: IdParam, ...jsonBody(z.strictObject({ upToMessageId: Id })) },
    responses: { 200: json('Your receipt and what is left unread', z.object({ lastReadMessageId: z.number().int(), unreadCount: z.number().int() })), ...errorResponses(404) },
  }),
  unread: secured(access.user, {
    method: 'get',
    path: '/me/unread',
    tags: ['conversations'],
    summary: 'Unread messages: in total and per conversation with any',
    responses: { 200: json('Unread counts', z.object({ total: z.number().int(), conversations: z.array(z.object({ id: z.number().int(), unreadCount: z.number().int() })) })) },
  }),
};

/** Typed as a plain router, like accountRoutes: nothing reads the chain's inferred route types. */
export function conversationRoutes({ conversations }: { conversations: Conversations }): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.mine, async (c) => c.json({ items: await conversations.mine(callerOf(c)) }, 200))
    .openapi(routes.direct, async (c) => {
      const { conversation, created } = await conversations.direct(callerOf(c), c.req.valid('json').withUserId);
      return created ? c.json(conversation, 201) : c.json(conversation, 200);
    })
    .openapi(routes.order, async (c) => c.json(await conversations.forOrder(callerOf(c), c.req.valid('param').id), 200))
    .openapi(routes.job, async (c) => c.json(await conversations.forJob(callerOf(c), c.req.valid('param').id), 200))
    .openapi(routes.messages, async (c) => {
      const { after, before, limit } = c.req.valid('query');
      return c.json(await conversations.list(callerOf(c), c.req.valid('param').id, { limit, ...(after === undefined ? {} : { after }), ...(before === undefined ? {} : { before }) }), 200);
    })
    .openapi(routes.send, async (c) => c.json(await conversations.send(callerOf(c), c.req.valid('param').id, c.req.valid('json')), 201))
    .openapi(routes.read, async (c) => c.json(await conversations.markRead(callerOf(c), c.req.valid('param').id, c.req.valid('json').upToMessageId), 200))
    .openapi(routes.unread, async (c) => c.json(await conversations.unread(callerOf(c).id), 200));
}
