/**
 * The order workflow's committed histories (`test/replay/histories/order-*.json`, written by
 * `npm run histories:capture` from real runs of every order scenario) replayed against the
 * workflow code as it is now. A change that would break running orders — a command added,
 * removed or reordered without `patched()` — fails here, naming the scenario.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowsPath } from '../../worker.js';
import { bundle } from '../support/harness.js';
import { historiesDir, historyFile, orderScenarios } from '../support/order-scenarios.js';

const fixtures = (existsSync(historiesDir) ? readdirSync(historiesDir) : []).filter((file) => /^order-.*\.json$/.test(file)).sort();

describe('order workflow histories replay on the current code', () => {
  let workflowBundle: WorkflowBundleWithSourceMap;
  before(async () => {
    workflowBundle = await bundle(workflowsPath);
  });

  it('has a captured history for every order scenario, and none for a scenario that is gone', () => {
    assert.deepEqual(fixtures, orderScenarios.map(historyFile).sort(), 'run `npm run histories:capture` to bring the fixtures in line with the scenarios');
  });

  it('replays every history without nondeterminism', async () => {
    const histories = fixtures.map((file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(readFileSync(join(historiesDir, file), 'utf8'))),
    }));
    for (const { workflowId, history } of histories) {
      const last = history.events?.at(-1);
      assert.ok(last?.workflowExecutionCompletedEventAttributes, `${workflowId}: the history of a completed workflow`);
    }
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle, replayName: 'order-histories' }, histories)) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    assert.deepEqual(failures, []);
    assert.equal(replayed, fixtures.length);
  });
});
