/**
 * The standing workflow's activities (K-58…K-65): where the user's sanction numbering stands
 * (a standing that ended starts again after its last write), and writing one transition — the
 * standing's row, its history lines, the user's notice, their offers suspended or restored,
 * and, when an account block begins, their open orders handed to support — idempotently,
 * since a local activity is retried until the database answers.
 */
import type { Db } from '../db/client.js';
import type * as machine from '../workflows/standing/machine.js';
import type { Block, SanctionLevel } from '../workflows/standing/messages.js';
import { withClassifiedFailures } from './failures.js';

/** What a standing transition asks `recordStandingEvent` to write: the standing as the transition leaves it, and its effects. */
export interface StandingEventRecord {
  userId: number;
  offersBlock: Block | null;
  accountBlock: Block | null;
  level: SanctionLevel;
  /** Whether the user's offers are out of search (`suspended`): an offers or an account block runs. */
  offersHidden: boolean;
  /** The latest sanction's kind, if any. */
  kind: string | null;
  /** ISO, workflow time. */
  at: string;
  effects: machine.Effects;
}

/** The number of the user's last standing write (0: none): a restarted standing numbers on from it. */
async function loadStanding(db: Db, input: { userId: number }): Promise<{ seq: number }> {
  const [row] = await db.sql<{ seq: number }[]>`select seq from standings where user_id = ${input.userId}`;
  return { seq: row?.seq ?? 0 };
}

/**
 * Writes one transition in one transaction: the standing's row — only when the write is newer
 * than the row (`seq`), and everything else only then, so a retry or an older write landing
 * late changes nothing — the history lines, the notice, the offers: the seller's active ones
 * suspended while a block runs, the suspended ones active again once none does (the trigger of
 * migration 0015 keeps offers that turn active meanwhile suspended). An account block's start
 * hands every open order of the user to support (`support_handovers`); the money stays where it is.
 */
async function recordStandingEvent(db: Db, record: StandingEventRecord): Promise<void> {
  const { userId, effects, at, offersBlock, accountBlock } = record;
  await db.sql.begin(async (tx) => {
    // Timestamps go as ISO strings: drizzle, sharing this postgres.js client, turns off its Date serializer.
    const written = await tx`
      insert into standings (user_id, offers_blocked_until, offers_block_reason, account_blocked_until, account_block_reason, kind, level, seq, updated_at)
      values (${userId}, ${offersBlock?.until ?? null}::timestamptz, ${offersBlock?.reason ?? null}, ${accountBlock?.until ?? null}::timestamptz,
        ${accountBlock?.reason ?? null}, ${record.kind}, ${record.level}, ${effects.seq}, ${at}::timestamptz)
      on conflict (user_id) do update set
        offers_blocked_until = excluded.offers_blocked_until, offers_block_reason = excluded.offers_block_reason,
        account_blocked_until = excluded.account_blocked_until, account_block_reason = excluded.account_block_reason,
        kind = excluded.kind, level = excluded.level, seq = excluded.seq, updated_at = excluded.updated_at
      where standings.seq < excluded.seq
      returning user_id`;
    if (written.length === 0) return; // an earlier attempt, or a newer write, was here first
    for (const e of effects.entries) {
      await tx`
        insert into sanctions (user_id, seq, action, kind, reason, until, staff_id, at)
        values (${userId}, ${e.seq}, ${e.action}, ${e.kind}, ${e.reason}, ${e.until}::timestamptz, ${e.staffId}, ${e.at}::timestamptz)
        on conflict do nothing`;
    }
    if (effects.notice) {
      await tx`
        insert into notifications (user_id, kind, text, dedupe_key, created_at)
        values (${userId}, ${effects.notice.kind}, ${effects.notice.text}, ${`standing:${userId}:${effects.seq}`}, ${at}::timestamptz)
        on conflict (dedupe_key) do nothing`;
    }
    if (record.offersHidden) await tx`update offers set status = 'suspended' where seller_id = ${userId} and status = 'active'`;
    else await tx`update offers set status = 'active' where seller_id = ${userId} and status = 'suspended'`;
    if (effects.accountBlockStarted) {
      const reason = `the account of user ${userId} is blocked until ${accountBlock!.until}: ${accountBlock!.reason}`;
      await tx`
        insert into support_handovers (order_id, user_id, reason, created_at)
        select id, ${userId}, ${reason}, ${at}::timestamptz from orders
        where (buyer_id = ${userId} or seller_id = ${userId}) and closed_at is null
        on conflict do nothing`;
    }
  });
}

/** The standing workflow's activities. */
export function createStandingActivities({ db }: { db: Db }) {
  return {
    loadStanding: withClassifiedFailures((input: { userId: number }) => loadStanding(db, input)),
    recordStandingEvent: withClassifiedFailures((record: StandingEventRecord) => recordStandingEvent(db, record)),
  };
}

export type StandingActivities = ReturnType<typeof createStandingActivities>;
