/**
 * Forms in, errors out: a browser's form body read into fields, checked with zod schemas that
 * apply the same storable-text rule as the API and the workflows' validators, and every failure
 * turned into the status the API gives it and a message for the field or the action it concerns.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import { statusOf } from '../api/errors.js';
import { AppError } from '../workflows/lib/errors.js';
import { forbiddenCharacter } from '../workflows/lib/text.js';
import type { FieldErrors } from './ui.js';

export type FormData = Record<string, string | string[]>;

/**
 * The form's fields (files dropped). Browsers send a textarea's line breaks as CRLF; they
 * become `\n`, as the API stores them, before any check (a bare CR is a control character).
 */
export async function readForm(c: Context): Promise<FormData> {
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) return {};
  const body = await c.req.parseBody({ all: true });
  const out: FormData = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === '_csrf') continue;
    const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string').map((v) => v.replace(/\r\n?/g, '\n'));
    if (values.length === 1) out[key] = values[0]!;
    else if (values.length > 1) out[key] = values;
  }
  return out;
}

/** Text gigflow can store (no NUL, lone surrogate or control character), trimmed, `min`–`max` characters. */
export function text(max: number, min = 1) {
  return z
    .string({ error: 'required' })
    .normalize()
    .trim()
    .superRefine((s, ctx) => {
      const bad = forbiddenCharacter(s);
      if (bad) ctx.addIssue({ code: 'custom', message: bad });
      else if (s.length < min) ctx.addIssue({ code: 'custom', message: min === 1 ? 'required' : `at least ${min} characters` });
      else if (s.length > max) ctx.addIssue({ code: 'custom', message: `at most ${max} characters` });
    });
}

/** Optional text: an empty field is `undefined`. */
export const optionalText = (max: number) => z.preprocess((v) => (v === '' ? undefined : v), text(max).optional());

/** A whole number from a form field, within `min`–`max` (an int4 column's range at most). */
export function whole(min: number, max = 2_147_483_647, label = 'a whole number') {
  return z.preprocess(
    (v) => (typeof v === 'string' && /^\s*-?\d{1,10}\s*$/.test(v) ? Number(v) : v === '' ? undefined : v),
    z.number({ error: `enter ${label}` }).int().min(min, `at least ${min}`).max(max, `at most ${max}`),
  );
}

/** Dollars typed by a person (`12`, `12.5`, `12.50`) as integer cents. */
export function dollars(minCents: number, maxCents: number) {
  return z.preprocess(
    (v) => (typeof v === 'string' && /^\s*\d{1,7}(\.\d{1,2})?\s*$/.test(v) ? Math.round(Number(v) * 100) : v === '' ? undefined : Number.NaN),
    z
      .number({ error: 'enter an amount in dollars, such as 25 or 25.50' })
      .refine((n) => Number.isFinite(n), 'enter an amount in dollars, such as 25 or 25.50')
      .refine((n) => n >= minCents, `at least $${(minCents / 100).toFixed(2)}`)
      .refine((n) => n <= maxCents, `at most $${(maxCents / 100).toFixed(2)}`),
  );
}

/** A checkbox: present means yes. */
export const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === '1', z.boolean());

/** Ids picked in a form (checkboxes, a multi-select): digits only. */
export const ids = z.preprocess(
  (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
  z.array(z.string().regex(/^\d{1,10}$/, 'not a valid choice').transform(Number)),
);

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors };

/** The form checked against its schema: its data, or each field's first problem. */
export function parseForm<S extends z.ZodType>(schema: S, form: FormData): Parsed<z.output<S>> {
  const result = schema.safeParse(form);
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.code === 'unrecognized_keys' ? issue.keys[0]! : String(issue.path[0] ?? '_form');
    errors[field] ??= issue.message;
  }
  return { ok: false, errors };
}

/** A refusal shown on the page: the API's status for its code, its message, the field it names. */
export interface Refusal {
  status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429;
  code: string;
  message: string;
  errors: FieldErrors;
}

/** The refusal a service's AppError means; anything else is not a refusal (it is rethrown). */
export function refusalOf(err: unknown): Refusal {
  if (!(err instanceof AppError)) throw err;
  const field = typeof err.details?.field === 'string' ? err.details.field : undefined;
  const message = err.message.charAt(0).toUpperCase() + err.message.slice(1);
  return { status: statusOf[err.code] as Refusal['status'], code: err.code, message, errors: field ? { [field]: message } : {} };
}
