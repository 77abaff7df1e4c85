/**
 * Estimated jobs in tests (issue 18): experts made by granting the role, and a job's row written straight to the table for tests that need no workflow (the
 * authorization matrix's guards).
 */
import type { Db } from '../../db/client.js';
import { createAccounts } from '../../services/accounts.js';
import { systemClock } from '../../services/clock.js';
import type { JobStatus } from '../../workflows/job/messages.js';

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
