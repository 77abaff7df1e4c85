/**
 * `kworkModeration` on the run's shared dev server with a real worker (`createWorker`, every
 * real activity) and this file's database: what the time-skipping server cannot show — the
 * visibility store's search over the custom search attributes, and what the Temporal UI reads
 * (current details, timer and activity summaries).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { pollUntil } from '../../scripts/poll.js';
import { HOUR } from '../../workflows/lib/time.js';
import { moderationPolicy } from '../../workflows/moderation/policy.js';
import { SA } from '../../workflows/lib/search-attributes.js';
import { decideUpdate, moderationWorkflowId, withdrawUpdate, type ModerationInput } from '../../workflows/moderation/messages.js';
import type { kworkModeration } from '../../workflows/moderation/workflow.js';
import { connectTemporal, createTestDatabase, startWorker, uniqueId, type TestDatabase } from '../support/harness.js';

type Handle = WorkflowHandle<typeof kworkModeration>;
type HistoryEvent = NonNullable<Awaited<ReturnType<Handle['fetchHistory']>>['events']>[number];

describe('kworkModeration on the dev server with a real worker', () => {
  let database: TestDatabase;
  let temporal: Client;
  let worker: { stop(): Promise<void> };
  const taskQueue = uniqueId('moderation-dev');
  let sellerId: number;
  let moderatorId: number;

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    const { sql } = database.db;
    const login = uniqueId('seller').replace(/-/g, '_');
    const [seller] = await sql<{ id: string }[]>`insert into users (login, email) values (${login}, ${`${login}@example.com`}) returning id`;
    const [moderator] = await sql<{ id: string }[]>`
      insert into users (login, email, roles) values (${`${login}_mod`}, ${`${login}_mod@example.com`}, '{moderator}') returning id`;
    sellerId = Number(seller!.id);
    moderatorId = Number(moderator!.id);
    worker = await startWorker(database.db, taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await temporal?.connection.close();
    await database?.drop();
  });

  /** Writes a submission as the API does, and starts its workflow as the API does. */
  async function submit(label: string): Promise<{ handle: Handle; input: ModerationInput }> {
    const { sql } = database.db;
    const title = `I will write a product description (${uniqueId(label)})`;
    const content = {
      categoryId: 31,
      title,
      description: 'A clear, persuasive product description of up to 300 words, with one round of edits.',
      priceCents: 1_000,
      leadTimeDays: 1,
      instructions: 'The product page and the audience.',
      unitVolume: '300 words',
      media: [],
      attributes: { language: 'english' },
      options: [],
      packages: null,
    };
    const submittedAt = new Date();
    const [offer] = await sql<{ id: string }[]>`
      insert into offers (seller_id, category_id, title, description, price_cents, lead_time_days, status, revision)
      values (${sellerId}, 31, ${title}, ${content.description}, 1000, 1, 'in_moderation', 1)
      returning id`;
    const offerId = Number(offer!.id);
    await sql`
      insert into moderation_submissions (offer_id, revision, seller_id, content, submitted_at)
      values (${offerId}, 1, ${sellerId}, ${JSON.stringify(content)}::jsonb, ${submittedAt.toISOString()}::timestamptz)`;
    const input: ModerationInput = {
      offerId,
      revision: 1,
      sellerId,
      title,
      submittedAt: submittedAt.toISOString(),
      policy: moderationPolicy(),
    };
    const handle = await temporal.workflow.start<typeof kworkModeration>('kworkModeration', {
      taskQueue,
      workflowId: moderationWorkflowId(offerId, 1),
      args: [input],
      staticSummary: `Moderation of offer ${offerId} (revision 1)`,
    });
    return { handle, input };
  }

  /** Workflow ids the visibility store returns for a list query (it lags behind: poll). */
  async function listed(query: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const execution of temporal.workflow.list({ query })) ids.push(execution.workflowId);
    return ids;
  }

  it('is found by its search attributes, which follow its status, and drops the deadline once decided', async () => {
    const { handle, input } = await submit('search');
    const byOffer = `GigflowOfferId = "${input.offerId}"`;

    await pollUntil(async () => (await listed(`${byOffer} AND GigflowStatus = "moderation_awaiting" AND GigflowSellerId = "${sellerId}"`)).includes(handle.workflowId), {
      what: 'the awaiting submission in the visibility store',
      timeoutMs: 20_000,
    });
    const awaiting = (await handle.describe()).typedSearchAttributes;
    assert.equal(awaiting.get(SA.nextDeadline)?.toISOString(), new Date(Date.parse(input.submittedAt) + 24 * HOUR).toISOString());
    const dueBefore = new Date(Date.parse(input.submittedAt) + 25 * HOUR).toISOString();
    assert.ok((await listed(`${byOffer} AND GigflowNextDeadline < "${dueBefore}"`)).includes(handle.workflowId), 'support can list what falls due soon');

    const view = await handle.executeUpdate(decideUpdate, { args: [{ moderatorId, decision: 'approve' }] });
    assert.equal(view.status, 'approved');
    assert.equal((await handle.result()).status, 'approved');
    await pollUntil(async () => (await listed(`${byOffer} AND GigflowStatus = "moderation_approved"`)).includes(handle.workflowId), {
      what: 'the approved submission in the visibility store',
      timeoutMs: 20_000,
    });
    const approved = (await handle.describe()).typedSearchAttributes;
    assert.equal(approved.get(SA.nextDeadline), undefined);
    assert.equal(approved.get(SA.sellerId), String(sellerId));
    const [offer] = await database.db.sql<{ status: string }[]>`select status from offers where id = ${input.offerId}`;
    assert.equal(offer!.status, 'active');
  });

  it('shows readable current details, timer and activity summaries for the Temporal UI', async () => {
    const { handle, input } = await submit('details');
    const what = `offer ${input.offerId} revision 1`;
    const reminderAt = new Date(Date.parse(input.submittedAt) + 24 * HOUR).toISOString();

    const summaries = await pollUntil(async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      const summaryOf = (e: HistoryEvent) => (e.userMetadata?.summary ? defaultPayloadConverter.fromPayload<string>(e.userMetadata.summary) : undefined);
      const timers = events.filter((e) => e.timerStartedEventAttributes).map(summaryOf);
      const activities = events.filter((e) => e.activityTaskScheduledEventAttributes).map(summaryOf);
      return timers.length > 0 ? { timers, activities } : undefined;
    }, { what: 'the reminder timer in the history', timeoutMs: 20_000 });
    assert.deepEqual(summaries, { timers: [`remind moderators (${what})`], activities: [`does ${what} exist?`] });

    // The UI's "current details" come from this built-in query.
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    assert.equal(metadata.currentDetails, `**Awaiting a moderator** since ${input.submittedAt}. Next: remind moderators at ${reminderAt}.`);

    await handle.executeUpdate(withdrawUpdate, { args: [{ by: 'seller' }] });
    assert.equal((await handle.result()).status, 'withdrawn');
    const after = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    assert.match(after.currentDetails ?? '', /^\*\*Withdrawn\*\* by the seller at /);
  });
});
