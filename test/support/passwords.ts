/**
 * The tests' passwords: gigflow's own argon2id (`services/passwords.ts`), salted and encoded as
 * production's, at the lowest cost argon2id takes (64 KiB, one pass) instead of OWASP's minimum
 * (19 MiB, two passes). Nearly every test signs users up and in, and at production's cost each
 * hash and check took 70–100 ms of CPU: about a tenth of the suite's. A check reads the cost
 * from the hash, so a wrong password, a hash made elsewhere and the unknown login's decoy
 * (production's cost) are checked exactly as production checks them. Production's own cost is
 * tested in test/unit/passwords.test.ts.
 */
import { argon2idPasswords, type Argon2Cost } from '../../services/passwords.js';

export const TEST_COST: Argon2Cost = { memorySize: 64, iterations: 1, parallelism: 1 };

export const testPasswords = argon2idPasswords(TEST_COST);
