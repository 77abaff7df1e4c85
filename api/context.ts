import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { SessionUser } from '../services/accounts.js';
import type { Clock } from '../services/clock.js';
import type { PaymentGateway } from '../services/payments.js';
import type { Db } from '../db/client.js';
import type { OrderPolicy } from '../workflows/order/messages.js';


/** What the API is built from; production wires real servers, tests the same servers per file. */
export interface AppDeps {
  db: Db;
  temporal: Client;
  clock: Clock;
  logger: Logger;
  /** Task queue the API starts workflows on. */
  taskQueue: string;
  /** The payment gateway top-ups go through (the sandbox in development and tests). */
  gateway: PaymentGateway;
  /** Development-only routes (`/dev/…`: the outbox) exist only when this is set. */
  devRoutes: boolean;
  /** The rules new orders start with; tests shorten the durations to run timers on the dev server. Default: the policy module's. */
  orderPolicy?: OrderPolicy;
}

/** Hono's environment: the per-request variables middleware sets. */
export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    /** The caller behind a valid bearer token, if any. */
    user?: SessionUser;
    /** The token belongs to a blocked account. */
    blocked?: boolean;
  };
}
