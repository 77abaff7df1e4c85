/**
 * The daily buyer-status run's committed histories (`test/replay/histories/buyer-statuses-*.json`,
 * written by `npm run histories:capture -- buyer-statuses` from real runs: one with nobody due,
 * one taking Super buyer from a buyer whose purchases are four months old) replayed against the
 * workflow code as it is now. A change that would break a run in flight — a command added,
 * removed or reordered without `patched()` — fails here, naming the scenario.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowsPath } from '../../worker.js';
import { buyerStatusHistoryFile, buyerStatusScenarios } from '../support/buyer-status-scenarios.js';
import { bundle } from '../support/harness.js';
import { historiesDir } from '../support/order-scenarios.js';
import { fixturesIn, replayFailures } from '../support/replay.js';

const fixtures = fixturesIn(historiesDir, /^buyer-statuses-.*\.json$/);

describe('buyer-status histories replay on the current code', () => {
  let workflowBundle: WorkflowBundleWithSourceMap;
  before(async () => {
    workflowBundle = await bundle(workflowsPath);
  });

  it('has a captured history for every buyer-status scenario, and none for a scenario that is gone', () => {
    assert.deepEqual(fixtures, buyerStatusScenarios.map(buyerStatusHistoryFile).sort(), 'run `npm run histories:capture -- buyer-statuses` to bring the fixtures in line with the scenarios');
  });

  it('replays every history without nondeterminism', async () => {
    assert.deepEqual(await replayFailures(workflowBundle, historiesDir, fixtures, 'buyer-status-histories'), []);
  });
});
