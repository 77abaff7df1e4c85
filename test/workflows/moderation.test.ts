import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import type postgres from 'postgres';
import { createModerationActivities } from '../../activities/moderation.js';
import type { OfferContent } from '../../db/schema/catalog.js';
import { pollUntil } from '../../scripts/poll.js';
import { DAY, HOUR, MINUTE } from '../../workflows/lib/time.js';
import { moderationPolicy as policyOfModeration } from '../../workflows/moderation/policy.js';
import { SA } from '../../workflows/lib/search-attributes.js';
import {
  decideUpdate,
  moderationWorkflowId,
  viewQuery,
  withdrawUpdate,
  type DecideArgs,
  type ModerationInput,
  type ModerationView,
} from '../../workflows/moderation/messages.js';
import type { kworkModeration } from '../../workflows/moderation/workflow.js';
import { bundle, createTestDatabase, createTimeSkippingEnv, uniqueId, type TestDatabase } from '../support/harness.js';

type Handle = WorkflowHandle<typeof kworkModeration>;
type Sql = postgres.Sql | postgres.TransactionSql;

const moderationPolicy = policyOfModeration();

describe('kworkModeration on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;
  let database: TestDatabase;
  let activities: ReturnType<typeof createModerationActivities>;
  let sql: postgres.Sql;
  const staff = { sellerId: 0, sellerEmail: '', moderators: [] as string[], blockedModerator: '', admins: [] as string[], moderatorId: 0, otherModeratorId: 0 };

  async function insertUser(role: string | null, opts: { blocked?: boolean } = {}): Promise<{ id: number; email: string }> {
    const login = uniqueId(role ?? 'seller').replace(/-/g, '_');
    const email = `${login}@example.com`;
    const [row] = await sql<{ id: string }[]>`
      insert into users (login, email, roles, blocked_at)
      values (${login}, ${email}, ${role ? [role] : []}::text[], ${opts.blocked ? sql`now()` : null})
      returning id`;
    return { id: Number(row!.id), email };
  }

  before(async () => {
    [env, workflowBundle, database] = await Promise.all([
      createTimeSkippingEnv(),
      bundle(fileURLToPath(new URL('../../workflows/index.ts', import.meta.url))),
      createTestDatabase(import.meta.filename),
    ]);
    sql = database.db.sql;
    activities = createModerationActivities({ db: database.db });
    ({ id: staff.sellerId, email: staff.sellerEmail } = await insertUser(null));
    const [first, second] = [await insertUser('moderator'), await insertUser('moderator')];
    staff.moderators = [first.email, second.email];
    staff.moderatorId = first.id;
    staff.otherModeratorId = second.id;
    staff.blockedModerator = (await insertUser('moderator', { blocked: true })).email;
    staff.admins = [(await insertUser('admin')).email];
  });
  after(async () => {
    await env?.teardown();
    await database?.drop();
  });

  /** A worker with the real activities on a fresh task queue, for the length of `run`. */
  async function withWorker<T>(run: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = uniqueId('moderation');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
    return worker.runUntil(run(taskQueue));
  }

  /** What a seller submits; the title is unique, so each test finds its own mail by it. */
  function content(label: string): OfferContent {
    return {
      categoryId: 22,
      title: `I will fix one bug in your PHP site (${uniqueId(label)})`,
      description: 'Send me the error and access to the code; I find the cause, fix it and explain what went wrong.',
      priceCents: 1_500,
      leadTimeDays: 2,
      instructions: 'The repository URL and the steps that show the bug.',
      unitVolume: 'one bug',
      media: [{ kind: 'image', url: 'https://example.com/shot.png' }],
      attributes: { stack: ['php', 'wordpress'] },
      options: [{ id: 1, title: 'Same-day fix', priceCents: 1_000, extraDays: 0 }],
      packages: null,
    };
  }

  /** A draft offer as a seller creates it, before any submission. */
  async function insertDraft(): Promise<number> {
    const [row] = await sql<{ id: string }[]>`
      insert into offers (seller_id, category_id, title, description, price_cents, lead_time_days, status)
      values (${staff.sellerId}, 11, 'Draft title', 'A draft description that moderation has not seen yet, long enough.', 1000, 5, 'draft')
      returning id`;
    return Number(row!.id);
  }

  /**
   * What the API's submitting transaction writes: the next revision, the offer in moderation
   * (or, for an edit of a published offer, the edit in `pending_content`), the submission row.
   */
  async function writeSubmission(q: Sql, offerId: number, submitted: OfferContent, opts: { edit?: boolean; submittedAt?: Date } = {}): Promise<ModerationInput> {
    const submittedAt = opts.submittedAt ?? new Date(await env.currentTimeMs());
    const json = JSON.stringify(submitted);
    const [row] = opts.edit
      ? await q<{ revision: number }[]>`update offers set revision = revision + 1, pending_content = ${json}::jsonb, status_reason = null where id = ${offerId} returning revision`
      : await q<{ revision: number }[]>`update offers set revision = revision + 1, status = 'in_moderation', status_reason = null where id = ${offerId} returning revision`;
    const revision = row!.revision;
    await q`
      insert into moderation_submissions (offer_id, revision, seller_id, content, submitted_at)
      values (${offerId}, ${revision}, ${staff.sellerId}, ${json}::jsonb, ${submittedAt.toISOString()}::timestamptz)`;
    return { offerId, revision, sellerId: staff.sellerId, title: submitted.title, submittedAt: submittedAt.toISOString(), policy: moderationPolicy };
  }

  function start(taskQueue: string, input: ModerationInput): Promise<Handle> {
    return env.client.workflow.start<typeof kworkModeration>('kworkModeration', {
      taskQueue,
      workflowId: moderationWorkflowId(input.offerId, input.revision),
      args: [input],
    });
  }

  async function offer(offerId: number) {
    const [row] = await sql<
      {
        status: string;
        status_reason: string | null;
        revision: number;
        category_id: number;
        title: string;
        description: string;
        price_cents: number;
        lead_time_days: number;
        instructions: string;
        unit_volume: string;
        media: unknown;
        attributes: unknown;
        options: unknown;
        packages: unknown;
        pending_content: unknown;
        published: boolean;
        updated_at: string;
      }[]
    >`select *, published_at is not null as published from offers where id = ${offerId}`;
    return row!;
  }

  /** The offer's columns that moderation copies from content, as content. */
  async function publishedContent(offerId: number): Promise<OfferContent> {
    const o = await offer(offerId);
    return {
      categoryId: o.category_id,
      title: o.title,
      description: o.description,
      priceCents: o.price_cents,
      leadTimeDays: o.lead_time_days,
      instructions: o.instructions,
      unitVolume: o.unit_volume,
      media: o.media as OfferContent['media'],
      attributes: o.attributes as OfferContent['attributes'],
      options: o.options as OfferContent['options'],
      packages: o.packages as OfferContent['packages'],
    };
  }

  async function submission(offerId: number, revision: number) {
    const [row] = await sql<{ reminded: boolean; escalated: boolean; decided: boolean; decision: string | null; reason: string | null; moderator_id: string | null }[]>`
      select reminded_at is not null as reminded, escalated_at is not null as escalated, decided_at is not null as decided, decision, reason, moderator_id
      from moderation_submissions where offer_id = ${offerId} and revision = ${revision}`;
    return row;
  }

  /** Waits (bounded) until the submission row shows the reminder's or escalation's write: it follows the state change. */
  function writtenOnSubmission(offerId: number, revision: number, column: 'reminded' | 'escalated') {
    return pollUntil(async () => (await submission(offerId, revision))?.[column] === true, { what: `the submission ${column}`, timeoutMs: 20_000 });
  }

  /** Mail in the outbox whose subject names `title`, by recipient and kind. */
  async function mailAbout(title: string) {
    return (await sql<{ to_address: string; kind: string; subject: string; body: string }[]>`
      select to_address, kind, subject, body from outbox where subject like ${`%${title}%`} order by id`).map((r) => ({ ...r }));
  }

  const approveBy = (moderatorId: number): DecideArgs => ({ moderatorId, decision: 'approve' });

  /** Waits until the workflow's view satisfies `ok` (activities finish in real time after a skip). */
  function viewWhen(handle: Handle, ok: (view: ModerationView) => boolean, what: string): Promise<ModerationView> {
    return pollUntil(async () => {
      const view = await handle.query(viewQuery);
      return ok(view) ? view : undefined;
    }, { what, timeoutMs: 20_000 });
  }

  /** Some session of this database is waiting on a row lock (an activity blocked by a test's transaction). */
  function someoneWaitsOnALock(): Promise<boolean> {
    return pollUntil(async () => {
      const [row] = await sql<{ waiting: number }[]>`
        select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
      return row!.waiting > 0;
    }, { what: 'an activity to wait on the row lock', timeoutMs: 20_000 });
  }

  /** Asserts that `promise` fails as the validator refusing the update, with this type and message. */
  async function assertRefused(promise: Promise<unknown>, type: string, message: string | RegExp): Promise<void> {
    await assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof WorkflowUpdateFailedError, `expected WorkflowUpdateFailedError, got ${String(err)}`);
      assert.ok(err.cause instanceof ApplicationFailure, `expected an ApplicationFailure cause, got ${String(err.cause)}`);
      assert.equal(err.cause.type, type);
      if (typeof message === 'string') assert.equal(err.cause.message, message);
      else assert.match(err.cause.message, message);
      return true;
    });
  }

  /** How many Updates the workflow accepted: validator refusals leave no trace in the history. */
  async function acceptedUpdates(handle: Handle): Promise<number> {
    const { events } = await handle.fetchHistory();
    return (events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
  }

  describe('decisions', () => {
    it('approves a submission: the offer goes live with the submitted content, the seller is emailed, the workflow ends approved', async () => {
      const offerId = await insertDraft();
      const submitted = content('approve');
      const input = await writeSubmission(sql, offerId, submitted);
      const { view, result } = await withWorker(async (taskQueue) => {
        const handle = await start(taskQueue, input);
        const view = await handle.executeUpdate(decideUpdate, { args: [approveBy(staff.moderatorId)] });
        return { view, result: await handle.result() };
      });

      assert.equal(view.status, 'approved', 'the update answers with the status after the decision is applied');
      assert.deepEqual(view.decision, { outcome: 'approved', moderatorId: staff.moderatorId, appliedToOffer: true });
      assert.equal(view.nextDeadline, null);
      assert.deepEqual(result, view);

      const o = await offer(offerId);
      assert.equal(o.status, 'active');
      assert.equal(o.status_reason, null);
      assert.ok(o.published);
      assert.deepEqual(await publishedContent(offerId), submitted);
      assert.deepEqual(await submission(offerId, input.revision), {
        reminded: false,
        escalated: false,
        decided: true,
        decision: 'approved',
        reason: null,
        moderator_id: String(staff.moderatorId),
      });
      const mail = await mailAbout(submitted.title);
      assert.deepEqual(mail.map((m) => [m.to_address, m.kind]), [[staff.sellerEmail, 'moderation_decision']]);
      assert.match(mail[0]!.subject, /was approved/);
      assert.match(mail[0]!.body, /Buyers can see and order it now/);
    });

    it('rejects a submission for a prohibited topic: the offer is rejected with that reason and the note, the seller is told why', async () => {
      const offerId = await insertDraft();
      const submitted = content('reject');
      const input = await writeSubmission(sql, offerId, submitted);
      const result = await withWorker(async (taskQueue) => {
        const handle = await start(taskQueue, input);
        const view = await handle.executeUpdate(decideUpdate, {
          args: [{ moderatorId: staff.moderatorId, decision: 'reject', reason: 'gambling', note: 'The portfolio links to an online casino.' }],
        });
        assert.equal(view.status, 'rejected');
        return handle.result();
      });

      assert.deepEqual(result.decision, {
        outcome: 'rejected',
        moderatorId: staff.moderatorId,
        reason: 'gambling',
        note: 'The portfolio links to an online casino.',
        appliedToOffer: true,
      });
      const o = await offer(offerId);
      assert.equal(o.status, 'rejected');
      assert.equal(o.status_reason, 'gambling: The portfolio links to an online casino.');
      assert.equal(o.title, 'Draft title', 'a rejected submission is not copied onto the offer');
      assert.equal(o.published, false);
      assert.equal((await submission(offerId, input.revision))?.reason, 'gambling: The portfolio links to an online casino.');
      const [mail] = await mailAbout(submitted.title);
      assert.match(mail!.subject, /was not approved/);
      assert.match(mail!.body, /Reason: gambling\. Moderator's note: The portfolio links to an online casino\./);
    });

    it('moderates a rejected offer resubmitted as the next revision in a new workflow, which approves it', async () => {
      const offerId = await insertDraft();
      const first = content('first');
      const second = content('second');
      const firstInput = await writeSubmission(sql, offerId, first);
      const [rejected, approved] = await withWorker(async (taskQueue) => {
        const h1 = await start(taskQueue, firstInput);
        await h1.executeUpdate(decideUpdate, { args: [{ moderatorId: staff.moderatorId, decision: 'reject', reason: 'poor_quality' }] });
        const rejected = await h1.result();
        assert.equal((await offer(offerId)).status, 'rejected');

        const secondInput = await writeSubmission(sql, offerId, second);
        assert.equal(secondInput.revision, firstInput.revision + 1);
        const h2 = await start(taskQueue, secondInput);
        assert.equal(h2.workflowId, `kwork-moderation-${offerId}-${firstInput.revision + 1}`);
        await h2.executeUpdate(decideUpdate, { args: [approveBy(staff.otherModeratorId)] });
        return [rejected, await h2.result()];
      });

      assert.equal(rejected.status, 'rejected');
      assert.equal(approved.status, 'approved');
      assert.equal(approved.revision, firstInput.revision + 1);
      const o = await offer(offerId);
      assert.equal(o.status, 'active');
      assert.equal(o.status_reason, null, 'the earlier rejection reason is cleared');
      assert.deepEqual(await publishedContent(offerId), second);
      assert.equal((await submission(offerId, firstInput.revision))?.decision, 'rejected');
      assert.equal((await submission(offerId, firstInput.revision + 1))?.decision, 'approved');
    });

    it('applies an approved edit of a published offer from its pending content, and a rejected edit keeps the published version', async () => {
      const published = content('published');
      const edit = content('edit');
      const refused = content('refused');
      const [approvedId, rejectedId] = [await insertDraft(), await insertDraft()];
      for (const id of [approvedId, rejectedId]) {
        // Published earlier: the offer carries the published content and is active.
        await sql`update offers set status = 'active', published_at = now(), title = ${published.title} where id = ${id}`;
      }
      const approveInput = await writeSubmission(sql, approvedId, edit, { edit: true });
      const rejectInput = await writeSubmission(sql, rejectedId, refused, { edit: true });
      await withWorker(async (taskQueue) => {
        const [ha, hr] = [await start(taskQueue, approveInput), await start(taskQueue, rejectInput)];
        await ha.executeUpdate(decideUpdate, { args: [approveBy(staff.moderatorId)] });
        await hr.executeUpdate(decideUpdate, { args: [{ moderatorId: staff.moderatorId, decision: 'reject', reason: 'third_party_rights' }] });
        // One at a time: each result() unlocks and relocks the server's time skipping, and
        // overlapping calls leave it unlocked (time then runs away between tests).
        await ha.result();
        await hr.result();
      });

      const a = await offer(approvedId);
      assert.equal(a.status, 'active');
      assert.equal(a.pending_content, null);
      assert.deepEqual(await publishedContent(approvedId), edit);

      const r = await offer(rejectedId);
      assert.equal(r.status, 'active', 'the published version stays on sale');
      assert.equal(r.title, published.title);
      assert.equal(r.pending_content, null);
      assert.equal(r.status_reason, 'third_party_rights');
    });

    it('records a decision on a stale revision on its submission only: the offer, now at a newer revision, is untouched', async () => {
      const offerId = await insertDraft();
      const stale = content('stale');
      const input = await writeSubmission(sql, offerId, stale);
      const result = await withWorker(async (taskQueue) => {
        const handle = await start(taskQueue, input);
        // The seller resubmits before the moderator decides: the offer moves to the next revision.
        await writeSubmission(sql, offerId, content('newer'));
        await handle.executeUpdate(decideUpdate, { args: [approveBy(staff.moderatorId)] });
        return handle.result();
      });

      assert.equal(result.status, 'approved');
      assert.deepEqual(result.decision, { outcome: 'approved', moderatorId: staff.moderatorId, appliedToOffer: false });
      const o = await offer(offerId);
      assert.equal(o.status, 'in_moderation');
      assert.equal(o.revision, input.revision + 1);
      assert.equal(o.title, 'Draft title');
      assert.equal((await submission(offerId, input.revision))?.decision, 'approved');
      assert.equal((await submission(offerId, input.revision + 1))?.decided, false);
      assert.deepEqual(await mailAbout(stale.title), [], 'the seller is not told about a superseded submission');
    });
  });

  describe('refusals', () => {
    it('refuses a malformed decision in the validator, leaving the submission waiting for a proper one', async () => {
      const offerId = await insertDraft();
      const input = await writeSubmission(sql, offerId, content('malformed'));
      await withWorker(async (taskQueue) => {
        const handle = await start(taskQueue, input);
        await assertRefused(
          handle.executeUpdate(decideUpdate, { args: [{ moderatorId: staff.moderatorId, decision: 'reject' } as DecideArgs] }),
          'invalid_input',
          /a rejection needs a reason/,
        );
        await assertRefused(
          handle.executeUpdate(decideUpdate, { args: [{ moderatorId: staff.moderatorId, decision: 'reject', reason: 'spam' } as unknown as DecideArgs] }),
          'invalid_input',
          /unknown rejection reason "spam"/,
        );
        assert.equal((await handle.query(viewQuery)).status, 'awaiting');
        assert.equal(await acceptedUpdates(handle), 0, 'a refused update leaves no trace in the history');
        assert.equal((await submission(offerId, input.revision))?.decided, false);
        await handle.executeUpdate(decideUpdate, { args: [{ moderatorId: staff.moderatorId, decision: 'reject', reason: 'adult' }] });
        assert.equal((await handle.result()).status, 'rejected');
      });
    });

  });

  describe('timers', () => {
    it('reminds every moderator once, 24 h after submission and not a minute before', async () => {
      const offerId = await insertDraft();
      const submitted = content('remind');
      const input = await writeSubmission(sql, offerId, submitted);
      const submittedMs = Date.parse(input.submittedAt);
      await withWorker(async (taskQueue) => {
        const handle = await start(taskQueue, input);
        await env.sleep(24 * HOUR - MINUTE);
        const before = await handle.query(viewQuery);
        assert.equal(before.status, 'awaiting');
        assert.deepEqual(before.nextDeadline, { at: new Date(submittedMs + 24 * HOUR).toISOString(), what: 'remind moderators' });
        assert.equal((await submission(offerId, input.revision))?.reminded, false);
        assert.deepEqual(await mailAbout(submitted.title), []);

        await env.sleep(2 * MINUTE);
        const after = await viewWhen(handle, (v) => v.status === 'overdue', 'the reminder');
        const remindedMs = Date.parse(after.remindedAt!);
        assert.ok(remindedMs >= submittedMs + 24 * HOUR && remindedMs <= submittedMs + 24 * HOUR + 2 * MINUTE, `reminded at ${after.remindedAt}`);
        assert.deepEqual(after.nextDeadline, { at: new Date(submittedMs + 3 * DAY).toISOString(), what: 'escalate to admins' });
        // The state is overdue at once; the reminder's write (mark, mail) follows it.
        await writtenOnSubmission(offerId, input.revision, 'reminded');

        const mail = await mailAbout(submitted.title);
        assert.deepEqual(mail.map((m) => m.to_address).sort(), [...staff.moderators].sort(), 'each active moderator once; not the blocked one, not admins');
        assert.ok(mail.every((m) => m.kind === 'moderation_reminder' && /has waited 24 hours/.test(m.subject)));

        await handle.executeUpdate(decideUpdate, { args: [approveBy(staff.moderatorId)] });
        const result = await handle.result();
        assert.equal(result.status, 'approved');
        assert.equal(result.remindedAt, after.remindedAt, 'the reminder stays in the record');
      });
    });

    it('escalates to every admin 3 days after submission and not a minute before, then waits for a person with no deadline', async () => {
      const offerId = await insertDraft();
      const submitted = content('escalate');
      const input = await writeSubmission(sql, offerId, submitted);
      const submittedMs = Date.parse(input.submittedAt);
      await withWorker(async (taskQueue) => {
        const handle = await start(taskQueue, input);
        await env.sleep(24 * HOUR + MINUTE);
        await viewWhen(handle, (v) => v.status === 'overdue', 'the reminder');
        await env.sleep(2 * DAY - 2 * MINUTE);
        const before = await handle.query(viewQuery);
        assert.equal(before.status, 'overdue');
        assert.equal((await submission(offerId, input.revision))?.escalated, false);
        assert.deepEqual((await mailAbout(submitted.title)).filter((m) => m.kind === 'moderation_escalation'), []);

        await env.sleep(2 * MINUTE);
        const after = await viewWhen(handle, (v) => v.status === 'escalated', 'the escalation');
        const escalatedMs = Date.parse(after.escalatedAt!);
        assert.ok(escalatedMs >= submittedMs + 3 * DAY && escalatedMs <= submittedMs + 3 * DAY + 2 * MINUTE, `escalated at ${after.escalatedAt}`);
        assert.equal(after.nextDeadline, null);
        await writtenOnSubmission(offerId, input.revision, 'escalated');
        const escalations = (await mailAbout(submitted.title)).filter((m) => m.kind === 'moderation_escalation');
        assert.deepEqual(escalations.map((m) => m.to_address), staff.admins);
        assert.match(escalations[0]!.subject, /has waited 3 days/);

        // A month later nothing has happened by itself: no automatic approval.
        await env.sleep(30 * DAY);
        assert.equal((await handle.query(viewQuery)).status, 'escalated');
        assert.equal((await offer(offerId)).status, 'in_moderation');
        assert.equal((await mailAbout(submitted.title)).length, staff.moderators.length + staff.admins.length, 'no further mail');

        await handle.executeUpdate(decideUpdate, { args: [approveBy(staff.moderatorId)] });
        assert.equal((await handle.result()).status, 'approved');
      });
      assert.equal((await offer(offerId)).status, 'active');
    });

    it('counts deadlines from submittedAt, so a workflow started a day late reminds at once and escalates on time', async () => {
      const offerId = await insertDraft();
      const submitted = content('late');
      const submittedAt = new Date((await env.currentTimeMs()) - 25 * HOUR);
      const input = await writeSubmission(sql, offerId, submitted, { submittedAt });
      await withWorker(async (taskQueue) => {
        const handle = await start(taskQueue, input);
        const view = await viewWhen(handle, (v) => v.status === 'overdue', 'the overdue reminder');
        assert.deepEqual(view.nextDeadline, { at: new Date(submittedAt.getTime() + 3 * DAY).toISOString(), what: 'escalate to admins' });
        await writtenOnSubmission(offerId, input.revision, 'reminded');
        assert.equal((await mailAbout(submitted.title)).length, staff.moderators.length);
        await env.sleep(2 * DAY - 2 * HOUR);
        assert.equal((await handle.query(viewQuery)).status, 'overdue');
        await env.sleep(2 * HOUR);
        await viewWhen(handle, (v) => v.status === 'escalated', 'the escalation');
        await handle.executeUpdate(withdrawUpdate, { args: [{ by: 'system' }] });
        await handle.result();
      });
    });
  });

  describe('withdrawal and orphans', () => {
    it('withdraws a submission the seller replaced: recorded on the submission, the offer untouched, the workflow ends withdrawn', async () => {
      const offerId = await insertDraft();
      const submitted = content('withdraw');
      const input = await writeSubmission(sql, offerId, submitted);
      const result = await withWorker(async (taskQueue) => {
        const handle = await start(taskQueue, input);
        const view = await handle.executeUpdate(withdrawUpdate, { args: [{ by: 'seller' }] });
        assert.equal(view.status, 'withdrawn');
        return handle.result();
      });
      assert.deepEqual(result.decision, { outcome: 'withdrawn', by: 'seller' });
      assert.equal(result.nextDeadline, null);
      assert.deepEqual(await submission(offerId, input.revision), {
        reminded: false,
        escalated: false,
        decided: true,
        decision: 'withdrawn',
        reason: null,
        moderator_id: null,
      });
      assert.equal((await offer(offerId)).status, 'in_moderation');
      assert.deepEqual(await mailAbout(submitted.title), []);
    });

    it('ends at once as withdrawn, writing nothing, when its submission row does not exist', async () => {
      const offerId = await insertDraft();
      const before = await offer(offerId);
      const input: ModerationInput = {
        offerId,
        revision: before.revision + 1,
        sellerId: staff.sellerId,
        title: 'Never committed',
        submittedAt: new Date(await env.currentTimeMs()).toISOString(),
        policy: moderationPolicy,
      };
      const result = await withWorker(async (taskQueue) => (await start(taskQueue, input)).result());
      assert.equal(result.status, 'withdrawn');
      assert.deepEqual(result.decision, { outcome: 'withdrawn', by: 'system' });
      assert.equal(await submission(offerId, input.revision), undefined, 'no submission row was created');
      assert.deepEqual(await offer(offerId), before);
      assert.deepEqual(await mailAbout('Never committed'), []);
    });

    it('waits for the submitting transaction to commit rather than taking a not-yet-visible row for an orphan', async () => {
      const offerId = await insertDraft();
      const submitted = content('commit');
      await withWorker(async (taskQueue) => {
        // As the API does: the workflow starts inside the transaction that writes the submission.
        const handle = await sql.begin(async (tx) => {
          const input = await writeSubmission(tx, offerId, submitted);
          const handle = await start(taskQueue, input);
          await someoneWaitsOnALock();
          return handle;
        });
        await handle.executeUpdate(decideUpdate, { args: [approveBy(staff.moderatorId)] });
        assert.equal((await handle.result()).status, 'approved');
      });
      assert.equal((await offer(offerId)).status, 'active');
    });

    it('ends as withdrawn, writing nothing, when the submitting transaction rolls back after starting it', async () => {
      const offerId = await insertDraft();
      const before = await offer(offerId);
      const submitted = content('rollback');
      const result = await withWorker(async (taskQueue) => {
        let handle: Handle | undefined;
        await assert.rejects(
          sql.begin(async (tx) => {
            const input = await writeSubmission(tx, offerId, submitted);
            handle = await start(taskQueue, input);
            await someoneWaitsOnALock();
            throw new Error('the commit failed');
          }),
          /the commit failed/,
        );
        return handle!.result();
      });
      assert.equal(result.status, 'withdrawn');
      assert.deepEqual(await offer(offerId), before);
      assert.equal(await submission(offerId, before.revision + 1), undefined);
      assert.deepEqual(await mailAbout(submitted.title), []);
    });
  });

  describe('search attributes', () => {
    it('keeps status, seller, offer and next deadline current, and clears the deadline once there is none', async () => {
      const offerId = await insertDraft();
      const input = await writeSubmission(sql, offerId, content('attributes'));
      const submittedMs = Date.parse(input.submittedAt);
      await withWorker(async (taskQueue) => {
        const handle = await start(taskQueue, input);
        const attributes = async (status: string) =>
          pollUntil(async () => {
            const { typedSearchAttributes } = await handle.describe();
            return typedSearchAttributes.get(SA.status) === status ? typedSearchAttributes : undefined;
          }, { what: `GigflowStatus ${status}`, timeoutMs: 20_000 });

        const awaiting = await attributes('moderation_awaiting');
        assert.equal(awaiting.get(SA.sellerId), String(staff.sellerId));
        assert.equal(awaiting.get(SA.offerId), String(offerId));
        assert.equal(awaiting.get(SA.nextDeadline)?.toISOString(), new Date(submittedMs + 24 * HOUR).toISOString());

        await env.sleep(24 * HOUR + MINUTE);
        const overdue = await attributes('moderation_overdue');
        assert.equal(overdue.get(SA.nextDeadline)?.toISOString(), new Date(submittedMs + 3 * DAY).toISOString());

        await env.sleep(2 * DAY);
        assert.equal((await attributes('moderation_escalated')).get(SA.nextDeadline), undefined);

        await handle.executeUpdate(decideUpdate, { args: [approveBy(staff.moderatorId)] });
        await handle.result();
        const approved = await attributes('moderation_approved');
        assert.equal(approved.get(SA.nextDeadline), undefined);
        assert.equal(approved.get(SA.offerId), String(offerId));
      });
    });
  });

  describe('the activities on their own', () => {
    it('applies a decision once: a retry after a commit writes nothing more and reports the same result', async () => {
      const offerId = await insertDraft();
      const submitted = content('retry');
      const input = await writeSubmission(sql, offerId, submitted);
      const decision = { offerId, revision: input.revision, moderatorId: staff.moderatorId, decision: 'approved' as const };
      assert.deepEqual(await activities.applyModerationDecision(decision), { applied: true });
      const first = await offer(offerId);
      assert.deepEqual(await activities.applyModerationDecision(decision), { applied: true });
      assert.deepEqual(await offer(offerId), first);
      assert.equal((await mailAbout(submitted.title)).length, 1);
    });

    it('reports a decision on a stale revision as not applied, on a retry too', async () => {
      const offerId = await insertDraft();
      const input = await writeSubmission(sql, offerId, content('stale-retry'));
      await writeSubmission(sql, offerId, content('stale-newer'));
      const decision = { offerId, revision: input.revision, moderatorId: staff.moderatorId, decision: 'rejected' as const, reason: 'other' as const };
      assert.deepEqual(await activities.applyModerationDecision(decision), { applied: false });
      assert.deepEqual(await activities.applyModerationDecision(decision), { applied: false });
    });

    it('reminds and escalates once however often it is retried', async () => {
      const offerId = await insertDraft();
      const submitted = content('alert-retry');
      const input = await writeSubmission(sql, offerId, submitted);
      const waiting = { offerId, revision: input.revision, title: submitted.title };
      assert.deepEqual(await activities.remindModerators({ ...waiting, waitedMs: DAY }), { notified: staff.moderators.length });
      assert.deepEqual(await activities.remindModerators({ ...waiting, waitedMs: DAY }), { notified: 0 });
      assert.deepEqual(await activities.escalateToAdmins({ ...waiting, waitedMs: 3 * DAY }), { notified: staff.admins.length });
      assert.deepEqual(await activities.escalateToAdmins({ ...waiting, waitedMs: 3 * DAY }), { notified: 0 });
      assert.equal((await mailAbout(submitted.title)).length, staff.moderators.length + staff.admins.length);
    });

    it('refuses to apply a decision to a submission that does not exist, without retrying', async () => {
      await assert.rejects(
        activities.applyModerationDecision({ offerId: 0, revision: 1, moderatorId: staff.moderatorId, decision: 'approved' }),
        (err: unknown) => err instanceof ApplicationFailure && err.type === 'not_found' && err.nonRetryable,
      );
    });
  });
});
