/**
 * When the database or Temporal cannot be reached (down, restarting), the API answers
 * `503 service_unavailable` with `Retry-After`, not a 500 that reads as a bug of ours — and the
 * caller tries again (with its Idempotency-Key where the operation takes one). Real outages: a
 * PostgreSQL address nothing listens on, and a Temporal dev server of this file's own, stopped.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { createDb, type Db } from '../../db/client.js';
import { startTemporalDevServer, type RunningDevServer } from '../../scripts/temporal-dev-server.js';
import { connectTemporalClient } from '../../services/temporal-client.js';
import { callerFor, signUp, type Caller, type TestUser } from '../support/api.js';
import { buildApp, connectTemporal, createTestDatabase, harness, type TestDatabase } from '../support/harness.js';
import { freePort } from '../support/ports.js';

type Answer = Awaited<ReturnType<Caller>>;

function assertUnavailable(res: Answer, what: string): void {
  assert.equal(res.status, 503, `${what}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error.code, 'service_unavailable', what);
  assert.equal(typeof res.body.error.details.requestId, 'string', `${what}: the request's id, for our logs`);
  assert.equal(res.headers.get('retry-after'), '5', what);
}

describe('the database unreachable', () => {
  let db: Db;
  let temporal: Client;
  let call: Caller;
  before(async () => {
    // Nothing listens on this port: every connection is refused, as when PostgreSQL is down.
    db = createDb(`postgres://gigflow:gone@127.0.0.1:${await freePort()}/gigflow`, { max: 2, connectTimeout: 2 });
    temporal = await connectTemporal();
    call = callerFor(buildApp({ db, temporal }));
  });
  after(async () => {
    await db.close();
    await temporal.connection.close();
  });

  it('answers 503 with Retry-After to a public read, a sign-in and a signed-in call — not 500, nor 401 for a session it could not check', async () => {
    assertUnavailable(await call('GET', '/categories'), 'the category tree');
    assertUnavailable(await call('POST', '/auth/login', { body: { login: 'ada', password: 'correct horse battery staple' } }), 'a sign-in');
    assertUnavailable(await call('GET', '/me', { token: 'a-session-token-it-cannot-look-up-0000000000' }), 'a signed-in call');
  });
});

describe('Temporal unreachable', () => {
  let database: TestDatabase;
  let server: RunningDevServer;
  let temporal: { client: Client; close(): Promise<void> };
  let call: Caller;
  let seller: TestUser;
  before(async () => {
    database = await createTestDatabase(import.meta.filename);
    server = await startTemporalDevServer({ cli: harness.temporalCli, dbFile: join(harness.scratch, `unavailable-${randomUUID()}.db`), port: await freePort(), namespace: harness.namespace, logLevel: 'error' });
    temporal = await connectTemporalClient({ address: server.address, namespace: harness.namespace });
    call = callerFor(buildApp({ db: database.db, temporal: temporal.client }));
    seller = await signUp(call, 'seller');
    await server.stop();
  });
  after(async () => {
    await temporal?.close();
    await server?.stop();
    await database?.drop();
  });

  it('answers an order action 503 with Retry-After once the client has given up its retries', async () => {
    const res = await call('POST', '/orders/1/actions', { token: seller.token, body: { type: 'start_work' }, headers: { 'idempotency-key': randomUUID() } });
    assertUnavailable(res, 'an order action');
  });
});
