/** Schemas and small builders shared by every route's OpenAPI description. */
import { z } from '@hono/zod-openapi';
import { ATTACHMENT_ID } from '../services/attachments.js';
import { EMAIL_PATTERN, emailAddress } from '../services/email-address.js';
import { loginPrefixPattern } from '../services/user-admin.js';
import { trimmedTextPattern } from '../workflows/lib/text.js';
import { HTTP_URL, HTTP_URL_PATTERN } from '../workflows/lib/web-address.js';
import { wholeNumber } from './whole-number.js';

/** One refused field of a request, as every refusal of particular fields lists it in `details.fields`. */
const RefusedField = z
  .object({
    path: z.string().openapi({ description: 'where the request carries it: `body.…`, `query.…`, `param.…` (the path’s) or `header.…`', example: 'body.amountCents' }),
    message: z.string().openapi({ example: 'Too small: expected number to be >0' }),
    code: z.string().openapi({ description: 'what is wrong: a schema check’s (`too_small`, `invalid_type`, `unrecognized_keys`…), `custom` for a rule of ours, or a named one such as `invalid_cursor`', example: 'too_small' }),
  })
  .openapi('RefusedField');

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_input' }),
      message: z.string().openapi({ example: 'body.amountCents: Too small: expected number to be >0' }),
      details: z
        .object({
          fields: z.array(RefusedField).min(1).optional().openapi({ description: 'each refused field: every 400 `invalid_input` has it, and any other refusal of particular fields (a taken login, a rule a field breaks); the message starts with the first one’s path' }),
        })
        .catchall(z.unknown())
        .openapi({ description: 'what more the code says, always present (`{}` when nothing more): `fields`, and for some codes more (`missingCents`, `requestId`, `retryAfterSeconds`, `allowed`…)' }),
    }),
  })
  .openapi('Error');

const errorDescriptions = {
  400: 'Invalid input: `details.fields` lists each offending field path',
  401: 'Not signed in, or wrong credentials',
  403: 'Signed in, but not allowed (role missing, account blocked)',
  404: 'Unknown, or not yours',
  409: 'The current state does not allow this',
  413: 'The body is larger than 64 KB',
  415: 'The body is not JSON',
  422: 'A business rule refuses it (e.g. insufficient funds, with the missing amount)',
  429: 'Too many attempts: see `Retry-After`',
  500: 'Our fault: `details.requestId` names the request in our logs',
  503: 'A service could not be reached: the database or Temporal (`service_unavailable`, with `Retry-After`), or on payment routes a payment provider (`provider_unavailable`, nothing was charged or sent); try again',
} as const;

/** The documented error responses of a route, all in the one error shape. */
export function errorResponses<S extends keyof typeof errorDescriptions>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((status) => [status, { description: errorDescriptions[status], content: { 'application/json': { schema: ErrorSchema } } }]),
  ) as unknown as Record<S, { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }>;
}

/**
 * The answers every operation can give, whatever it does, documented with each by `secured()`:
 * every request passes the door (`api/door.ts`: a body of at most 64 KB, 413; in JSON, 415; no
 * unstorable text in its path, query or body, 400), may meet a fault of ours (500) or find the
 * database or Temporal unreachable (503), and one to an operation that needs a session may have
 * none (401) or a blocked account's (403).
 */
export function commonResponses(signedIn: boolean) {
  const typed = signedIn ? errorResponses(400, 401, 403, 413, 415, 500) : errorResponses(400, 413, 415, 500);
  // 503 is answered by `onError` alone, never returned by a handler: documented, left out of the
  // routes' types (one more status on all of them is past what TypeScript can represent).
  return { ...typed, ...errorResponses(503) } as typeof typed;
}

/**
 * `schema` or null, for a schema registered as a component (`.openapi('Name')`): its own
 * `.nullable()` would make the component itself nullable, everywhere it is used.
 */
export function orNull<T extends z.ZodType>(schema: T) {
  return z.union([schema, z.null()]);
}

/** A JSON response. */
export function json<T extends z.ZodType>(description: string, schema: T) {
  return { description, content: { 'application/json': { schema } } };
}

/** A required JSON request body. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { content: { 'application/json': { schema } }, required: true } };
}

/**
 * An integer sent as text (a path or query parameter), documented as the integer it is and read
 * as the document's readers read one: the value of a JSON number with no fraction (`7`, `7.0`,
 * `7e0`; `./whole-number.ts`). Text that is no JSON number (`+7`, ` 7`, `0x10`) or has a
 * fraction (`7.5`) is refused (400), never guessed at; so is a value out of `min`..`max`.
 */
export function wholeNumberParam(min: number, max: number, options: { default?: number } = {}) {
  const schema = z
    .string()
    .transform((text, ctx) => {
      const read = wholeNumber(text);
      if ('value' in read) return Number(read.value);
      ctx.addIssue({ code: 'invalid_format', format: 'integer', input: text, message: `${read.refused}: an integer such as 7` });
      return z.NEVER;
    })
    // Past JavaScript's safe integers Number() rounds, but every bound here is within them: the rounded value is out of range too.
    .pipe(z.number().int().min(min).max(max))
    .openapi({ type: 'integer', minimum: min, maximum: max, ...(options.default === undefined ? {} : { default: options.default }) });
  return options.default === undefined ? schema : schema.default(options.default);
}

/**
 * The `Idempotency-Key` header: the rule is `services/idempotency.ts`'s. A retry with the same key
 * and request answers what the first request did; the same key with a different request is 422
 * `idempotency_key_reused`. Keys are each user's own, one key for one request across the routes
 * that take them, kept for good (at least the 24 h a client may retry for).
 */
export const idempotencyKeyHeader = z
  .string()
  .min(1)
  .max(100)
  .openapi({
    description:
      'A key of your choosing for this request: a retry with the same key and body answers what the first request did; ' +
      'the same key with a different request is refused (422 `idempotency_key_reused`). Keys are yours alone and never lapse.',
  });

/**
 * Free text as people type it: at most `max` characters as sent, at least `min` once trimmed
 * (blank text is no text), kept trimmed and Unicode-normalised (NFC). The document says both
 * bounds as sent: `maxLength`, and `trimmedTextPattern(min)` for the trimmed one (so a title of
 * spaces is not a valid request there either). `max` holds again after normalising, which
 * lengthens a few rare characters. The same bounds as an Update validator's `textRefusal`.
 */
export const Text = (min: number, max: number) =>
  z.string().max(max).trim().min(min).normalize().max(max).openapi({ pattern: trimmedTextPattern(min) });

/**
 * Up to `max` of the caller's uploads (`POST /attachments`), each at most once: the services
 * refuse an id named twice (400), which `uniqueItems` tells the document's readers.
 */
export const attachmentIdList = (max: number) => z.array(z.string().regex(ATTACHMENT_ID)).max(max).openapi({ uniqueItems: true });

/**
 * A web address people follow (`workflows/lib/web-address.ts`): http or https, as the document's `uri`
 * with its pattern says, that a browser parses. Not `z.url()`, which trims what it reads: the
 * document refuses ` http://example.com`, and so does the API.
 */
export const httpUrl = (max: number) =>
  z
    .string()
    .max(max)
    .regex(HTTP_URL, 'an http:// or https:// address')
    .refine((url) => URL.canParse(url), 'not a web address a browser can open')
    // Both: zod writes a refined string's pattern in place of a format, and `\/` in a pattern's source.
    .openapi({ format: 'uri', pattern: HTTP_URL_PATTERN });

/**
 * A moment with its offset (`2030-01-31T18:00:00Z`, `…+02:00`), RFC 3339 as zod reads it: the
 * document's `date-time` also takes a lower-case `t` or `z` and a leap second (`23:59:60`), which
 * zod refuses, so the pattern leaves them out. The format checks the day (no 30 February).
 */
export const DateTime = z.iso.datetime({ offset: true }).openapi({
  format: 'date-time',
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$',
});

/** An email address (`services/email-address.ts`), with its pattern in the document. */
/** The start of a login, as a search takes it: `min` to 32 letters, digits or underscores (any case). */
export const loginPrefix = (min: number) =>
  z
    .string()
    .regex(loginPrefixPattern(min), `${min} to 32 letters, digits or underscores`)
    .openapi({ description: 'the login’s first characters', example: 'ann' });

export const Email = emailAddress().openapi({ pattern: EMAIL_PATTERN.source, example: 'alice@example.com' });

/** The largest id an `int8` column takes that JavaScript holds exactly. */
export const MAX_ID = Number.MAX_SAFE_INTEGER;
/** The largest value of an `integer` (int4) column, such as a category's id. */
export const MAX_INT4 = 2_147_483_647;

/** An id in a JSON body: a positive integer a bigint column holds (JSON numbers are checked as numbers). */
export const Id = z.number().int().positive().max(MAX_ID);
/** An id of an `integer` (int4) column in a JSON body: a category's. */
export const Int4Id = z.number().int().positive().max(MAX_INT4);

/** A positive id in a path (`/top-ups/{id}`): an integer (`wholeNumberParam`); a malformed one is 400. */
export const IdParam = z.object({ id: wholeNumberParam(1, MAX_ID) });

/** Amounts are integer cents. */
export const Cents = z.number().int().openapi({ description: 'integer cents (USD)', example: 1000 });
