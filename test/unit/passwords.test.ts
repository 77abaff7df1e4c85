/**
 * Production's password hashes: argon2id at OWASP's minimum (19 MiB, two passes, one lane),
 * salted afresh for each hash. The other tests hash at a lower cost (test/support/passwords.ts);
 * a check reads the cost from the hash, so both kinds are checked alike.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { argon2Passwords, decoyHash } from '../../services/passwords.js';
import { testPasswords } from '../support/passwords.js';

describe('password hashes', () => {
  it('are argon2id at OWASP’s minimum, salted afresh, and check the right password only', async () => {
    const first = await argon2Passwords.hash('correct horse');
    const second = await argon2Passwords.hash('correct horse');
    assert.match(first, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.notEqual(first, second, 'two hashes of one password have different salts');
    assert.equal(await argon2Passwords.verify('correct horse', first), true);
    assert.equal(await argon2Passwords.verify('correct horse', second), true);
    assert.equal(await argon2Passwords.verify('correct horsE', first), false);
    assert.equal(await argon2Passwords.verify('correct horse', ''), false, 'an account without a password (closed) signs no one in');
  });

  it('check a hash whatever cost made it: the tests’ cheaper hashes and production’s alike', async () => {
    const cheap = await testPasswords.hash('s3cret');
    assert.match(cheap, /^\$argon2id\$v=19\$m=64,t=1,p=1\$/);
    assert.equal(await argon2Passwords.verify('s3cret', cheap), true);
    assert.equal(await testPasswords.verify('s3cret', await argon2Passwords.hash('s3cret')), true);
    // Another hash: its first character changed (six bits of the first byte).
    const other = cheap.replace(/\$([A-Za-z0-9+/])([A-Za-z0-9+/]{42})$/, (_, c: string, rest: string) => `$${c === 'A' ? 'B' : 'A'}${rest}`);
    assert.notEqual(other, cheap);
    assert.equal(await testPasswords.verify('s3cret', other), false);
  });

  it('keep a decoy at production’s cost, so an unknown login costs what a known one does', async () => {
    assert.match(decoyHash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await argon2Passwords.verify('any password', decoyHash), false);
  });
});
