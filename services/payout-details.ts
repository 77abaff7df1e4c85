/**
 * Where a user's withdrawals go: a card saved on the card provider's hosted page (we keep its
 * token, brand, last four digits and fingerprint — never the number) or a PayPal address.
 *
 * D-10 (K-51, K-66, K-67): while an email or login change's lock holds, the details cannot be
 * added or changed; adding or changing them pauses withdrawals for 7 days.
 */
import { and, desc, eq, gt } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { payoutDetails, withdrawalLocks } from '../db/schema/users.js';
import { ProviderRefusal, type Providers } from '../payments/provider.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import type { Clock } from './clock.js';
import { accountRules } from './policy.js';
import { normalize } from './profile.js';

export interface PayoutDetailsView {
  method: 'card' | 'paypal';
  /** `Visa •••• 4242` or the PayPal address. */
  account: string;
  /** False for a card saved before tokens: it must be saved again before a withdrawal. */
  usable: boolean;
}

export type PayoutDetailsInput = { method: 'paypal'; account: string } | { method: 'card'; setupRef: string };

export interface PayoutDetailsDeps {
  db: Db;
  clock: Clock;
  providers: Providers;
  webUrl: string;
}

const brandName = (brand: string) => (brand === 'unknown' ? 'Card' : brand.charAt(0).toUpperCase() + brand.slice(1));

async function get(db: Db, userId: number): Promise<PayoutDetailsView | null> {
  const [row] = await db.orm.select().from(payoutDetails).where(eq(payoutDetails.userId, userId));
  return row ? { method: row.method, account: row.account, usable: row.token !== null } : null;
}

/** 422 `payout_details_locked` while an email or login change's lock holds (D-10). */
async function assertUnlocked(deps: PayoutDetailsDeps, userId: number): Promise<void> {
  const [lock] = await deps.db.orm
    .select()
    .from(withdrawalLocks)
    .where(and(eq(withdrawalLocks.userId, userId), eq(withdrawalLocks.scope, 'payout_details'), gt(withdrawalLocks.endsAt, deps.clock.now())))
    .orderBy(desc(withdrawalLocks.endsAt))
    .limit(1);
  if (lock) {
    const cause = lock.reason === 'login_change' ? 'your login changed' : 'your email changed';
    throw new AppError('payout_details_locked', `${cause}: payout details cannot be added or changed until ${lock.endsAt.toISOString()} (D-10)`, {
      until: lock.endsAt.toISOString(),
      reason: lock.reason,
    });
  }
}

/** The card provider's hosted page where the user types the card to be paid to. */
async function startCardSetup(deps: PayoutDetailsDeps, userId: number): Promise<{ setupRef: string; setupUrl: string }> {
  await assertUnlocked(deps, userId);
  const start = deps.providers.card.startCardSetup;
  if (!start) throw new AppError('provider_unavailable', 'the card provider cannot save cards');
  try {
    return await start({ userId, returnUrl: `${deps.webUrl}/balance/payout-details/card-return` });
  } catch {
    throw new AppError('provider_unavailable', 'the card provider could not start saving a card; try again');
  }
}

/** What the details become: a PayPal address as typed, or the card the provider saved. */
async function resolve(deps: PayoutDetailsDeps, userId: number, input: PayoutDetailsInput) {
  if (input.method === 'paypal') {
    const account = normalize(input.account);
    return { method: 'paypal' as const, account, token: account, cardFingerprint: null };
  }
  const saved = await deps.providers.card.savedCard?.(input.setupRef).catch((err: unknown) => {
    // A setupRef the provider does not know is the caller's mistake, not an outage.
    if (err instanceof ProviderRefusal && err.status === 404) return null;
    throw new AppError('provider_unavailable', 'the card provider could not be asked about the saved card; try again');
  });
  // A setup another user made names their card, whoever learned its reference.
  if (!saved || saved.userId !== userId) throw fieldError('body.setupRef', 'the card was not saved on the provider’s page (or not by you): save it again', 'rule_violation');
  return { method: 'card' as const, account: `${brandName(saved.brand)} •••• ${saved.last4}`, token: saved.token, cardFingerprint: saved.fingerprint };
}

/** Sets where withdrawals go; any change, the first included, pauses withdrawals for a week. */
async function set(deps: PayoutDetailsDeps, userId: number, input: PayoutDetailsInput): Promise<PayoutDetailsView> {
  await assertUnlocked(deps, userId);
  const details = await resolve(deps, userId, input);
  const now = deps.clock.now();
  await deps.db.orm.transaction(async (tx) => {
    await tx
      .insert(payoutDetails)
      .values({ userId, ...details, updatedAt: now })
      .onConflictDoUpdate({ target: payoutDetails.userId, set: { ...details, updatedAt: now } });
    await tx.insert(withdrawalLocks).values({
      userId,
      reason: 'payout_details_change',
      scope: 'withdrawals',
      startsAt: now,
      endsAt: new Date(now.getTime() + accountRules.withdrawalLockMs),
    });
  });
  return { method: details.method, account: details.account, usable: true };
}

export function createPayoutDetails(deps: PayoutDetailsDeps) {
  return {
    get: (userId: number) => get(deps.db, userId),
    set: (userId: number, input: PayoutDetailsInput) => set(deps, userId, input),
    startCardSetup: (userId: number) => startCardSetup(deps, userId),
  };
}

export type PayoutDetailsService = ReturnType<typeof createPayoutDetails>;
