import type { Logger } from 'pino';
import type { SessionUser } from '../services/accounts.js';
import type { Services } from '../services/index.js';

/** What the API is built from; production wires real servers into the services, tests the same servers per file. */
export interface AppDeps {
  services: Services;
  logger: Logger;
  /** Development-only routes (`/dev/…`: the outbox) exist only when this is set. */
  devRoutes: boolean;
  /**
   * How many reverse proxies in front of the API append the client's address to
   * X-Forwarded-For (`TRUSTED_PROXY_HOPS`). Default 0: the socket's peer is the client and the
   * header is ignored.
   */
  trustedProxyHops?: number;
  /**
   * The Temporal Web UI's origin (TEMPORAL_UI_URL's): the one page origin CORS lets call the
   * codec server, with the web client's session cookie. None: no cross-origin page may.
   */
  temporalUiOrigin?: string;
  /**
   * `GET /metrics` (issue 19 §4), answering only `Authorization: Bearer <token>` when a token is
   * given (METRICS_TOKEN). None: the route does not exist (production without a token).
   */
  metrics?: { token?: string };
}

/** Hono's environment: the per-request variables middleware sets. */
export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    /** The caller behind a valid bearer token, if any. */
    user?: SessionUser;
    /** That caller's token (the header's, or the web client's cookie): a password change keeps its session. */
    sessionToken?: string;
    /** The token belongs to a blocked account. */
    blocked?: boolean;
    /** A sanction blocks the caller's account (K-65) until then, for this reason. */
    sanctioned?: { reason: string; until: string };
  };
}
