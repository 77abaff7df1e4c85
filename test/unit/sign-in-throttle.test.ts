/**
 * The pure parts of sign-in throttling: the delay schedule, the address a counter is keyed by,
 * and which address the API takes for the client's. The counting itself runs against the
 * database in test/api/accounts.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveClientAddress } from '../../api/client-address.js';
import { accountRules } from '../../services/policy.js';
import { addressKey, delayAfter, passwordCheckKey, signInKeys, waitMsOf } from '../../services/sign-in-throttle.js';

describe('sign-in throttling', () => {
  describe('the delay after a failure', () => {
    it('is none within the free failures, then doubles from a second up to the cap', () => {
      const free = accountRules.signInFreeFailuresPerLogin;
      const delays = Array.from({ length: free + 13 }, (_, i) => delayAfter(i + 1, free) / 1000);
      assert.deepEqual(delays, [...Array<number>(free).fill(0), 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]);
    });

    it('keeps an attempt within the free failures from waiting, even on a failure a concurrent request recorded after it read the clock', () => {
      const key = passwordCheckKey(7);
      const now = Date.parse('2026-12-07T03:00:00Z');
      const free = accountRules.signInFreeFailuresPerLogin;
      assert.equal(waitMsOf(undefined, key, now), 0);
      assert.equal(waitMsOf({ failures: free, lastFailureAt: new Date(now + 5) }, key, now), 0, 'the last free failure, recorded 5 ms "after" this attempt read the clock');
      assert.equal(waitMsOf({ failures: free + 1, lastFailureAt: new Date(now) }, key, now), accountRules.signInFirstDelayMs);
      assert.equal(waitMsOf({ failures: free + 1, lastFailureAt: new Date(now + 5) }, key, now), accountRules.signInFirstDelayMs + 5);
      assert.equal(waitMsOf({ failures: free + 1, lastFailureAt: new Date(now - accountRules.signInFirstDelayMs) }, key, now), 0, 'its wait is over');
    });

    it('stays at the cap however many failures there were', () => {
      assert.equal(delayAfter(10_000, accountRules.signInFreeFailuresPerAddress), accountRules.signInMaxDelayMs);
    });

    it('lets an address fail more often than a login on it before it waits', () => {
      assert.ok(accountRules.signInFreeFailuresPerAddress > accountRules.signInFreeFailuresPerLogin);
      const keys = signInKeys('alice', '192.0.2.1');
      assert.equal(delayAfter(accountRules.signInFreeFailuresPerAddress, keys.address.freeFailures), 0);
      assert.ok(delayAfter(accountRules.signInFreeFailuresPerLogin + 1, keys.login.freeFailures) > 0);
    });
  });

  describe('the address a counter is keyed by', () => {
    for (const [address, key] of [
      ['192.0.2.1', '192.0.2.1'],
      ['::ffff:192.0.2.1', '192.0.2.1'],
      ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
      ['2001:DB8:1:2::6', '2001:db8:1:2::/64'],
      ['2001:db8::1', '2001:db8:0:0::/64'],
      ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
      ['fe80::1%eth0', 'fe80:0:0:0::/64'],
      ['::1', '0:0:0:0::/64'],
      ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
      ['unknown', 'unknown'],
    ] as const) {
      it(`keys ${address} as ${key}`, () => assert.equal(addressKey(address), key));
    }

    it('keys a login on an address apart from the same login elsewhere and from the address alone', () => {
      const here = signInKeys('alice', '192.0.2.1');
      assert.notEqual(here.login.key, signInKeys('alice', '192.0.2.2').login.key);
      assert.notEqual(here.login.key, signInKeys('alice@example.com', '192.0.2.1').login.key);
      assert.equal(here.address.key, signInKeys('bob', '192.0.2.1').address.key);
      assert.equal(signInKeys('alice', '2001:db8:1:2::7').login.key, signInKeys('alice', '2001:db8:1:2::8').login.key);
      assert.ok(!here.login.key.includes('alice'), 'a digest of the login, not the login');
    });
  });

  describe("the client's address", () => {
    it('is the socket peer, whatever X-Forwarded-For says, without trusted proxies', () => {
      assert.equal(resolveClientAddress('192.0.2.9', '203.0.113.5', 0), '192.0.2.9');
      assert.equal(resolveClientAddress('192.0.2.9', undefined, 0), '192.0.2.9');
    });

    it('is the entry the trusted proxies appended, never one the client wrote before them', () => {
      assert.equal(resolveClientAddress('10.0.0.2', '6.6.6.6, 203.0.113.5', 1), '203.0.113.5');
      assert.equal(resolveClientAddress('10.0.0.2', '6.6.6.6, 203.0.113.5, 10.0.0.1', 2), '203.0.113.5');
      assert.equal(resolveClientAddress('10.0.0.2', '2001:db8::5', 1), '2001:db8::5');
    });

    it('stops at a missing or malformed entry', () => {
      assert.equal(resolveClientAddress('10.0.0.2', undefined, 1), '10.0.0.2');
      assert.equal(resolveClientAddress('10.0.0.2', '203.0.113.5', 2), '203.0.113.5');
      assert.equal(resolveClientAddress('10.0.0.2', '203.0.113.5, not-an-address', 2), '10.0.0.2');
      assert.equal(resolveClientAddress('10.0.0.2', '203.0.113.5:4711', 1), '10.0.0.2');
    });
  });
});
