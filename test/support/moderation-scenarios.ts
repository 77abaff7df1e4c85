/**
 * A submission's paths through moderation, each run for real on a worker: one definition used
 * by the history capture (`npm run histories:capture`, whose fixtures the replay test replays)
 * and by the scenario test on the dev server.
 *
 * A scenario writes what the API's submitting transaction writes (the offer's next revision
 * and the submission row) and starts the workflow as the API starts it. The ones that wait for
 * a timer shorten it: the rules are part of the workflow's input, so this changes nothing in
 * the workflow's code.
 */
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/client.js';
import { createWorkflowGateway } from '../../services/workflow-gateway.js';
import { pollUntil } from '../../scripts/poll.js';
import { moderationPolicy } from '../../workflows/moderation/policy.js';
import {
  decideUpdate,
  moderationWorkflowId,
  viewQuery,
  withdrawUpdate,
  type ModerationInput,
  type ModerationPolicy,
  type ModerationStatus,
  type ModerationView,
} from '../../workflows/moderation/messages.js';
import { uniqueId } from './harness.js';

/** Where the scenarios run: a database, a Temporal server, and the task queue a worker polls. */
export interface ModerationEnv {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

/** The staff and seller every scenario of an environment shares. */
export interface ModerationCast {
  sellerId: number;
  moderatorId: number;
}

export interface ModerationScenario {
  /** Also the fixture's name: `test/replay/histories/moderation-<name>.json`. */
  name: string;
  title: string;
  /** The rules shortened for this scenario (the others keep the policy module's). */
  policy: Partial<ModerationPolicy>;
  /** Runs the submission to its end; returns its workflow id. */
  run(ctx: ModerationContext): Promise<string>;
  /** How it ends: the workflow's final status, and the offer's. */
  expected: { status: ModerationStatus; offerStatus: string };
}

export interface ModerationContext extends ModerationEnv {
  cast: ModerationCast;
  scenario: ModerationScenario;
}

export const moderationHistoryFile = (scenario: Pick<ModerationScenario, 'name'>) => `moderation-${scenario.name}.json`;

const basePolicy = (): ModerationPolicy => moderationPolicy();

/** A seller and a moderator (and an admin, so an escalation has someone to tell), written straight to the database. */
export async function moderationCast(db: Db): Promise<ModerationCast> {
  const insert = async (role: string | null) => {
    const login = uniqueId(role ?? 'seller').replace(/-/g, '_');
    const [row] = await db.sql<{ id: string }[]>`
      insert into users (login, email, roles, email_confirmed_at)
      values (${login}, ${`${login}@example.com`}, ${role ? [role] : []}::text[], now())
      returning id`;
    return Number(row!.id);
  };
  const [sellerId, moderatorId] = [await insert(null), await insert('moderator')];
  await insert('admin');
  return { sellerId, moderatorId };
}

/** A draft offer as a seller creates it; `published` makes it an active offer whose edit goes to moderation. */
async function insertOffer(ctx: ModerationContext, published = false): Promise<number> {
  const [row] = await ctx.db.sql<{ id: string }[]>`
    insert into offers (seller_id, category_id, title, description, price_cents, lead_time_days, status, published_at)
    values (${ctx.cast.sellerId}, 11, ${`Logo in three styles (${uniqueId(ctx.scenario.name)})`},
      'Three logo concepts in the style of your choice, with the source files, ready for print and web.', 1000, 3,
      ${published ? 'active' : 'draft'}, ${published ? new Date().toISOString() : null}::timestamptz)
    returning id`;
  return Number(row!.id);
}

/** What the API's submitting transaction writes: the offer's next revision (in moderation, or its pending edit) and the submission row. */
async function writeSubmission(ctx: ModerationContext, offerId: number, opts: { edit?: boolean; write?: boolean } = {}): Promise<ModerationInput> {
  const sql = ctx.db.sql;
  const [offer] = await sql<{ revision: number; category_id: number; title: string; description: string }[]>`
    select revision, category_id, title, description from offers where id = ${offerId}`;
  const content = {
    categoryId: offer!.category_id,
    title: `${offer!.title} r${offer!.revision + 1}`,
    description: offer!.description,
    priceCents: 1_000,
    leadTimeDays: 3,
    instructions: 'Your brand name and two colours you like.',
    unitVolume: 'three concepts',
    media: [],
    attributes: {},
    options: [],
    packages: null,
  };
  const submittedAt = new Date().toISOString();
  const revision = offer!.revision + 1;
  if (opts.write !== false) {
    const json = JSON.stringify(content);
    await (opts.edit
      ? sql`update offers set revision = ${revision}, pending_content = ${json}::jsonb, status_reason = null where id = ${offerId}`
      : sql`update offers set revision = ${revision}, status = 'in_moderation', status_reason = null where id = ${offerId}`);
    await sql`
      insert into moderation_submissions (offer_id, revision, seller_id, content, submitted_at)
      values (${offerId}, ${revision}, ${ctx.cast.sellerId}, ${json}::jsonb, ${submittedAt}::timestamptz)`;
  }
  return { offerId, revision, sellerId: ctx.cast.sellerId, title: content.title, submittedAt, policy: { ...basePolicy(), ...ctx.scenario.policy } };
}

/** Starts the submission's workflow as the API does (its id, search attributes and summary), through the gateway. */
async function start(ctx: ModerationContext, input: ModerationInput) {
  await createWorkflowGateway({ temporal: ctx.temporal, taskQueue: ctx.taskQueue }).moderation.start(input);
  return ctx.temporal.workflow.getHandle(moderationWorkflowId(input.offerId, input.revision));
}

/** Timers are a second or two here; the bound leaves room for a loaded machine. */
function statusReached(handle: { query: (q: typeof viewQuery) => Promise<ModerationView> }, status: ModerationStatus): Promise<ModerationView> {
  return pollUntil(async () => {
    const view = await handle.query(viewQuery);
    return view.status === status ? view : undefined;
  }, { what: `moderation status ${status}`, timeoutMs: 45_000 });
}

export const moderationScenarios: ModerationScenario[] = [
  {
    name: 'approved',
    title: 'a moderator approves a new offer: it goes live',
    policy: {},
    async run(ctx) {
      const handle = await start(ctx, await writeSubmission(ctx, await insertOffer(ctx)));
      await handle.executeUpdate(decideUpdate, { args: [{ moderatorId: ctx.cast.moderatorId, decision: 'approve' }] });
      return handle.workflowId;
    },
    expected: { status: 'approved', offerStatus: 'active' },
  },
  {
    name: 'rejected',
    title: 'a moderator rejects a new offer for a prohibited topic, with a note',
    policy: {},
    async run(ctx) {
      const handle = await start(ctx, await writeSubmission(ctx, await insertOffer(ctx)));
      await handle.executeUpdate(decideUpdate, {
        args: [{ moderatorId: ctx.cast.moderatorId, decision: 'reject', reason: 'gambling', note: 'The samples advertise a casino.' }],
      });
      return handle.workflowId;
    },
    expected: { status: 'rejected', offerStatus: 'rejected' },
  },
  {
    name: 'edit-rejected',
    title: 'a moderator rejects an edit of a published offer: the published version stays on sale',
    policy: {},
    async run(ctx) {
      const handle = await start(ctx, await writeSubmission(ctx, await insertOffer(ctx, true), { edit: true }));
      await handle.executeUpdate(decideUpdate, { args: [{ moderatorId: ctx.cast.moderatorId, decision: 'reject', reason: 'third_party_rights' }] });
      return handle.workflowId;
    },
    expected: { status: 'rejected', offerStatus: 'active' },
  },
  {
    name: 'stale-approved',
    title: 'a decision on a submission the seller has since replaced is recorded on it alone',
    policy: {},
    async run(ctx) {
      const offerId = await insertOffer(ctx);
      const handle = await start(ctx, await writeSubmission(ctx, offerId));
      await writeSubmission(ctx, offerId);
      await handle.executeUpdate(decideUpdate, { args: [{ moderatorId: ctx.cast.moderatorId, decision: 'approve' }] });
      return handle.workflowId;
    },
    expected: { status: 'approved', offerStatus: 'in_moderation' },
  },
  {
    name: 'withdrawn',
    title: 'the seller replaces a submission: the old one is withdrawn',
    policy: {},
    async run(ctx) {
      const handle = await start(ctx, await writeSubmission(ctx, await insertOffer(ctx)));
      await handle.executeUpdate(withdrawUpdate, { args: [{ by: 'seller' }] });
      return handle.workflowId;
    },
    expected: { status: 'withdrawn', offerStatus: 'in_moderation' },
  },
  {
    name: 'orphan',
    title: 'a workflow whose submitting transaction never committed ends withdrawn at once',
    policy: {},
    async run(ctx) {
      const handle = await start(ctx, await writeSubmission(ctx, await insertOffer(ctx), { write: false }));
      return handle.workflowId;
    },
    expected: { status: 'withdrawn', offerStatus: 'draft' },
  },
  {
    name: 'reminded-approved',
    title: 'moderators are reminded after 24 h (here 1.5 s), then one approves',
    policy: { reminderMs: 1_500 },
    async run(ctx) {
      const handle = await start(ctx, await writeSubmission(ctx, await insertOffer(ctx)));
      await statusReached(handle, 'overdue');
      await handle.executeUpdate(decideUpdate, { args: [{ moderatorId: ctx.cast.moderatorId, decision: 'approve' }] });
      return handle.workflowId;
    },
    expected: { status: 'approved', offerStatus: 'active' },
  },
  {
    name: 'escalated-rejected',
    title: 'reminded after 24 h (here 1 s), escalated to admins after 3 days (here 2.5 s), then rejected',
    policy: { reminderMs: 1_000, escalationMs: 2_500 },
    async run(ctx) {
      const handle = await start(ctx, await writeSubmission(ctx, await insertOffer(ctx)));
      await statusReached(handle, 'escalated');
      await handle.executeUpdate(decideUpdate, { args: [{ moderatorId: ctx.cast.moderatorId, decision: 'reject', reason: 'poor_quality' }] });
      return handle.workflowId;
    },
    expected: { status: 'rejected', offerStatus: 'rejected' },
  },
];

/** Runs one scenario to its end and checks it ended as expected; returns its workflow id. */
export async function runModerationScenario(env: ModerationEnv, cast: ModerationCast, scenario: ModerationScenario): Promise<string> {
  const workflowId = await scenario.run({ ...env, cast, scenario });
  const result: ModerationView = await env.temporal.workflow.getHandle(workflowId).result();
  const [offer] = await env.db.sql<{ status: string }[]>`select status from offers where id = ${result.offerId}`;
  assert.deepEqual({ status: result.status, offerStatus: offer?.status }, scenario.expected, `${scenario.name} (${workflowId})`);
  return workflowId;
}
