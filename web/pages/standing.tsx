/**
 * A user's standing on the web (K-58…K-65): `/standing` says which blocks run, why and until
 * when, and lists the latest sanctions; the seller's dashboard shows the same as a banner; a
 * user whose account a sanction blocks sees only the page that says so (403), their standing
 * and sign-out, until the block lifts — their balance is untouched.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import type { FC } from 'hono/jsx';
import type { Standing } from '../../services/sanctions.js';
import type { WebDeps, WebEnv } from '../context.js';
import { page, userOf } from '../page.js';
import { Time, type Viewer } from '../ui.js';

/** What a sanction-blocked account may still open: its standing, signing out, and the assets the pages need. */
const OPEN_WHILE_BLOCKED = /^\/(standing|sign-out|assets\/[^/]+|health)$/;

const actionWords: Record<Standing['history'][number]['action'], string> = {
  warning: 'Warning',
  offers_block: 'Offers blocked',
  account_block: 'Account blocked',
  offers_lifted: 'Offers unblocked',
  account_lifted: 'Account unblocked',
};

/** The running blocks, why and until when; nothing when none runs. */
export const StandingBanner: FC<{ standing: Standing; viewer: Viewer }> = ({ standing, viewer }) => (
  <>
    {standing.accountBlock ? (
      <p class="notice error" role="alert" id="account-blocked">
        Your account is blocked until <Time at={standing.accountBlock.until} zone={viewer.timeZone} />: {standing.accountBlock.reason}. Your balance is safe; support takes over your running
        orders. <a href="/standing">Your standing</a>
      </p>
    ) : null}
    {standing.offersBlock ? (
      <p class="notice error" role="alert" id="offers-blocked">
        Your offers are blocked until <Time at={standing.offersBlock.until} zone={viewer.timeZone} />: {standing.offersBlock.reason}. They are out of search and take no new orders; running orders
        continue. <a href="/standing">Your standing</a>
      </p>
    ) : null}
  </>
);

const StandingBody: FC<{ standing: Standing; viewer: Viewer }> = ({ standing, viewer }) => (
  <>
    <StandingBanner standing={standing} viewer={viewer} />
    {!standing.accountBlock && !standing.offersBlock ? <p>No block runs on your account or your offers.</p> : null}
    <p class="muted">Repeated violations double a block (K-65); a violation counts as a repeat for 180 days.</p>
    <h2>Latest sanctions</h2>
    {standing.history.length === 0 ? <p class="muted">None.</p> : null}
    <ul>
      {standing.history.map((h) => (
        <li>
          <Time at={h.at} zone={viewer.timeZone} /> · {actionWords[h.action]}
          {h.until ? (
            <>
              {' '}
              until <Time at={h.until} zone={viewer.timeZone} />
            </>
          ) : null}
          : {h.reason}
        </li>
      ))}
    </ul>
  </>
);

/** Every page but the open ones answers 403 with why and until when, while a sanction blocks the viewer's account. */
export function accountBlockGate(deps: WebDeps): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const user = c.var.user;
    if (!user || OPEN_WHILE_BLOCKED.test(c.req.path)) return next();
    if (!(await deps.services.sanctions.accountBlock(user.id))) return next();
    const standing = await deps.services.sanctions.standing(user.id);
    return page(c, deps, 'Your account is blocked', (v) => <StandingBody standing={standing} viewer={v} />, 403);
  };
}

export function standingPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  app.get('/standing', async (c) => {
    const user = userOf(c);
    const standing = await deps.services.sanctions.standing(user.id);
    return page(c, deps, 'Your standing', (v) => <StandingBody standing={standing} viewer={v} />);
  });
  return app;
}
