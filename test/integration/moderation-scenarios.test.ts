/**
 * Every moderation scenario (`test/support/moderation-scenarios.ts`, the same ones whose
 * histories are the replay fixtures) run for real on the dev server with gigflow's worker:
 * each submission ends with the workflow's status and the offer's status its scenario expects.
 */
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectTemporal, createTestDatabase, startWorker, uniqueId, type TestDatabase } from '../support/harness.js';
import { moderationCast, moderationScenarios, runModerationScenario, type ModerationCast, type ModerationEnv } from '../support/moderation-scenarios.js';

describe('moderation scenarios on the dev server', () => {
  let database: TestDatabase;
  let temporal: Client;
  let worker: { stop(): Promise<void> };
  let env: ModerationEnv;
  let cast: ModerationCast;

  before(async () => {
    database = await createTestDatabase(import.meta.filename);
    temporal = await connectTemporal();
    env = { db: database.db, temporal, taskQueue: uniqueId('moderation-scenarios') };
    worker = await startWorker(database.db, env.taskQueue);
    cast = await moderationCast(database.db);
  });
  after(async () => {
    await worker?.stop();
    await temporal?.connection.close();
    await database?.drop();
  });

  for (const scenario of moderationScenarios) {
    it(`${scenario.title}: ends ${scenario.expected.status}, the offer ${scenario.expected.offerStatus}`, async () => {
      await runModerationScenario(env, cast, scenario);
    });
  }
});
