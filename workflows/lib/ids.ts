/**
 * Ids: every entity's id is a positive integer (a PostgreSQL bigserial, within JavaScript's
 * safe integers), and every workflow's id is a business id built from them —
 * `order-<orderId>`, `kwork-moderation-<offerId>-<revision>` — by one function per process
 * (in its `messages.ts`), so support finds a workflow by what it is about.
 */

/** Whether `value` is an id: a positive safe integer. */
export function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** A workflow id: the process's name and the ids it is about, joined by dashes. */
export function businessId(process: string, ...ids: number[]): string {
  for (const id of ids) if (!isId(id)) throw new RangeError(`${process}: not an id: ${id}`);
  return [process, ...ids].join('-');
}
