/** Schemas and small builders shared by every route's OpenAPI description. */
import { z } from '@hono/zod-openapi';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_input' }),
      message: z.string().openapi({ example: 'body.amountCents: Too small: expected number to be >0' }),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

const errorDescriptions = {
  400: 'Invalid input: `details.fields` lists each offending field path',
  401: 'Not signed in, or wrong credentials',
  403: 'Signed in, but not allowed (role missing, account blocked)',
  404: 'Unknown, or not yours',
  409: 'The current state does not allow this',
  422: 'A business rule refuses it (e.g. insufficient funds, with the missing amount)',
  429: 'Too many attempts: see `Retry-After`',
} as const;

/** The documented error responses of a route, all in the one error shape. */
export function errorResponses<S extends keyof typeof errorDescriptions>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((status) => [status, { description: errorDescriptions[status], content: { 'application/json': { schema: ErrorSchema } } }]),
  ) as unknown as Record<S, { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }>;
}

/** A JSON response. */
export function json<T extends z.ZodType>(description: string, schema: T) {
  return { description, content: { 'application/json': { schema } } };
}

/** A required JSON request body. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { content: { 'application/json': { schema } }, required: true } };
}

/** A positive id in a path (`/top-ups/{id}`); a malformed one is 400. */
export const IdParam = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

/** Amounts are integer cents. */
export const Cents = z.number().int().openapi({ description: 'integer cents (USD)', example: 1000 });
