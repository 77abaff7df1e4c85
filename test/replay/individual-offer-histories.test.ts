/**
 * The individual offer workflow's committed histories (`test/replay/histories/individual-offer-*.json`,
 * written by `npm run histories:capture -- individual-offer` from real runs under a policy of
 * seconds: an offer that expired, one declined first) replayed against the workflow code as it
 * is now. A change that would break running offers fails here, naming the scenario.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowsPath } from '../../worker.js';
import { bundle } from '../support/harness.js';
import { individualOfferHistoryFile, individualOfferScenarios } from '../support/individual-offer-scenarios.js';
import { historiesDir } from '../support/order-scenarios.js';
import { fixturesIn, replayFailures } from '../support/replay.js';

const fixtures = fixturesIn(historiesDir, /^individual-offer-.*\.json$/);

describe('individual offer histories replay on the current code', () => {
  let workflowBundle: WorkflowBundleWithSourceMap;
  before(async () => {
    workflowBundle = await bundle(workflowsPath);
  });

  it('has a captured history for every individual offer scenario, and none for a scenario that is gone', () => {
    assert.deepEqual(fixtures, individualOfferScenarios.map(individualOfferHistoryFile).sort(), 'run `npm run histories:capture -- individual-offer` to bring the fixtures in line with the scenarios');
  });

  it('replays every history without nondeterminism', async () => {
    assert.deepEqual(await replayFailures(workflowBundle, historiesDir, fixtures, 'individual-offer-histories'), []);
  });
});
