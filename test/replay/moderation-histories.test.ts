/**
 * The moderation workflow's committed histories (`test/replay/histories/moderation-*.json`,
 * written by `npm run histories:capture -- moderation` from real runs of every moderation
 * scenario) replayed against the workflow code as it is now. A change that would break running
 * submissions — a command added, removed or reordered without `patched()` — fails here,
 * naming the scenario. (The histories of its shape before one effects activity are in
 * `legacy-histories.test.ts`.)
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowsPath } from '../../worker.js';
import { bundle } from '../support/harness.js';
import { moderationHistoryFile, moderationScenarios } from '../support/moderation-scenarios.js';
import { historiesDir } from '../support/order-scenarios.js';
import { fixturesIn, replayFailures } from '../support/replay.js';

const fixtures = fixturesIn(historiesDir, /^moderation-.*\.json$/);

describe('moderation workflow histories replay on the current code', () => {
  let workflowBundle: WorkflowBundleWithSourceMap;
  before(async () => {
    workflowBundle = await bundle(workflowsPath);
  });

  it('has a captured history for every moderation scenario, and none for a scenario that is gone', () => {
    assert.deepEqual(fixtures, moderationScenarios.map(moderationHistoryFile).sort(), 'run `npm run histories:capture -- moderation` to bring the fixtures in line with the scenarios');
  });

  it('replays every history without nondeterminism', async () => {
    assert.deepEqual(await replayFailures(workflowBundle, historiesDir, fixtures, 'moderation-histories'), []);
  });
});
