/**
 * K-63's reply watch: its committed histories (`test/replay/histories/reply-watch-*.json`,
 * written by `npm run histories:capture -- reply-watch` from real runs under a policy of
 * seconds: a message answered in time, one left unanswered and reported) replayed against the
 * workflow code as it is now. A change that would break running watches — a command added,
 * removed or reordered without `patched()` — fails here, naming the scenario.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowsPath } from '../../worker.js';
import { bundle } from '../support/harness.js';
import { historiesDir } from '../support/order-scenarios.js';
import { replyWatchHistoryFile, replyWatchScenarios } from '../support/reply-watch-scenarios.js';
import { fixturesIn, replayFailures } from '../support/replay.js';

const fixtures = fixturesIn(historiesDir, /^reply-watch-.*\.json$/);

describe('reply-watch histories replay on the current code', () => {
  let workflowBundle: WorkflowBundleWithSourceMap;
  before(async () => {
    workflowBundle = await bundle(workflowsPath);
  });

  it('has a captured history for every reply-watch scenario, and none for a scenario that is gone', () => {
    assert.deepEqual(fixtures, replyWatchScenarios.map(replyWatchHistoryFile).sort(), 'run `npm run histories:capture -- reply-watch` to bring the fixtures in line with the scenarios');
  });

  it('replays every history without nondeterminism', async () => {
    assert.deepEqual(await replayFailures(workflowBundle, historiesDir, fixtures, 'reply-watch-histories'), []);
  });
});
