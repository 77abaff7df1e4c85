/**
 * One email rule for the API and the web client (`services/email-address.ts`), and the API's
 * document says it: every email field of a request carries its pattern beside the `email`
 * format, so an outside tool that builds addresses from the document builds ones we take.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMAIL_PATTERN, emailAddress } from '../../services/email-address.js';
import { openApiDocument } from '../../scripts/routes-table.js';

const takes = (email: string) => emailAddress().safeParse(email).success;

describe('an email address', () => {
  it('takes the addresses people have', () => {
    for (const email of ['alice@example.com', "o'brien@example.ie", 'a+tag@mail.example.co.uk', 'first.last@x-y.example', '_a@x.io', 'a'.repeat(64) + '@x.io']) {
      assert.equal(takes(email), true, email);
    }
  });

  it('refuses what zod, DNS or RFC 5321 refuse, with a reason', () => {
    const refused = [
      'u4p}9?|!@vceztfyg.in0z2.example', // zod's shape: no } or | before the @
      'a@x-.io', // a DNS label ends in a letter or digit
      'a@-x.io',
      `a@${'x'.repeat(64)}.io`, // a DNS label is at most 63 characters
      `${'a'.repeat(65)}@x.io`, // at most 64 before the @
      `${'a'.repeat(60)}@${Array.from({ length: 4 }, () => 'b'.repeat(60)).join('.')}.io`, // 254 in all
      'a..b@x.io',
      '.a@x.io',
      'a@x.i0',
    ];
    for (const email of refused) {
      const parsed = emailAddress('an email address').safeParse(email);
      assert.equal(parsed.success, false, email);
      assert.equal(parsed.error!.issues[0]!.message, 'an email address', email);
    }
  });

  it('is written into the document: each email field of a request has the pattern', async () => {
    const emails: { pattern?: unknown }[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (typeof value === 'object' && value !== null) {
        if ((value as { format?: unknown }).format === 'email') emails.push(value);
        Object.values(value).forEach(walk);
      }
    };
    walk(await openApiDocument());
    assert.ok(emails.length >= 5, `${emails.length} email fields`);
    for (const field of emails) assert.equal(field.pattern, EMAIL_PATTERN.source);
  });
});
