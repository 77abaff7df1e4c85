/**
 * The service request workflow's committed histories (`test/replay/histories/request-*.json`,
 * written by `npm run histories:capture -- request` from real runs under a policy of seconds:
 * a request expired with no pick, one picked twice over after a pick short of money, one
 * rejected) replayed against the workflow code as it is now. A change that would break running
 * requests — a command added, removed or reordered without `patched()` — fails here, naming the
 * scenario.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowsPath } from '../../worker.js';
import { bundle } from '../support/harness.js';
import { historiesDir } from '../support/order-scenarios.js';
import { fixturesIn, replayFailures } from '../support/replay.js';
import { requestHistoryFile, requestScenarios } from '../support/request-scenarios.js';

const fixtures = fixturesIn(historiesDir, /^request-.*\.json$/);

describe('service request histories replay on the current code', () => {
  let workflowBundle: WorkflowBundleWithSourceMap;
  before(async () => {
    workflowBundle = await bundle(workflowsPath);
  });

  it('has a captured history for every request scenario, and none for a scenario that is gone', () => {
    assert.deepEqual(fixtures, requestScenarios.map(requestHistoryFile).sort(), 'run `npm run histories:capture -- request` to bring the fixtures in line with the scenarios');
  });

  it('replays every history without nondeterminism', async () => {
    assert.deepEqual(await replayFailures(workflowBundle, historiesDir, fixtures, 'request-histories'), []);
  });
});
