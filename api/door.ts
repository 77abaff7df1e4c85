/**
 * What every request passes before any route reads it: a body of reasonable size (413), a JSON
 * content type where a body is sent (415), and no text that cannot be stored anywhere in its
 * body, query or path (400, naming the field) — the one storable-text rule of
 * `workflows/lib/text.ts`, applied to every request by construction rather than field by field.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../workflows/lib/errors.js';
import { forbiddenCharacter } from '../workflows/lib/text.js';
import type { AppEnv } from './context.js';
import { onNotFound } from './errors.js';

// No request of this API carries more than a few kilobytes of JSON.
export const MAX_BODY_BYTES = 64 * 1024;
const tooLarge = (max: number) => new AppError('payload_too_large', `the request body is larger than ${max} bytes`, { limitBytes: max });

/**
 * 413 past `maxBytes` (the API's: `MAX_BODY_BYTES`; the web client's forms take more), or past
 * what `larger` allows a request (an upload's route: its file and the multipart framing).
 */
export function limitBody(maxBytes = MAX_BODY_BYTES, larger: (method: string, path: string) => number | undefined = () => undefined): MiddlewareHandler {
  const limiters = new Map<number, MiddlewareHandler>();
  const limiterOf = (max: number) => {
    let limiter = limiters.get(max);
    if (!limiter) {
      limiter = bodyLimit({
        maxSize: max,
        onError: () => {
          throw tooLarge(max);
        },
      });
      limiters.set(max, limiter);
    }
    return limiter;
  };
  return async (c, next) => {
    const max = larger(c.req.method, c.req.path) ?? maxBytes;
    // A declared length is checked without touching the body: Hono's bodyLimit opens it as a
    // web stream, which costs every request (GETs too) far more than reading it directly.
    // A streamed (chunked) body is counted as it arrives.
    const length = c.req.header('content-length');
    const chunked = c.req.header('transfer-encoding') !== undefined;
    if (!chunked && length !== undefined) {
      if (Number(length) > max) throw tooLarge(max);
      return next();
    }
    // An HTTP/1.1 message (node-server) with neither header has no body.
    if (!chunked && (c.env as { incoming?: unknown } | undefined)?.incoming) return next();
    return limiterOf(max)(c, next);
  };
}

type RequestOf = Parameters<MiddlewareHandler<AppEnv>>[0];

/**
 * Whether the request carries a body: a declared non-zero length or a streamed one. A request
 * made in-process (`app.request`, tests) declares neither, so there its stream decides; an
 * HTTP/1.1 message (node-server) with neither header has none.
 */
function hasBody(c: RequestOf): boolean {
  const length = c.req.header('content-length');
  if (c.req.header('transfer-encoding') !== undefined) return true;
  if (length !== undefined) return length !== '0';
  return !(c.env as { incoming?: unknown } | undefined)?.incoming && c.req.raw.body !== null;
}

/**
 * A body in anything but JSON is refused with 415: every route of this API reads JSON, and JSON
 * is UTF-8 (RFC 8259), so a `charset` other than UTF-8 is refused too.
 */
export function jsonOnly(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (hasBody(c)) {
      const [media, ...parameters] = (c.req.header('content-type') ?? '').split(';');
      const type = media!.trim().toLowerCase();
      if (type !== 'application/json' && !type.endsWith('+json')) {
        throw new AppError('unsupported_media_type', `send the body as application/json${type ? `, not ${type}` : ''}`, { contentType: type || null });
      }
      const charset = parameters.map((p) => p.split('=')).find(([name]) => name!.trim().toLowerCase() === 'charset')?.[1]?.trim().replace(/^"(.*)"$/, '$1').toLowerCase();
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        throw new AppError('unsupported_media_type', `send JSON in UTF-8, not ${charset}`, { contentType: type, charset });
      }
    }
    await next();
  };
}

/** A body in anything but multipart/form-data is refused with 415: the routes that take a file. */
export function multipartOnly(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (hasBody(c)) {
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'multipart/form-data') {
        throw new AppError('unsupported_media_type', `send the file as multipart/form-data${type ? `, not ${type}` : ''}`, { contentType: type || null });
      }
    }
    await next();
  };
}

/**
 * 400 for a route whose body is required when none is sent: the JSON validator would read a
 * request without a body as `{}`, which for a route whose fields are all optional (`PATCH
 * /me/profile`) is a silent no-op.
 */
export function requireBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!hasBody(c)) {
      throw new AppError('invalid_input', 'body: send a JSON body', { fields: [{ path: 'body', message: 'a JSON body is required', code: 'required' }] });
    }
    await next();
  };
}

interface Unstorable {
  path: string;
  message: string;
}

/** How deep a JSON body may nest: no route's body is more than a few levels deep, and the check below walks all of it. */
export const MAX_JSON_DEPTH = 32;

/**
 * The first key or string in `value` (a parsed JSON body) that holds a forbidden character, with
 * its field path, in the body's order; or the first object or array nested deeper than
 * `MAX_JSON_DEPTH`. Walked with a stack of its own: a body of 20 KB can nest 10,000 levels, which
 * a recursive walk would answer with a stack overflow (a 500).
 */
function findUnstorable(value: unknown, root: string): Unstorable | null {
  type Step = { key: string; path: string } | { value: unknown; path: string; depth: number };
  const steps: Step[] = [{ value, path: root, depth: 0 }];
  for (let step = steps.pop(); step; step = steps.pop()) {
    if ('key' in step) {
      const bad = forbiddenCharacter(step.key);
      if (bad) return { path: step.path, message: `the field name ${bad}` };
      continue;
    }
    const { value: item, path, depth } = step;
    if (typeof item === 'string') {
      const bad = forbiddenCharacter(item);
      if (bad) return { path, message: bad };
      continue;
    }
    if (item === null || typeof item !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return { path, message: `nests deeper than ${MAX_JSON_DEPTH} levels` };
    // Pushed last to first, so each key is checked before its value and its value before the next key.
    const entries = Array.isArray(item) ? item.map((v, i) => [String(i), v] as const) : Object.entries(item);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, v] = entries[i]!;
      steps.push({ value: v, path: `${path}.${key}`, depth: depth + 1 });
      if (!Array.isArray(item)) steps.push({ key, path: `${path}.${key}` });
    }
  }
  return null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The JSON body, if the request has one that parses (a malformed one is the schema's 400). Bytes
 * that are not UTF-8 are refused here (400): decoded leniently, they would become U+FFFD and be
 * stored. The text is left in Hono's body cache, so the route's validator parses the same text.
 */
async function jsonBodyOf(c: RequestOf): Promise<unknown> {
  if (!hasBody(c)) return undefined;
  const bytes = await c.req.arrayBuffer();
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    const message = 'is not UTF-8 text (JSON is sent in UTF-8)';
    throw new AppError('invalid_input', `body: ${message}`, { fields: [{ path: 'body', message, code: 'invalid_encoding' }] });
  }
  (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * 400 for text that cannot be stored, anywhere in the request: the one rule, at the door. With
 * `body` false (a multipart upload) the body is left to its route, which cleans a file's name.
 */
export function refuseUnstorable(body = true): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // The route's parameters, by name (`param.id`, as every refusal names a path's fields); its fixed segments matched the route, so they are clean.
    const inPath = Object.entries(c.req.param() as Record<string, string>).flatMap(([name, value]) => {
      const bad = forbiddenCharacter(value);
      return bad ? [{ path: `param.${name}`, message: bad }] : [];
    })[0];
    const inQuery = Object.entries(c.req.queries()).flatMap(([key, values]) =>
      [key, ...values].flatMap((text) => {
        const bad = forbiddenCharacter(text);
        return bad ? [{ path: `query.${key}`, message: bad }] : [];
      }),
    )[0];
    const found = inPath ?? inQuery ?? (body ? findUnstorable(await jsonBodyOf(c), 'body') : null);
    if (found) {
      throw new AppError('invalid_input', `${found.path}: ${found.message}`, { fields: [{ path: found.path, message: found.message, code: 'invalid_string' }] });
    }
    await next();
  };
}

/** 400 `unknown field` for each query parameter of an operation that takes none (as an operation's own query schema refuses one it does not name). */
export function noQuery(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const fields = Object.keys(c.req.queries()).map((key) => ({ path: `query.${key}`, message: 'unknown field', code: 'unrecognized_keys' }));
    if (fields.length > 0) throw new AppError('invalid_input', `${fields[0]!.path}: unknown field`, { fields });
    await next();
  };
}

/**
 * 400 for a body sent to an operation that takes none, but for an empty one or `{}` (which
 * clients send with a POST out of habit): each field is an unknown field, anything else is refused whole.
 * Runs after `refuseUnstorable`, which has parsed the body.
 */
export function noBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (hasBody(c)) {
      const text = await c.req.text();
      if (text.trim() !== '') {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          throw new AppError('invalid_input', 'body: malformed JSON', { fields: [{ path: 'body', message: 'malformed JSON', code: 'invalid_json' }] });
        }
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          throw new AppError('invalid_input', 'body: this operation takes no body (or {})', { fields: [{ path: 'body', message: 'this operation takes no body (or {})', code: 'unexpected_body' }] });
        }
        const fields = Object.keys(value).map((key) => ({ path: `body.${key}`, message: 'unknown field', code: 'unrecognized_keys' }));
        if (fields.length > 0) throw new AppError('invalid_input', `${fields[0]!.path}: unknown field`, { fields });
      }
    }
    await next();
  };
}

interface Route {
  method: string;
  path: string;
}

interface CompiledRoute {
  method: string;
  /** No parameter or wildcard: the route names one path. */
  concrete: boolean;
  pattern: RegExp;
}

function compiled(routes: readonly Route[]): CompiledRoute[] {
  return routes
    .filter((route) => route.method !== 'ALL' && route.path !== '*' && route.path !== '/*')
    .map((route) => ({
      method: route.method.toUpperCase(),
      concrete: !/[:*]/.test(route.path),
      pattern: new RegExp(`^${route.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+').replace(/\*/g, '.*')}/?$`),
    }));
}

/** The methods of `matching` routes (HEAD wherever GET), sorted. */
function methodsOf(matching: readonly CompiledRoute[]): string[] {
  const methods = new Set(matching.map(({ method }) => method));
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

/**
 * The routes a path reaches, as OpenAPI matches paths: a concrete path before any template
 * that also matches it (`/me/cart/checkout` is not `/me/cart/{id}` with the id "checkout").
 */
function reaching(routes: readonly CompiledRoute[], path: string): CompiledRoute[] {
  const matching = routes.filter(({ pattern }) => pattern.test(path));
  const concrete = matching.filter((route) => route.concrete);
  return concrete.length > 0 ? concrete : matching;
}

/** The concrete paths a template also matches, with the methods the concrete path takes. */
function shadowedPaths(all: readonly CompiledRoute[], routes: readonly Route[]): Map<string, string[]> {
  const paths = new Map<string, string[]>();
  for (const route of routes) {
    if (route.method === 'ALL' || /[:*]/.test(route.path) || paths.has(route.path)) continue;
    const matching = all.filter(({ pattern }) => pattern.test(route.path));
    if (matching.some((other) => !other.concrete)) paths.set(route.path, methodsOf(matching.filter((other) => other.concrete)));
  }
  return paths;
}

/**
 * The app's routes as 405 and the path precedence read them, compiled once, at the first request,
 * when every route is registered (`routes` is the app's own list): a path no route matches (a
 * scanner's probe, a typo) costs a scan, not a compile of each pattern.
 */
export function routeTable(routes: readonly Route[]) {
  let all: CompiledRoute[] | undefined;
  let shadowed: Map<string, string[]> | undefined;
  const compiledOnce = () => (all ??= compiled(routes));
  return {
    /** The methods some route answers at `path` (for 405's `Allow`; empty when none does). */
    allowedAt: (path: string): string[] => methodsOf(reaching(compiledOnce(), path)),
    /** The methods of `path` when it is a concrete path a template also matches; else undefined. */
    shadowedAt: (path: string): string[] | undefined => (shadowed ??= shadowedPaths(compiledOnce(), routes)).get(path),
  };
}

/**
 * A concrete path's methods before any template's: `DELETE /me/cart/checkout` is a method that
 * path does not take (405, `Allow: POST`), as the document says, not `DELETE /me/cart/{id}`
 * with the id "checkout" (400). The paths a template shadows are found once, so a request costs
 * one lookup.
 */
export function concretePathsFirst(table: ReturnType<typeof routeTable>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const allowed = table.shadowedAt(c.req.path.length > 1 ? c.req.path.replace(/\/$/, '') : c.req.path);
    if (allowed && !allowed.includes(c.req.method)) return onNotFound(c, allowed);
    await next();
  };
}
