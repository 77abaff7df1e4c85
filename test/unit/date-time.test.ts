/**
 * A moment in a request (`DateTime` in api/schemas.ts: a promo code's expiry) is what the served
 * document's `date-time` with its pattern takes, no more and no less: RFC 3339 as zod reads it
 * (no lower-case `t` or `z`, no leap second, a real day).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DateTime } from '../../api/schemas.js';
import { openApiDocument } from '../../scripts/routes-table.js';
import { Contract, type OpenApiDocument } from '../support/contract.js';

const TAKEN = ['2030-01-31T18:00:00Z', '2030-01-31T18:00:00.5Z', '2030-01-31T18:00:00.123456789+02:00', '2030-01-31T18:00:00-00:00', '2032-02-29T00:00:00Z'];
const REFUSED = ['2030-01-31t18:00:00z', '2030-01-31T18:00:00z', '2030-12-31T23:59:60Z', '2030-01-31T24:00:00Z', '2030-01-31T18:00Z', '2030-01-31T18:00:00+0200', '2031-02-29T00:00:00Z', '2030-02-30T00:00:00Z', '2030-01-31 18:00:00Z', '2030-01-31T18:00:00'];

describe('a moment in a request', () => {
  it('is RFC 3339 with its offset, as the API reads it and the served document says it', async () => {
    const contract = new Contract((await openApiDocument()) as OpenApiDocument);
    const promo = (expiresAt: string) => contract.acceptsBody('post', '/admin/promo-codes', { code: 'SPRING25', amountCents: 500, expiresAt, maxRedemptions: 10 });
    for (const at of TAKEN) {
      assert.equal(DateTime.safeParse(at).success, true, at);
      assert.equal(promo(at), true, at);
    }
    for (const at of REFUSED) {
      assert.equal(DateTime.safeParse(at).success, false, at);
      assert.equal(promo(at), false, at);
    }
  });
});
