import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { createDb, type Db } from '../../db/client.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../../db/embedded.js';
import { buildApp, connectTemporal, harness, jsonOf, uniqueId } from '../support/harness.js';
import { freePort } from '../support/ports.js';

/** A PostgreSQL of this file's own, since the test stops it. */
describe('GET /health', () => {
  let postgres: RunningPostgres;
  let db: Db;
  let temporal: Client;

  before(async () => {
    [postgres, temporal] = await Promise.all([
      startEmbeddedPostgres({
        dataDir: join(harness.scratch, uniqueId('health-pg')),
        port: await freePort(),
        database: 'gigflow',
        persistent: false,
      }),
      connectTemporal(),
    ]);
    db = createDb(postgres.url, { max: 2, connectTimeout: 1 });
  });
  after(async () => {
    await db?.close();
    await postgres?.stop();
    await temporal?.connection.close();
  });

  it('answers 200 when PostgreSQL and Temporal are reachable, then 503 naming PostgreSQL once it is stopped', async () => {
    const app = buildApp({ db, temporal });

    const up = await app.request('/health');
    assert.equal(up.status, 200);
    const upBody = await jsonOf(up);
    assert.equal(upBody.status, 'ok');
    assert.equal(upBody.checks.postgres.ok, true);
    assert.equal(upBody.checks.temporal.ok, true);

    await postgres.stop();

    const down = await app.request('/health');
    assert.equal(down.status, 503);
    const body = await jsonOf(down);
    assert.equal(body.error.code, 'unavailable');
    assert.equal(body.error.message, 'PostgreSQL is unreachable');
    assert.equal(body.error.details.checks.postgres.ok, false);
    assert.match(body.error.details.checks.postgres.error, /\S/);
    assert.equal(body.error.details.checks.temporal.ok, true);
  });
});
