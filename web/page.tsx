/**
 * How a page answers: the layout around it with the viewer's header (balance, unread badge),
 * a one-time flash message after a redirect, redirects that work with and without htmx, and
 * the pages for failures (404 for unknown or not yours, 403, sign-in for 401).
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { SessionUser } from '../services/accounts.js';
import { AppError } from '../workflows/lib/errors.js';
import type { WebDeps, WebEnv } from './context.js';
import { refusalOf } from './forms.js';
import { Layout, Stamped, type Viewer } from './ui.js';

const FLASH_COOKIE = 'gf_flash';
/** W-21: the browser's answer to the cookie notice (`accepted` or `declined`), set by `/cookie-consent`. */
export const CONSENT_COOKIE = 'gf_cookies';

/** The browser's answer to the cookie notice, or undefined while it has not answered (W-21). */
export function cookieConsentOf(c: WebContext): 'accepted' | 'declined' | undefined {
  const v = getCookie(c, CONSENT_COOKIE);
  return v === 'accepted' || v === 'declined' ? v : undefined;
}

export type WebContext = Context<WebEnv>;

/** Who is looking: the header's balance, unread counts and live counters (K-70) come from the services. */
export async function viewerOf(c: WebContext, deps: WebDeps): Promise<Viewer> {
  const user = c.var.user;
  // W-21: until the browser answers, every page carries the notice, which comes back here (the
  // cookie page itself is the notice).
  const cookieNotice = cookieConsentOf(c) || c.req.path === '/cookie-consent' ? {} : { cookieNotice: c.req.path };
  const { services } = deps;
  if (!user) return { csrf: c.var.csrf, activity: await services.siteActivity.now(), ...cookieNotice };
  const [balance, unread, me, messages, activity] = await Promise.all([
    services.wallet.balance(user.id),
    services.notifications.unreadCount(user.id),
    services.accounts.me(user.id),
    services.conversations.unread(user.id),
    services.siteActivity.now(),
  ]);
  return { user, csrf: c.var.csrf, balanceCents: balance.mainCents, unread, unreadMessages: messages.total, timeZone: me.timeZone, activity, ...cookieNotice };
}

/** The page, in the layout, with the given status (a refused form answers its error's status). */
export async function page(c: WebContext, deps: WebDeps, title: string, body: (viewer: Viewer) => Child, status: ContentfulStatusCode = 200) {
  const viewer = await viewerOf(c, deps);
  const flash = getCookie(c, FLASH_COOKIE);
  if (flash) deleteCookie(c, FLASH_COOKIE, { path: '/' });
  return c.html(
    <Layout title={title} viewer={viewer} flash={flash ? decodeURIComponent(flash) : undefined}>
      {body(viewer)}
    </Layout>,
    status,
  );
}

/** After a form succeeds: 303 to the page that shows the result, with a one-line message there. */
export function redirect(c: WebContext, to: string, flash?: string) {
  if (flash) setCookie(c, FLASH_COOKIE, encodeURIComponent(flash), { path: '/', httpOnly: true, sameSite: 'Lax', maxAge: 60 });
  return c.redirect(to, 303);
}

/** The signed-in user; without one, the page answers with a redirect to sign in that comes back here. */
export function userOf(c: WebContext): SessionUser {
  if (!c.var.user) throw new AppError('unauthenticated', 'sign in first');
  return c.var.user;
}

export function toSignIn(c: WebContext) {
  const back = c.req.method === 'GET' ? c.req.path + (new URL(c.req.url).search || '') : '/';
  return c.redirect(`/sign-in?next=${encodeURIComponent(back)}`, 303);
}

/** Failures as pages: a refused request gets its status and message, anything else 500 with an id. */
export function errorPage(deps: WebDeps) {
  return async (err: Error, c: WebContext) => {
    if (err instanceof AppError) {
      if (err.code === 'unauthenticated') return toSignIn(c);
      const refusal = refusalOf(err);
      const title = refusal.status === 403 ? 'Not allowed' : 'That did not work';
      const back = pageCameFrom(c);
      if (refusal.status === 404) return notFoundPage(deps)(c);
      return page(
        c,
        deps,
        title,
        () => (
          <>
            <p class="error form-error" role="alert">
              <Stamped text={refusal.message} />
            </p>
            {back ? (
              <p>
                <a href={back}>Back to the page you came from</a>
              </p>
            ) : null}
          </>
        ),
        refusal.status,
      );
    }
    c.var.log.error({ err }, 'unhandled error');
    return page(c, deps, 'Something went wrong', () => <p class="error">Sorry, that failed on our side. Reference: {c.var.requestId}</p>, 500);
  };
}

/** The page of ours a refused request came from (its form's), to offer the way back; none from elsewhere. */
function pageCameFrom(c: WebContext): string | undefined {
  const referer = c.req.header('referer');
  if (!referer) return undefined;
  try {
    const from = new URL(referer);
    return from.origin === new URL(c.req.url).origin ? from.pathname + from.search : undefined;
  } catch {
    return undefined;
  }
}

/**
 * 404 for what is unknown and for what is not the viewer's: the two look alike, so a page never
 * tells that something exists. A signed-out viewer is offered to sign in and come back.
 */
export function notFoundPage(deps: WebDeps) {
  return (c: WebContext) =>
    page(
      c,
      deps,
      'Not found',
      () => (
        <>
          <p class="error">There is nothing here, or it is not yours to see.</p>
          {c.var.user ? null : (
            <p>
              If it is yours, <a href={`/sign-in?next=${encodeURIComponent(c.req.path)}`}>sign in</a> first.
            </p>
          )}
        </>
      ),
      404,
    );
}

/** The page's query parameter as a string, the first of several. */
export const query = (c: WebContext, name: string): string | undefined => c.req.query(name) || undefined;
