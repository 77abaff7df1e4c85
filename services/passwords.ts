/**
 * Password hashing: argon2id (hash-wasm, no native build) with OWASP's minimum parameters
 * (19 MiB, 2 passes, 1 lane). Hashes are PHC strings that carry their own parameters, so
 * raising them later still verifies old hashes.
 */
import { randomBytes } from 'node:crypto';
import { argon2id, argon2Verify } from 'hash-wasm';

export function hashPassword(password: string): Promise<string> {
  return argon2id({
    password,
    salt: randomBytes(16),
    parallelism: 1,
    iterations: 2,
    memorySize: 19_456,
    hashLength: 32,
    outputType: 'encoded',
  });
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (!hash) return false;
  return argon2Verify({ password, hash });
}

/** How the accounts hash and check passwords: `argon2Passwords` (tests wrap it). */
export interface Passwords {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
}

export const argon2Passwords: Passwords = { hash: hashPassword, verify: verifyPassword };

/** A hash to verify against when the login is unknown, so both cases take the same time. */
export const decoyHash = await hashPassword(randomBytes(16).toString('hex'));
