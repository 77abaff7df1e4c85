/**
 * Forms in, errors out: a browser's form body read into fields, checked with zod schemas that
 * apply the same storable-text rule as the API and the workflows' validators, and every failure
 * turned into the status the API gives it and a message for the field or the action it concerns.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import { statusOf } from '../api/errors.js';
import { countryCodeOf } from '../services/tax-ids.js';
import { AppError } from '../workflows/lib/errors.js';
import { isId } from '../workflows/lib/ids.js';
import { charCount, forbiddenCharacter } from '../workflows/lib/text.js';
import { HTTP_URL } from '../workflows/lib/web-address.js';
import { money, sentenceCase, type FieldErrors } from './ui.js';

export type FormData = Record<string, string | string[]>;

/**
 * The form's fields (files dropped), but the CSRF token. Browsers send a textarea's line
 * breaks as CRLF; they become `\n`, as the API stores them, before any check (a bare CR is a
 * control character).
 */
export async function readForm(c: Context): Promise<FormData> {
  const { _csrf: _, ...fields } = await formBody(c);
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Array.isArray(v) ? v.map(crlf) : crlf(v)]));
}

const crlf = (v: string) => v.replace(/\r\n?/g, '\n');

/** Every field of a form body, the CSRF token too (read once: the CSRF check and the page share it). */
export async function formBody(c: Context): Promise<FormData> {
  const type = c.req.header('content-type') ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) return decodeFields(new Uint8Array(await c.req.arrayBuffer()));
  if (!type.startsWith('multipart/form-data')) return {};
  const body = await c.req.parseBody({ all: true });
  const out: FormData = {};
  for (const [key, value] of Object.entries(body)) {
    const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
    if (values.length) out[key] = values.length === 1 ? values[0]! : values;
  }
  return out;
}

/** The page's query string as form fields (a GET form's), decoded as a form body is. */
export const readQuery = (c: Context): FormData => decodeFields(new TextEncoder().encode(new URL(c.req.url).search.slice(1)));

/**
 * `application/x-www-form-urlencoded` fields, a repeated name becoming a list. Escapes are
 * decoded as UTF-8, but bytes that are no UTF-8 (a lone surrogate's WTF-8 bytes `%ED%A0%80`,
 * a stray `%FF`) become lone surrogates U+DC80–U+DCFF (PEP 383's "surrogateescape") rather
 * than U+FFFD: the storable-text rule then refuses the field they are in, beside it, instead
 * of storing a replacement character nobody typed. A browser never sends such bytes.
 */
export function decodeFields(body: Uint8Array): FormData {
  const fields = new Map<string, string | string[]>();
  for (const pair of split(body, 0x26)) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf(0x3d);
    const key = decodePart(eq < 0 ? pair : pair.subarray(0, eq));
    const value = eq < 0 ? '' : decodePart(pair.subarray(eq + 1));
    const seen = fields.get(key);
    fields.set(key, seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value]);
  }
  // Object.fromEntries makes `__proto__` an own field, never the object's prototype.
  return Object.fromEntries(fields);
}

function split(bytes: Uint8Array, separator: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== separator) continue;
    parts.push(bytes.subarray(start, i));
    start = i + 1;
  }
  return parts;
}

const isHex = (b: number | undefined) => b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One name or value: `+` is a space, `%XX` a byte; the bytes read as UTF-8 with surrogate escapes. */
function decodePart(part: Uint8Array): string {
  const bytes: number[] = [];
  for (let i = 0; i < part.length; i++) {
    const b = part[i]!;
    if (b === 0x25 && isHex(part[i + 1]) && isHex(part[i + 2])) {
      bytes.push(parseInt(String.fromCharCode(part[i + 1]!, part[i + 2]!), 16));
      i += 2;
    } else bytes.push(b === 0x2b ? 0x20 : b);
  }
  const all = Uint8Array.from(bytes);
  try {
    return utf8.decode(all);
  } catch {
    let out = '';
    for (let i = 0; i < all.length; ) {
      const n = sequenceAt(all, i);
      out += n ? utf8.decode(all.subarray(i, i + n)) : String.fromCharCode(0xdc00 + all[i]!);
      i += n || 1;
    }
    return out;
  }
}

/** The length of the well-formed UTF-8 sequence at `i`, or 0. */
function sequenceAt(bytes: Uint8Array, i: number): number {
  const lead = bytes[i]!;
  const n = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
  if (n === 0 || i + n > bytes.length) return 0;
  try {
    utf8.decode(bytes.subarray(i, i + n));
    return n;
  } catch {
    return 0;
  }
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
      else if (charCount(s) < min) ctx.addIssue({ code: 'custom', message: min === 1 ? 'required' : `at least ${min} characters` });
      else if (charCount(s) > max) ctx.addIssue({ code: 'custom', message: `at most ${max} characters` });
    });
}

/** Optional text: an empty field is `undefined`. */
export const optionalText = (max: number) => z.preprocess((v) => (v === '' ? undefined : v), text(max).optional());

/**
 * A web address as people paste it (zod's `z.url` trims it), under the API's rule
 * (../workflows/lib/web-address.ts): one `message` for any address the rule refuses.
 */
export const webAddress = (max: number, message: string, tooLong: string) =>
  z.url({ protocol: /^https?$/, error: message }).regex(HTTP_URL, message).max(max, tooLong);

/**
 * A number as a person types it: digits with an optional sign, thousands commas (`1,000`) and
 * decimals after a point, or after a comma when no thousands are grouped (`2,5` is 2.5);
 * `undefined` for a blank field, NaN for anything else (`abc`, `1e3`, `0x10`). Any length: a
 * number too large for its field is told its bound, not that it is no number.
 */
export function typedNumber(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim();
  if (s === '') return undefined;
  if (/^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) return Number(s.replace(/,/g, ''));
  if (/^[-+]?\d+([.,]\d+)?$/.test(s)) return Number(s.replace(',', '.'));
  return Number.NaN;
}

/** A whole number from a form field, within `min`–`max` (an int4 column's range at most). */
export function whole(min: number, max = 2_147_483_647, label = 'a whole number') {
  return z.preprocess(
    (v) => (v === '' ? undefined : typedNumber(v)),
    z
      .number({ error: `enter ${label}` })
      .refine((n) => !Number.isNaN(n), `enter ${label}`)
      .refine((n) => Number.isInteger(n) || n < min || n > max, `enter ${label}`)
      .refine((n) => n >= min, `at least ${min}`)
      .refine((n) => n <= max, `at most ${max}`),
  );
}

/**
 * A number with decimals within `min`–`max` in steps of `step` (an estimate's hours: 0.25 to
 * 200 in quarter hours): every refusal names the bounds, none is zod's own wording.
 */
export function decimal(min: number, max: number, step: { size: number; message: string }, what: string) {
  const range = `from ${min} to ${max} ${what}`;
  const typed = `enter ${what} from ${min} to ${max}`;
  return z.preprocess(
    (v) => typedNumber(v) ?? Number.NaN,
    z
      .number({ error: typed })
      .refine((n) => !Number.isNaN(n), typed)
      .refine((n) => n >= min && n <= max, range)
      .refine((n) => Math.abs(n / step.size - Math.round(n / step.size)) < 1e-9, step.message),
  );
}

/**
 * Dollars typed by a person (`12`, `12.5`, `$12.50`, `1,000`) as integer cents. Bounds read as
 * every amount on the pages does (`$10,000.00`).
 */
export function dollars(minCents: number, maxCents: number) {
  const example = 'enter an amount in dollars, such as 25 or 25.50';
  return z.preprocess(
    (v) => {
      if (typeof v !== 'string') return v;
      const amount = v.trim().replace(/^\$\s*/, '');
      if (amount === '') return v.trim() === '' ? undefined : Number.NaN;
      // Cents at most: `12.505` is no amount of money.
      if (/[.,]\d{3,}$/.test(amount) && !/^\d{1,3}(,\d{3})+$/.test(amount)) return Number.NaN;
      const n = typedNumber(amount);
      return typeof n === 'number' ? Math.round(n * 100) : Number.NaN;
    },
    z
      .number({ error: example })
      .refine((n) => Number.isFinite(n), example)
      .refine((n) => n >= minCents, `at least ${money(minCents)}`)
      .refine((n) => n <= maxCents, `at most ${money(maxCents)}`),
  );
}

/** A country as typed: its two-letter code (`PL`) or its English name (`Poland`), as the code (W-18, W-22). */
export const country = text(60).transform((s, ctx) => {
  const code = countryCodeOf(s);
  if (code) return code;
  ctx.addIssue({ code: 'custom', message: 'the two-letter country code, such as PL for Poland' });
  return z.NEVER;
});

/** A checkbox: absent means no, a browser's `on` yes; anything else is no choice of the form's. */
export const checkbox = z.preprocess(
  (v) => (v === undefined ? 'off' : v),
  z.enum(['off', 'on', 'true', '1'], { error: 'not a valid choice' }).transform((v) => v !== 'off'),
);

/**
 * The box a person ticks before an action that cannot be undone (accepting a delivery, approving
 * a job…): the page renders it `required`, so a browser sends the form only ticked; a form sent
 * without it is refused beside the box, and nothing is done.
 */
export const ticked = z.literal('on', { error: 'tick the box to confirm' });

/** An id in a page's address (or a cursor): digits only, a positive id (`isId`); anything else is no id. */
export function idOf(raw: string | undefined): number | undefined {
  if (!raw || !/^[0-9]{1,16}$/.test(raw)) return undefined;
  const id = Number(raw);
  return isId(id) ? id : undefined;
}

/** A field's value as one string: the first of a repeated field. */
export const firstOf = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** Ids picked in a form (checkboxes, a multi-select): digits only. */
export const ids = z.preprocess(
  (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
  z.array(z.string().regex(/^\d{1,10}$/, 'not a valid choice').transform(Number)),
);

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors };

/**
 * The form checked against its schema: its data, or each field's first problem. Every value,
 * of a field the schema reads or not, must be storable text (the API's door check): a hidden
 * field, a password or a key is refused for a NUL as a text field is.
 */
export function parseForm<S extends z.ZodType>(schema: S, form: FormData): Parsed<z.output<S>> {
  const errors: FieldErrors = {};
  for (const [field, value] of Object.entries(form)) {
    const bad = (Array.isArray(value) ? value : [value]).map(forbiddenCharacter).find((m) => m !== null);
    if (bad) errors[field] = bad;
  }
  const result = schema.safeParse(form);
  if (result.success && Object.keys(errors).length === 0) return { ok: true, data: result.data };
  for (const issue of result.error?.issues ?? []) {
    const field = issue.code === 'unrecognized_keys' ? issue.keys[0]! : String(issue.path[0] ?? '_form');
    errors[field] ??= issue.message;
  }
  return { ok: false, errors };
}

/** A refusal's field errors on a form with a file field: an upload's own refusal (too large, not a K-69 format, over the quota) goes beside the file. */
export const errorsBesideFile = (r: Refusal): FieldErrors =>
  ['payload_too_large', 'unsupported_media_type', 'quota_exceeded'].includes(r.code) ? { file: r.message } : r.errors;

/** A refusal shown on the page: the API's status for its code, its message, the field it names. */
export interface Refusal {
  status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 503;
  code: string;
  message: string;
  errors: FieldErrors;
  /** `insufficient_funds`: what the balance lacks (K-02, W-07), from the error's details. */
  missingCents?: number;
  /** `rate_limited`: whole seconds until a try is let in, for `Retry-After` (as the API sends it). */
  retryAfterSeconds?: number;
}

/**
 * What a page shows back after a refused form: which form on it (`key`), its errors and the
 * fields as sent, the refusal's status and message, and — for a payment short of money — what
 * the balance lacks (K-02, W-07).
 */
export interface ShownForm {
  key?: string;
  errors?: FieldErrors;
  form?: FormData;
  status?: Refusal['status'];
  message?: string;
  missingCents?: number;
}

/**
 * The refusal a service's AppError means; anything else is not a refusal (it is rethrown). Its
 * `details.fields` become the form's field errors, by the field's name in the request
 * (`body.login` → `login`; `rename`, a table or a function, maps it to the form's own name where
 * they differ); the message is the one field's own when the refusal names one (without the
 * API's `body.login: ` prefix).
 */
export function refusalOf(err: unknown, rename: Record<string, string> | ((name: string) => string) = {}): Refusal {
  if (!(err instanceof AppError)) throw err;
  // A field's message goes beside it as it is (FieldError writes it in sentence case).
  const fields = (Array.isArray(err.details?.fields) ? (err.details.fields as { path?: unknown; message?: unknown }[]) : []).flatMap((f) =>
    typeof f.path === 'string' && typeof f.message === 'string' ? [{ name: f.path.replace(/^(body|query|param|header)\./, ''), message: f.message }] : [],
  );
  const errors: FieldErrors = {};
  const formName = typeof rename === 'function' ? rename : (name: string) => rename[name] ?? name;
  for (const { name, message } of fields) errors[formName(name)] ??= message;
  const message = sentenceCase(fields.length === 1 ? fields[0]!.message : err.message);
  const missing = err.code === 'insufficient_funds' && typeof err.details?.missingCents === 'number' ? err.details.missingCents : undefined;
  const wait = err.code === 'rate_limited' && typeof err.details?.retryAfterSeconds === 'number' ? err.details.retryAfterSeconds : undefined;
  return {
    status: statusOf[err.code] as Refusal['status'],
    code: err.code,
    message,
    errors,
    ...(missing === undefined ? {} : { missingCents: missing }),
    ...(wait === undefined ? {} : { retryAfterSeconds: wait }),
  };
}
