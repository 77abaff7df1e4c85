/** Schemas shared by every route's OpenAPI description. */
import { z } from '@hono/zod-openapi';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_input' }),
      message: z.string().openapi({ example: 'body.amount: Too small: expected number to be >0' }),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');
