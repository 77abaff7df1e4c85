/**
 * The tests' passwords: gigflow's own argon2id (`services/passwords.ts`), which hashes every
 * password as production does, but a check of a password against a hash this process just made
 * of it is answered from memory. argon2id is deterministic (the hash carries its salt and
 * parameters), so that check could only answer true; every other check — a wrong password, a
 * hash made elsewhere, the unknown login's decoy — runs argon2id. Each argon2id costs tens of
 * milliseconds of CPU, and nearly every test signs up users and signs them in: checking again
 * what was just computed was a large share of the suite's CPU. (Production keeps no password in
 * memory; only tests use this.)
 */
import { argon2Passwords, type Passwords } from '../../services/passwords.js';

const made = new Map<string, string>();

export const testPasswords: Passwords = {
  async hash(password) {
    const hash = await argon2Passwords.hash(password);
    made.set(hash, password);
    return hash;
  },
  async verify(password, hash) {
    if (made.get(hash) === password) return true;
    return argon2Passwords.verify(password, hash);
  },
};
