/**
 * Password hashing: argon2id (hash-wasm, no native build) with OWASP's minimum parameters
 * (19 MiB, 2 passes, 1 lane). Hashes are PHC strings that carry their own parameters, so
 * raising them later still verifies old hashes.
 */
import { randomBytes } from 'node:crypto';
import { argon2id, argon2Verify } from 'hash-wasm';

/** argon2id's cost: memory in KiB, passes, lanes. */
export interface Argon2Cost {
  memorySize: number;
  iterations: number;
  parallelism: number;
}

/** OWASP's minimum for argon2id: what production hashes with. */
export const OWASP_MINIMUM: Argon2Cost = { memorySize: 19_456, iterations: 2, parallelism: 1 };

export function hashPassword(password: string, cost: Argon2Cost = OWASP_MINIMUM): Promise<string> {
  return argon2id({ password, salt: randomBytes(16), ...cost, hashLength: 32, outputType: 'encoded' });
}

/** Checks with the parameters the hash carries, whatever made it. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (!hash) return false;
  return argon2Verify({ password, hash });
}

/** How the accounts hash and check passwords: `argon2Passwords` (tests hash at a lower cost). */
export interface Passwords {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
}

/** argon2id hashing at `cost`, salted; checks any argon2id hash. */
export function argon2idPasswords(cost: Argon2Cost): Passwords {
  return { hash: (password) => hashPassword(password, cost), verify: verifyPassword };
}

export const argon2Passwords: Passwords = argon2idPasswords(OWASP_MINIMUM);

/** A hash to verify against when the login is unknown, so both cases take the same time. */
export const decoyHash = await hashPassword(randomBytes(16).toString('hex'));
