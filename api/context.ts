import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';

/** A source of the current time, injected so tests can move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** What the API is built from; production wires real servers, tests the same servers per file. */
export interface AppDeps {
  db: Db;
  temporal: Client;
  clock: Clock;
  logger: Logger;
  /** Task queue the API starts workflows on. */
  taskQueue: string;
}

/** Hono's environment: the per-request variables middleware sets. */
export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
  };
}
