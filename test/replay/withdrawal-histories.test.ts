/**
 * The withdrawal and payout-batch workflows' committed histories
 * (`test/replay/histories/withdrawal-*.json`, written by `npm run histories:capture -- withdrawal`
 * from real runs against the payment stand-ins: paid, failed, cancelled; a reconciled batch and
 * one skipped for a holiday) replayed against the workflow code as it is now. A change that would
 * break running withdrawals or batches — a command added, removed or reordered without
 * `patched()` — fails here, naming the scenario.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowsPath } from '../../worker.js';
import { bundle } from '../support/harness.js';
import { historiesDir } from '../support/order-scenarios.js';
import { fixturesIn, replayFailures } from '../support/replay.js';
import { withdrawalHistoryFile, withdrawalScenarios } from '../support/withdrawal-scenarios.js';

const fixtures = fixturesIn(historiesDir, /^withdrawal-.*\.json$/);

describe('withdrawal and payout batch histories replay on the current code', () => {
  let workflowBundle: WorkflowBundleWithSourceMap;
  before(async () => {
    workflowBundle = await bundle(workflowsPath);
  });

  it('has a captured history for every withdrawal scenario, and none for a scenario that is gone', () => {
    assert.deepEqual(fixtures, withdrawalScenarios.map(withdrawalHistoryFile).sort(), 'run `npm run histories:capture -- withdrawal` to bring the fixtures in line with the scenarios');
  });

  it('replays every history without nondeterminism', async () => {
    assert.deepEqual(await replayFailures(workflowBundle, historiesDir, fixtures, 'withdrawal-histories'), []);
  });
});
