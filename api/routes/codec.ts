/**
 * The codec server (issue 19 §5, W-19): `POST /codec/decode` and `POST /codec/encode` speak
 * Temporal's codec server protocol, so the Temporal Web UI (`--ui-codec-endpoint <api>/codec`,
 * which `npm start` passes to the dev server) and `temporal workflow show --codec-endpoint`
 * show the encrypted payloads of workflow histories decoded: to support staff, arbiters and
 * admins, and to nobody else.
 *
 * The UI calls from its own origin: CORS allows exactly TEMPORAL_UI_URL's origin, with
 * credentials. A browser sends the web client's session cookie (same site: cookies ignore the
 * port) once the UI's codec setting "Include cross-origin credentials" is on; the cookie counts
 * only on these paths and only from that origin (`codecSessionToken`), so no other page can
 * ride it. The CLI sends a bearer token (`--codec-auth 'Bearer <token>'`).
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { cors } from 'hono/cors';
import type { CodecServer } from '../../services/codec-server.js';
import { SESSION_COOKIE } from '../../web/session.js';
import { fieldError } from '../../workflows/lib/errors.js';
import { access, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, json, jsonBody } from '../schemas.js';

/** A history's payloads come in batches: more than the API's usual 64 KB of JSON. */
export const CODEC_MAX_BODY_BYTES = 4 * 1024 * 1024;
const PATHS = ['/codec/decode', '/codec/encode'];

const base64 = z.string().max(CODEC_MAX_BODY_BYTES).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const Payload = z
  .object({
    metadata: z.record(z.string().max(256), base64).optional().openapi({ description: 'Each value base64, e.g. `encoding`: `binary/encrypted`' }),
    data: base64.optional(),
  })
  .openapi('CodecPayload');
const Payloads = z.strictObject({ payloads: z.array(Payload).max(10_000) }).openapi('CodecPayloads');
const NamespaceHeader = z.object({
  'x-namespace': z.string().min(1).max(255).optional().openapi({ description: 'The namespace the payloads belong to (the UI sends it); another than the API’s answers 400' }),
});

/** Staff who read histories: support (W-19: never sellers, buyers or moderators). */
const readers = access.staff('support', 'arbiter', 'admin');

function codecRoute(step: 'decode' | 'encode') {
  return secured(readers, {
    method: 'post',
    path: `/codec/${step}`,
    tags: ['staff'],
    summary: step === 'decode' ? 'Decode (decrypt) workflow payloads: the Temporal Web UI’s codec server' : 'Encode (encrypt) payloads, as the worker would store them',
    request: { headers: NamespaceHeader, ...jsonBody(Payloads) },
    responses: { 200: json(`The payloads, ${step}d, in order`, Payloads), ...errorResponses(400, 401, 403, 422) },
  });
}

function preflightRoute(step: 'decode' | 'encode') {
  return secured(access.public, {
    method: 'options',
    path: `/codec/${step}`,
    tags: ['staff'],
    summary: 'CORS preflight of the Temporal Web UI (its origin is TEMPORAL_UI_URL’s)',
    responses: { 204: { description: 'Allowed: the Access-Control-Allow-* headers say what, for the UI’s origin only' } },
  });
}

const routes = {
  decode: codecRoute('decode'),
  encode: codecRoute('encode'),
  decodePreflight: preflightRoute('decode'),
  encodePreflight: preflightRoute('encode'),
};

/**
 * CORS for the codec paths, answering the UI's preflight itself: the UI's origin only, with
 * credentials. A request from anywhere else passes on to the routes (and their checks), without
 * CORS headers: a browser then keeps the answer from the page. Without a UI origin no
 * cross-origin page may call them.
 */
export function codecCors(uiOrigin: string | undefined): MiddlewareHandler<AppEnv> {
  const allow = cors({
    origin: (origin) => (origin === uiOrigin ? origin : null),
    credentials: true,
    allowMethods: ['POST', 'OPTIONS'],
    allowHeaders: ['Content-Type', 'X-Namespace', 'Authorization'],
    maxAge: 600,
  });
  return (c, next) => (uiOrigin !== undefined && PATHS.includes(c.req.path) && c.req.header('origin') === uiOrigin ? allow(c, next) : next());
}

/**
 * The web client's session token, for a codec call from the UI's origin with no bearer token:
 * the one place the API reads the browser's cookie.
 */
export function codecSessionToken(uiOrigin: string | undefined): (c: Context<AppEnv>) => string | undefined {
  return (c) => (uiOrigin !== undefined && PATHS.includes(c.req.path) && c.req.header('origin') === uiOrigin ? getCookie(c, SESSION_COOKIE) : undefined);
}

export function codecRoutes({ codecServer }: { codecServer: CodecServer }) {
  const checkNamespace = (namespace: string | undefined) => {
    if (namespace !== undefined && namespace !== codecServer.namespace) {
      throw fieldError('header.x-namespace', `this codec server reads namespace "${codecServer.namespace}", not "${namespace}"`);
    }
  };
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.decode, async (c) => {
      checkNamespace(c.req.valid('header')['x-namespace']);
      return c.json({ payloads: await codecServer.decode(c.req.valid('json').payloads) }, 200);
    })
    .openapi(routes.encode, async (c) => {
      checkNamespace(c.req.valid('header')['x-namespace']);
      return c.json({ payloads: await codecServer.encode(c.req.valid('json').payloads) }, 200);
    })
    .openapi(routes.decodePreflight, (c) => c.body(null, 204))
    .openapi(routes.encodePreflight, (c) => c.body(null, 204));
}
