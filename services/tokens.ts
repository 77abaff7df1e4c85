/**
 * The one-time secrets the account services mail and hand out (email codes, activation links,
 * sessions): random, and stored only as their SHA-256.
 */
import { createHash, randomBytes } from 'node:crypto';

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** 32 random bytes; the prefix tells a leaked token's kind at a glance (secret scanners use it). */
export const newToken = (prefix: string) => `${prefix}_${randomBytes(32).toString('base64url')}`;
