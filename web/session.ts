/**
 * The browser's session and its CSRF defence.
 *
 * - The session is the same token `POST /auth/login` gives API clients, kept in an HttpOnly,
 *   SameSite=Lax cookie (Secure over HTTPS); signing out deletes it server-side.
 * - Every state-changing request must (1) not come from another site (`Sec-Fetch-Site`, else
 *   `Origin`, must name us) and (2) carry this browser's CSRF token, from the `gf_csrf` cookie,
 *   back as the form's `_csrf` field or htmx's `X-CSRF-Token` header (double submit: another
 *   site can neither read nor set our cookie). Forms without JavaScript carry the hidden field.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { keepFromCaches } from '../api/http-process.js';
import type { Services } from '../services/index.js';
import { AppError } from '../workflows/lib/errors.js';
import type { WebEnv } from './context.js';
import { formBody } from './forms.js';

export const SESSION_COOKIE = 'gf_session';
export const CSRF_COOKIE = 'gf_csrf';
const CSRF_FIELD = '_csrf';
const CSRF_HEADER = 'x-csrf-token';

/** Whether a cookie gets `Secure`: always when configured (`forced`), else on an https request. */
export const secure = (c: Context, forced: boolean) => forced || new URL(c.req.url).protocol === 'https:';

/** Reads the session cookie into `user`; a cookie that no longer names a live session is dropped. */
export function readSession(accounts: Services['accounts'], secureCookies: boolean): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) {
      const user = await accounts.authenticate(token).catch((err: unknown) => {
        if (err instanceof AppError) return undefined; // expired, signed out, blocked
        throw err;
      });
      if (user) {
        c.set('user', user);
        c.set('sessionToken', token);
      } else deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secure(c, secureCookies) });
    }
    let csrf = getCookie(c, CSRF_COOKIE);
    if (!csrf || !/^[A-Za-z0-9_-]{43}$/.test(csrf)) {
      csrf = randomBytes(32).toString('base64url');
      setCookie(c, CSRF_COOKIE, csrf, { path: '/', httpOnly: true, sameSite: 'Lax', secure: secure(c, secureCookies) });
    }
    c.set('csrf', csrf);
    await next();
    // A page for a signed-in user is theirs (balance, orders, messages): kept by no cache, so Back
    // after signing out asks us again and gets the sign-in page rather than the page as it was.
    // A visitor's pages stay cacheable.
    if (token) keepFromCaches(c);
  };
}

export function startSession(c: Context<WebEnv>, token: string, expiresAt: string, secureCookies: boolean): void {
  setCookie(c, SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: secure(c, secureCookies),
    expires: new Date(expiresAt),
  });
}

export function endSession(c: Context<WebEnv>, secureCookies: boolean): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secure(c, secureCookies) });
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Refuses (403) a state-changing request from another site or without this browser's token. */
export function checkCsrf(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    if (SAFE.has(c.req.method)) return next();
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    const own = new URL(c.req.url).origin;
    const host = c.req.header('host');
    const fromUs = site ? site === 'same-origin' || site === 'none' : !origin || origin === own || hostOf(origin) === host;
    if (!fromUs) throw new AppError('forbidden', 'this form was sent from another site, so it was refused');
    const field = c.req.header(CSRF_HEADER) ?? (await formBody(c))[CSRF_FIELD];
    const sent = typeof field === 'string' ? field : undefined;
    const expected = c.var.csrf;
    if (!sent || sent.length !== expected.length || !timingSafeEqual(Buffer.from(sent), Buffer.from(expected))) {
      throw new AppError('forbidden', 'the form has expired: reload the page and send it again');
    }
    await next();
  };
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined; // `null` (a sandboxed frame, a redirect from elsewhere) is no origin of ours
  }
}
