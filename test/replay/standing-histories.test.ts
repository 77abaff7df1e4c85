/**
 * The standing workflow's committed histories (`test/replay/histories/standing-*.json`, written
 * by `npm run histories:capture -- standing` from real runs under a policy of seconds: an ignored
 * order's block lifting by itself, rudeness lifted early by staff, spam's account block, and a
 * run continued as new) replayed against the workflow code as it is now. A change that would
 * break running standings — a command added, removed or reordered without `patched()` — fails
 * here, naming the scenario.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowsPath } from '../../worker.js';
import { bundle } from '../support/harness.js';
import { historiesDir } from '../support/order-scenarios.js';
import { fixturesIn, replayFailures } from '../support/replay.js';
import { standingHistoryFile, standingScenarios } from '../support/standing-scenarios.js';

const fixtures = fixturesIn(historiesDir, /^standing-.*\.json$/);

describe('standing histories replay on the current code', () => {
  let workflowBundle: WorkflowBundleWithSourceMap;
  before(async () => {
    workflowBundle = await bundle(workflowsPath);
  });

  it('has a captured history for every standing scenario, and none for a scenario that is gone', () => {
    assert.deepEqual(fixtures, standingScenarios.map(standingHistoryFile).sort(), 'run `npm run histories:capture -- standing` to bring the fixtures in line with the scenarios');
  });

  it('replays every history without nondeterminism', async () => {
    assert.deepEqual(await replayFailures(workflowBundle, historiesDir, fixtures, 'standing-histories'), []);
  });
});
