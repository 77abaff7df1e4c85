/**
 * Estimated jobs in tests (issue 18): a stand-in for the account an anonymous "Order a Job"
 * creates (W-01; the accounts' real one is wired by the app), experts made by granting the role,
 * and a job's row written straight to the table for tests that need no workflow (the
 * authorization matrix's guards).
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { createAccounts } from '../../services/accounts.js';
import { systemClock } from '../../services/clock.js';
import type { CreateAccountOnSubmission } from '../../services/jobs.js';
import type { JobStatus } from '../../workflows/job/messages.js';

/** W-01's account creation, minimal: an unconfirmed user named after the email; an existing email answers `existing`. */
export const accountOnSubmissionStandIn: CreateAccountOnSubmission = async (tx, { email, username, now }) => {
  const login = (username ?? email.split('@')[0]!.replace(/[^a-z0-9_]/gi, '_').toLowerCase().slice(0, 20)) + `_${now.getTime() % 100_000}`;
  const rows = await tx.execute<{ id: string }>(sql`
    insert into users (login, email, created_at) values (${login}, ${email.toLowerCase()}, ${now.toISOString()}::timestamptz)
    on conflict do nothing returning id`);
  const [row] = rows;
  return row ? { userId: Number(row.id), created: true } : { existing: true };
};

/** Grants `userId` the expert role (an admin's act). */
export async function makeExpert(db: Db, userId: number): Promise<void> {
  await createAccounts({ db, clock: systemClock }).grantRole(userId, 'expert');
}

/**
 * A job's row, its conversation and its client as participant, with no workflow: reads come from
 * the row, actions past the guard find no workflow (409) or a closed job.
 */
export async function insertJob(db: Db, clientId: number, status: JobStatus, options: { expertId?: number } = {}): Promise<number> {
  const [row] = await db.sql<{ id: string }[]>`
    insert into jobs (kind, client_id, expert_id, title, description, urgency, status, ordered_at, approved_at, closed_at, updated_at)
    values ('estimate', ${clientId}, ${options.expertId ?? null}, 'A matrix job', 'A job written for a test, with no workflow.', 'normal', ${status}, now(),
      case when ${status} = 'approved' then now() end, case when ${status} in ('approved', 'cancelled', 'expired') then now() end, now())
    returning id`;
  const [conversation] = await db.sql<{ id: string }[]>`insert into conversations (kind, job_id, created_at) values ('job', ${row!.id}, now()) returning id`;
  await db.sql`insert into conversation_participants (conversation_id, user_id) values (${conversation!.id}, ${clientId})`;
  if (options.expertId !== undefined) await db.sql`insert into conversation_participants (conversation_id, user_id) values (${conversation!.id}, ${options.expertId}) on conflict do nothing`;
  return Number(row!.id);
}
