/**
 * A form body past its limit. The JSON API answers a bare 413; a person who attached a file too
 * large (K-69: at most 4 MB) must get the same form back with the error beside the file and the
 * text they typed, still signed in, rather than a dead end. So, for a form that carries a file,
 * the body is read through (the browser sends it anyway; Chromium shows no answer it gets before
 * it finished sending), its first bytes kept: the fields before the file, which every upload form
 * puts first. The route then sees those fields and, in place of the file, one that is too large,
 * and refuses it as it refuses any file over 4 MB (413, beside the field).
 */
import type { MiddlewareHandler } from 'hono';
import { limitBody } from '../api/door.js';
import { AppError } from '../workflows/lib/errors.js';
import type { WebEnv } from './context.js';

/** The fields before a file: a form's text is some thousands of characters at most. */
const KEPT_BYTES = 256 * 1024;
/** Past this, the body is not read through: the connection is dropped with a plain 413 page. */
const READ_THROUGH_MAX_BYTES = 256 * 1024 * 1024;

const megabytes = (bytes: number) => `${Math.max(1, Math.floor(bytes / (1024 * 1024)))} MB`;

/** The refusal of a body larger than a form takes, in words. */
const tooLarge = (max: number, upload: boolean) =>
  upload
    ? new AppError('payload_too_large', `at most 4 MB per file (K-69): share a larger one through a cloud link`, { limitBytes: max })
    : new AppError('payload_too_large', `this form is larger than the ${megabytes(max)} a form may be: shorten the text and send it again`, { limitBytes: max });

/**
 * 413 past `maxBytes`, or past what `larger` allows a form that carries a file; such a form's
 * fields are kept (see above).
 */
export function limitFormBody(maxBytes: number, larger: (method: string, path: string) => number | undefined): MiddlewareHandler<WebEnv> {
  // A streamed body, or one without a declared length (in-process requests): counted as it arrives.
  const streamed = limitBody(maxBytes, larger);
  return async (c, next) => {
    const fileMax = larger(c.req.method, c.req.path);
    const max = fileMax ?? maxBytes;
    const declared = c.req.header('content-length');
    if (declared === undefined || c.req.header('transfer-encoding') !== undefined) return streamed(c, next);
    const length = Number(declared);
    if (!(length > max)) return next();
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(c.req.header('content-type') ?? '');
    const body = c.req.raw.body;
    if (fileMax === undefined || !boundary || !body || length > READ_THROUGH_MAX_BYTES) throw tooLarge(max, fileMax !== undefined);
    const kept = await readThrough(body, KEPT_BYTES, READ_THROUGH_MAX_BYTES);
    if (!kept) throw tooLarge(max, true);
    const form = await fieldsBeforeFile(kept, (boundary[1] ?? boundary[2])!, length);
    // Hono's parseBody reads the form from here: the CSRF check, the route's fields and its file.
    (c.req.bodyCache as { formData?: Promise<FormData> }).formData = Promise.resolve(form);
    return next();
  };
}

/** The body's first `keep` bytes, the rest read and dropped; undefined past `max` bytes in all. */
async function readThrough(body: ReadableStream<Uint8Array>, keep: number, max: number): Promise<Uint8Array | undefined> {
  const kept: Uint8Array[] = [];
  let keptBytes = 0;
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > max) return undefined;
    if (keptBytes < keep) {
      const part = chunk.subarray(0, keep - keptBytes);
      kept.push(part);
      keptBytes += part.length;
    }
  }
  return Buffer.concat(kept);
}

/**
 * The text fields of the parts complete within `kept`, and under `file` one file named as the
 * first file part is, that reports the body's size: the route refuses it as too large.
 */
async function fieldsBeforeFile(kept: Uint8Array, boundary: string, bodyBytes: number): Promise<FormData> {
  const bytes = Buffer.from(kept);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const end = bytes.lastIndexOf(delimiter);
  const form = new FormData();
  if (end > 0) {
    const complete = Buffer.concat([bytes.subarray(0, end), Buffer.from(`\r\n--${boundary}--\r\n`)]);
    const parsed = await new Response(complete, { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }).formData().catch(() => undefined);
    parsed?.forEach((value, name) => {
      if (typeof value === 'string') form.append(name, value);
    });
  }
  const name = /filename="([^"]*)"/.exec(bytes.toString('latin1'))?.[1];
  const file = new File([], name ? Buffer.from(name, 'latin1').toString('utf8') : 'file');
  Object.defineProperty(file, 'size', { value: bodyBytes });
  form.append('file', file);
  return form;
}
