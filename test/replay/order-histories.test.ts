/**
 * The order workflow's committed histories (`test/replay/histories/order-*.json`, written by
 * `npm run histories:capture` from real runs of every order scenario) replayed against the
 * workflow code as it is now. A change that would break running orders — a command added,
 * removed or reordered without `patched()` — fails here, naming the scenario.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowsPath } from '../../worker.js';
import { bundle } from '../support/harness.js';
import { historiesDir, historyFile, orderScenarios } from '../support/order-scenarios.js';
import { fixturesIn, replayFailures } from '../support/replay.js';

const fixtures = fixturesIn(historiesDir, /^order-.*\.json$/);

describe('order workflow histories replay on the current code', () => {
  let workflowBundle: WorkflowBundleWithSourceMap;
  before(async () => {
    workflowBundle = await bundle(workflowsPath);
  });

  it('has a captured history for every order scenario, and none for a scenario that is gone', () => {
    assert.deepEqual(fixtures, orderScenarios.map(historyFile).sort(), 'run `npm run histories:capture` to bring the fixtures in line with the scenarios');
  });

  it('replays every history without nondeterminism', async () => {
    assert.deepEqual(await replayFailures(workflowBundle, historiesDir, fixtures, 'order-histories'), []);
  });
});
