/** W-17, W-18: the caller's invoicing data, their invoices, and an invoice's PDF. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { InvoicingService } from '../../services/invoicing.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { Cents, errorResponses, IdParam, json, jsonBody, orNull, Text } from '../schemas.js';
import { contentDisposition } from './attachments.js';

const Line = (max: number, example: string) => Text(1, max).openapi({ example });

const InvoicingProfile = z
  .object({
    firstName: Line(100, 'Anna'),
    lastName: Line(100, 'Nowak'),
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/)
      .openapi({ description: 'ISO 3166-1 alpha-2 (W-18); an unassigned code answers 422', example: 'PL' }),
    company: orNull(
      z
        .object({
          name: Line(200, 'Nowak Studio sp. z o.o.'),
          address: Line(300, 'ul. Długa 1, 00-001 Warszawa'),
          taxId: z.string().min(1).max(40).openapi({
            description:
              'checked for the country (W-18): PL NIP with its check digit, DE/GB/FR and every EU VAT format (prefix optional), elsewhere 4–20 letters or digits; stored normalised, with the VAT prefix in the EU and GB',
            example: 'PL5252248481',
          }),
        })
        .strict()
        .openapi({ description: 'when invoicing as a company: all three are required' }),
    ),
  })
  .strict()
  .openapi('InvoicingProfile');

const InvoiceSummary = z
  .object({
    id: z.number().int(),
    number: z.string().openapi({ example: 'GF/2026/000123', description: 'without gaps per calendar year (Europe/Warsaw, W-14)' }),
    jobId: z.number().int().nullable(),
    issuedAt: z.string(),
    totalCents: Cents,
    currency: z.literal('USD'),
  })
  .openapi('InvoiceSummary');

const routes = {
  profile: secured(access.user, {
    method: 'get',
    path: '/me/invoicing',
    tags: ['invoices'],
    summary: 'The caller’s invoicing data (W-18), or null before they give it',
    responses: { 200: json('The invoicing data', orNull(InvoicingProfile)) },
  }),
  setProfile: secured(access.user, {
    method: 'put',
    path: '/me/invoicing',
    tags: ['invoices'],
    summary: 'Sets the caller’s invoicing data: first name, last name, country; a company adds name, address and a tax id checked per country (W-18)',
    request: jsonBody(InvoicingProfile),
    responses: { 200: json('The invoicing data as saved', InvoicingProfile), ...errorResponses(422) },
  }),
  list: secured(access.user, {
    method: 'get',
    path: '/me/invoices',
    tags: ['invoices'],
    summary: 'The caller’s invoices, newest first (W-17)',
    responses: { 200: json('The invoices', z.array(InvoiceSummary)) },
  }),
  pdf: secured(access.party('support', 'admin'), {
    method: 'get',
    path: '/invoices/{id}/pdf',
    tags: ['invoices'],
    summary: 'Download an invoice as a PDF: its client, support and admins (W-17)',
    request: { params: IdParam },
    responses: {
      200: {
        description: 'The invoice, as `Content-Disposition: attachment` with `X-Content-Type-Options: nosniff`',
        headers: {
          'Content-Disposition': { description: 'attachment; filename="GF-2026-000123.pdf"', schema: { type: 'string' } },
          'X-Content-Type-Options': { description: 'nosniff', schema: { type: 'string' } },
        },
        content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
      },
      ...errorResponses(404),
    },
  }),
};

/** The headers an invoice's download answers with (the web client's too, W-17). */
export function invoiceHeaders(file: { name: string; bytes: Buffer }): Record<string, string> {
  return {
    'Content-Type': 'application/pdf',
    'Content-Length': String(file.bytes.length),
    'Content-Disposition': contentDisposition(file.name),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'private, no-store',
  };
}

export function invoiceRoutes({ invoicing }: { invoicing: InvoicingService }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.profile, async (c) => c.json(await invoicing.profile(callerOf(c).id), 200))
    .openapi(routes.setProfile, async (c) => c.json(await invoicing.setProfile(callerOf(c).id, c.req.valid('json')), 200))
    .openapi(routes.list, async (c) => c.json(await invoicing.invoices(callerOf(c).id), 200))
    .openapi(routes.pdf, async (c) => {
      const file = await invoicing.pdf(callerOf(c), Number(c.req.valid('param').id));
      return c.body(new Uint8Array(file.bytes), 200, invoiceHeaders(file)) as never;
    });
}
