/**
 * Attachments (K-69): upload a file (`multipart/form-data`, one `file` field), then name its id
 * on a message (`attachmentIds`), an offer's images or a portfolio item; download it where you
 * may. A file is judged by its content, never its name or declared type.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { ALLOWED_FORMAT_NAMES, ATTACHMENT_CONTENT_TYPES, ATTACHMENT_ID, type Attachments } from '../../services/attachments.js';
import { attachmentRules } from '../../services/policy.js';
import { AppError } from '../../workflows/lib/errors.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { ErrorSchema, errorResponses, json } from '../schemas.js';

/** An attachment as messages, offers and portfolio items show it. */
export const AttachmentInfo = z
  .object({
    id: z.string().openapi({ description: '128 random bits, base64url: not guessable', example: 'q3Vx0bB2S1eW9m4kR7tYzA' }),
    name: z.string().openapi({ description: 'the uploaded file’s name, cleaned: no folders, no control characters, at most 200 characters' }),
    contentType: z.string().openapi({ description: 'detected from the file’s content (K-69), never the client’s', example: 'image/png' }),
    size: z.number().int().openapi({ description: 'bytes' }),
  })
  .openapi('AttachmentInfo');

/** K-37: a finished order's result in its seller's portfolio. */
export const PortfolioItem = z
  .object({
    id: z.number().int(),
    orderId: z.number().int(),
    offer: z.object({ id: z.number().int(), title: z.string() }),
    title: z.string().nullable(),
    createdAt: z.string(),
    attachments: z.array(AttachmentInfo).openapi({ description: 'images, video or audio; download each at `GET /attachments/{id}`' }),
  })
  .openapi('PortfolioItem');

const Attachment = z.object({ ...AttachmentInfo.shape, createdAt: z.string() }).openapi('Attachment');

export const AttachmentIdParam = z.object({ id: z.string().regex(ATTACHMENT_ID).openapi({ description: 'an attachment id (22 base64url characters)' }) });

const errorOf = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
const formats = ALLOWED_FORMAT_NAMES.join(', ');

const routes = {
  upload: secured(access.user, {
    method: 'post',
    path: '/attachments',
    tags: ['attachments'],
    summary: `Upload a file (K-69: ${formats}; at most 4 MB; within your storage quota), judged by its content`,
    request: {
      body: {
        required: true,
        description: 'One part named `file` holding the file (its file name is kept, cleaned). Nothing else.',
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              required: ['file'],
              properties: { file: { type: 'string', format: 'binary', description: `one file of ${formats}; at most ${attachmentRules.maxBytes} bytes` } },
              additionalProperties: false,
            },
            encoding: { file: { contentType: 'application/octet-stream' } },
          },
        },
      },
    },
    responses: {
      201: json('Stored: name its id on a message, an offer’s images or a portfolio item', Attachment),
      400: errorOf('Not a multipart body this route can read (a bad or missing boundary), no `file` part, or another part'),
      413: errorOf(`The file is larger than ${attachmentRules.maxBytes} bytes (4 MB, K-69), or the body larger than that and ${attachmentRules.multipartOverheadBytes} bytes of framing: \`details.limitBytes\``),
      415: errorOf(`The body is not multipart/form-data, or the file’s content is none of K-69’s formats: \`details.allowed\` lists them (${formats})`),
      422: errorOf('The file is empty, or your storage quota would be exceeded (`quota_exceeded`, with `details.usedBytes` and `details.limitBytes`)'),
    },
  }),
  download: secured(access.public, {
    method: 'get',
    path: '/attachments/{id}',
    tags: ['attachments'],
    summary:
      'Download a file: its uploader; the participants of a conversation whose message carries it; arbiters and admins while that order is disputed; anyone for an image of a visible offer or a file of a portfolio item',
    request: { params: AttachmentIdParam },
    responses: {
      200: {
        description: 'The file, as `Content-Disposition: attachment`, with its detected content type and `X-Content-Type-Options: nosniff`',
        headers: {
          'Content-Disposition': { description: 'attachment; filename="…"; filename*=UTF-8\'\'…', schema: { type: 'string' } },
          'X-Content-Type-Options': { description: 'nosniff', schema: { type: 'string' } },
          'Content-Length': { description: 'the file’s size in bytes', schema: { type: 'integer' } },
        },
        content: Object.fromEntries(ATTACHMENT_CONTENT_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
      },
      ...errorResponses(404),
    },
  }),
};

/** `Content-Disposition` for `name`: an ASCII fallback and the exact name in RFC 5987's `filename*`. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const exact = encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

/** The headers every download answers with (the web client's too). */
export function downloadHeaders(file: { name: string; contentType: string; size: number }): Record<string, string> {
  return {
    'Content-Type': file.contentType,
    'Content-Length': String(file.size),
    'Content-Disposition': contentDisposition(file.name),
    'X-Content-Type-Options': 'nosniff',
    // Nothing a file holds may run as a page of ours, whatever a browser makes of it.
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Cache-Control': 'private, max-age=0, must-revalidate',
  };
}

/** The `file` part of a multipart body, or 400 (415 for a body of another type is the door's). */
async function filePart(c: { req: { formData(): Promise<FormData> } }): Promise<File> {
  let form: FormData;
  try {
    form = await c.req.formData();
  } catch {
    throw new AppError('invalid_input', 'body: not a multipart/form-data body that can be read (check its boundary)', {
      fields: [{ path: 'body', message: 'unreadable multipart body', code: 'invalid_multipart' }],
    });
  }
  const names = [...new Set([...form.keys()])];
  const files = form.getAll('file');
  const file = files[0];
  if (names.some((n) => n !== 'file') || files.length !== 1 || !(file instanceof File)) {
    throw new AppError('invalid_input', 'body.file: send exactly one part, named `file`, holding a file', {
      fields: [{ path: 'body.file', message: 'exactly one file part named `file`', code: 'invalid_multipart' }],
    });
  }
  return file;
}

export function attachmentRoutes({ attachments }: { attachments: Attachments }): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.upload, async (c) => {
      const file = await filePart(c);
      if (file.size > attachmentRules.maxBytes) {
        throw new AppError('payload_too_large', `a file may be at most ${attachmentRules.maxBytes} bytes (4 MB, K-69)`, { limitBytes: attachmentRules.maxBytes });
      }
      const stored = await attachments.upload(callerOf(c).id, { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
      return c.json(stored, 201);
    })
    .openapi(routes.download, async (c) => {
      const file = await attachments.download(c.var.user, c.req.valid('param').id);
      return c.body(file.bytes as Uint8Array<ArrayBuffer>, 200, downloadHeaders(file)) as never;
    });
}

/** The most an upload's body may be: the file and its multipart framing. */
export const UPLOAD_MAX_BODY_BYTES = attachmentRules.maxBytes + attachmentRules.multipartOverheadBytes;
