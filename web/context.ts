import type { Logger } from 'pino';
import type { SessionUser } from '../services/accounts.js';
import type { Services } from '../services/index.js';

/** What the web client is built from: the same services the JSON API calls (never HTTP to itself). */
export interface WebDeps {
  services: Services;
  logger: Logger;
  /** The Temporal Web UI's address, for staff links to a workflow; absent: no links. */
  temporalUiUrl?: string;
  /** The Temporal namespace workflows run in (the links name it). */
  namespace?: string;
  /**
   * Where the payment providers' hosted pages are (URLs; their origins count): the add-funds
   * and save-a-card forms answer with a redirect there, which the CSP's `form-action` must allow
   * (Chromium checks a form's redirects against it too). Absent: only our own origin.
   */
  paymentPages?: readonly string[];
  /** Mark cookies `Secure` even when the request reached us over plain HTTP (behind a TLS proxy). */
  secureCookies?: boolean;
}

/** Hono's environment for the web client: what its middleware sets per request. */
export interface WebEnv {
  Variables: {
    requestId: string;
    log: Logger;
    /** The signed-in user behind the session cookie, if any. */
    user?: SessionUser;
    /** The session cookie's token (for sign-out). */
    sessionToken?: string;
    /** This browser's CSRF token: every form carries it back. */
    csrf: string;
    /** The viewer's time zone from the profile (`UTC`, the default, means "the browser's"). */
    timeZone?: string;
  };
}
