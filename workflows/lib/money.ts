/**
 * Money is integer cents (USD) everywhere: in payloads, in the database, in workflow state.
 * Fees are basis points; one rounding rule: the platform's commission rounds half up to the
 * cent, and the seller gets the rest, so the two always add up to the price exactly.
 */
export type Cents = number;

export function isCents(value: unknown): value is Cents {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** The platform's commission on `total` at `bps` basis points, rounded half up to the cent. */
export function commissionOf(total: Cents, bps: number): Cents {
  if (!isCents(total) || total < 0) throw new RangeError(`not a non-negative amount of cents: ${total}`);
  if (!Number.isInteger(bps) || bps < 0 || bps > 10_000) throw new RangeError(`not a basis-point rate: ${bps}`);
  return Math.floor((total * bps + 5_000) / 10_000);
}

/** How `total` divides between seller and platform. */
export function splitCommission(total: Cents, bps: number): { seller: Cents; commission: Cents } {
  const commission = commissionOf(total, bps);
  return { seller: total - commission, commission };
}

/** `$12.34` for 1234: for summaries and messages people read. */
export function formatUsd(amount: Cents): string {
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  return `${sign}$${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
