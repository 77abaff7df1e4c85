/**
 * The off-platform scan (K-61, K-62): contacts and payment details are found, however they are
 * written among ordinary words; ordinary marketplace talk — prices, dates, times, order numbers,
 * quantities, versions, percentages — is not flagged. The property plants both in random text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { scanOffPlatform, type ScanKind } from '../../workflows/lib/off-platform.js';
import { checkProperty } from '../support/seed.js';

const kindsOf = (text: string) => [...new Set(scanOffPlatform(text).map((h) => h.kind))].sort();

const words = ['the', 'logo', 'draft', 'is', 'ready', 'please', 'check', 'colours', 'and', 'fonts', 'I', 'will', 'send', 'revision', 'tomorrow', 'thanks', 'great', 'work', 'at', 'for', 'on', 'by', 'banner', 'size', 'order', 'delivery', 'extra'];
const two = (n: number) => String(n).padStart(2, '0');

/** Ordinary things a buyer and a seller write that contain numbers. */
const ordinary: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...words),
  fc.integer({ min: 1, max: 99_999 }).map((n) => `$${n}`),
  fc.tuple(fc.integer({ min: 1, max: 9_999 }), fc.integer({ min: 0, max: 99 })).map(([d, c]) => `$${d.toLocaleString('en-US')}.${two(c)}`),
  fc.integer({ min: 1, max: 500 }).map((n) => `${n} USD`),
  fc.tuple(fc.integer({ min: 2020, max: 2030 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 })).map(([y, m, d]) => `${y}-${two(m)}-${two(d)}`),
  fc.tuple(fc.integer({ min: 1, max: 28 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2020, max: 2030 })).map(([d, m, y]) => `${two(d)}.${two(m)}.${y}`),
  fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), fc.integer({ min: 2020, max: 2030 })).map(([m, d, y]) => `${m}/${d}/${y}`),
  fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${two(h)}:${two(m)}`),
  fc.integer({ min: 1, max: 999_999_999 }).map((n) => `order #${n}`),
  fc.integer({ min: 1, max: 999_999_999 }).map((n) => `#${n}`),
  fc.integer({ min: 1, max: 100 }).map((n) => `${n}%`),
  fc.tuple(fc.integer({ min: 100, max: 4000 }), fc.integer({ min: 100, max: 4000 })).map(([w, h]) => `${w}x${h}px`),
  fc.array(fc.integer({ min: 1, max: 999 }), { minLength: 2, maxLength: 5 }).map((ns) => ns.join(' ')),
  fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 99 })).map(([a, b, c]) => `v${a}.${b}.${c}`),
);
const sentence = fc.array(ordinary, { minLength: 1, maxLength: 25 }).map((parts) => parts.join(' '));

const planted: fc.Arbitrary<{ text: string; kind: ScanKind }> = fc.oneof(
  fc.tuple(fc.stringMatching(/^[a-z][a-z0-9.]{1,10}[a-z0-9]$/), fc.constantFrom('gmail.com', 'mail.ru', 'example.org')).map(([u, d]) => ({ text: `${u.replace(/\.\.+/g, '.')}@${d}`, kind: 'email' as const })),
  fc.tuple(fc.integer({ min: 200, max: 999 }), fc.integer({ min: 200, max: 999 }), fc.integer({ min: 0, max: 9999 })).map(([a, b, c]) => ({ text: `+1 (${a}) ${b}-${String(c).padStart(4, '0')}`, kind: 'phone' as const })),
  fc.tuple(fc.integer({ min: 900, max: 999 }), fc.integer({ min: 100, max: 999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 })).map(([a, b, c, d]) => ({ text: `8-${a}-${b}-${two(c)}-${two(d)}`, kind: 'phone' as const })),
  fc.constantFrom('4111 1111 1111 1111', '5500-0000-0000-0004', '4012888888881881').map((text) => ({ text, kind: 'card' as const })),
  fc.constantFrom('DE89 3704 0044 0532 0130 00', 'GB29NWBK60161331926819').map((text) => ({ text, kind: 'iban' as const })),
  fc.stringMatching(/^[a-z]{3,10}$/).map((u) => ({ text: `paypal.me/${u}`, kind: 'payment' as const })),
  fc.constantFrom('pay me directly', 'let us deal outside the platform', 'transfer outside gigflow').map((text) => ({ text, kind: 'payment' as const })),
  fc.constantFrom('telegram', 'WhatsApp', 'skype', 't.me/someone').map((text) => ({ text: `write me on ${text}`, kind: 'messenger' as const })),
  fc
    .tuple(fc.constantFrom('gigflow', 'kwork', 'the platform'), fc.constantFrom('commission', 'fee', 'fees'), fc.integer({ min: 1, max: 40 }))
    .map(([platform, fee, n]) => ({ text: `${platform} takes ${n}% ${fee}`, kind: 'fees' as const })),
  fc.constantFrom('avoid the commission', 'skip the fees', 'without the fee').map((text) => ({ text, kind: 'fees' as const })),
);

describe('off-platform scan (K-61, K-62)', () => {
  it('finds e-mail addresses, phone numbers, cards, IBANs, payment handles and messengers', () => {
    assert.deepEqual(kindsOf('mail me: bob.smith@gmail.com'), ['email']);
    assert.deepEqual(kindsOf('call +1 555 123 4567 tonight'), ['phone']);
    assert.deepEqual(kindsOf('or 555-123-4567'), ['phone']);
    assert.deepEqual(kindsOf('+7 (999) 123-45-67'), ['phone']);
    assert.deepEqual(kindsOf('my number is 5551234567'), ['phone']);
    assert.deepEqual(kindsOf('card 4111 1111 1111 1111'), ['card']);
    assert.deepEqual(kindsOf('IBAN DE89 3704 0044 0532 0130 00'), ['iban']);
    assert.deepEqual(kindsOf('tip me at paypal.me/bob'), ['payment']);
    assert.deepEqual(kindsOf('send money to @bob_pay'), ['payment']);
    assert.deepEqual(kindsOf('cash app $bobby'), ['payment']);
    assert.deepEqual(kindsOf('pay me outside the platform, it is cheaper'), ['payment']);
    assert.deepEqual(kindsOf('my telegram is @bobby'), ['messenger', 'payment']);
  });

  it('finds talk of the platform’s fees (K-62): a fee near the platform’s name, its cut, its percentage, avoiding the fee', () => {
    for (const text of [
      'gigflow takes a 20 % commission, so',
      'the platform fee is too high',
      'kwork takes 20% from me',
      'Gigflow’s cut is big',
      'the commission of the platform eats my margin',
      'let us avoid the fee',
      'without the fees I can do it for $8',
    ]) {
      assert.deepEqual(kindsOf(text), ['fees'], text);
    }
  });

  it('leaves ordinary talk alone: prices, dates, times, order numbers, figures, versions, mentions', () => {
    for (const text of [
      'It costs $10, or $1,250.00 for the big one',
      'Deadline 2026-12-04 or 04.12.2026 at 15:20',
      'See order #1234567 and order 12345678',
      'sizes 100 200 300 400',
      'version 1.2.3 and 3.5% off',
      'ping @bob when the logo is ready',
      'a 1920x1080 banner, 3 revisions',
      'a Luhn-invalid long number 1234 5678 9012 3456 is no card',
      'a rush fee of $5, 3.5% off, no fee for the second revision',
      'please cut the banner for the site; the hosting fee for the site is yours',
      'I love the platform, 100% happy with order #123',
    ]) {
      assert.deepEqual(scanOffPlatform(text), [], text);
    }
  });

  it('flags no random ordinary text, and flags every planted contact however it is surrounded', async () => {
    await checkProperty(
      fc.property(sentence, (text) => {
        assert.deepEqual(scanOffPlatform(text), [], text);
      }),
      { numRuns: 400, file: import.meta.filename },
    );
    await checkProperty(
      fc.property(sentence, planted, sentence, (before, plant, after) => {
        const text = `${before} ${plant.text} ${after}`;
        assert.ok(kindsOf(text).includes(plant.kind), `${plant.kind} not found in: ${text}`);
      }),
      { numRuns: 400, file: import.meta.filename },
    );
  });

  it('reports the text as written: the scan never changes it', () => {
    const text = 'write to bob@example.org';
    const copy = `${text}`;
    assert.equal(scanOffPlatform(text)[0]!.match, 'bob@example.org');
    assert.equal(text, copy);
  });
});
