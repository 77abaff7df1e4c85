/**
 * An email address as gigflow takes one, in the API and the web client alike: zod's address
 * shape (no `}` or `|` before the @), domain labels as DNS has them (1 to 63 characters, no
 * hyphen at either end), at most 64 characters before the @ (RFC 5321) and 254 in all. The API's
 * document carries the pattern beside the `email` format, whose readers hold the 64 too.
 */
import { z } from 'zod';

export const EMAIL_PATTERN = /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
const MAX_LOCAL_PART = 64;
const MAX_ADDRESS = 254;

/** An email address field; `error` is what a refused one is told (zod's "Invalid email address" when not given). */
export const emailAddress = (error?: string) =>
  z
    .email({ pattern: EMAIL_PATTERN, ...(error ? { error } : {}) })
    .max(MAX_ADDRESS, error ? { error } : undefined)
    .refine((email) => email.indexOf('@') <= MAX_LOCAL_PART, { error: error ?? `at most ${MAX_LOCAL_PART} characters before the @` });
