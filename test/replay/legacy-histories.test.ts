/**
 * Histories of code paths kept only for workflows that were already running when their
 * workflow changed (`test/replay/histories/legacy/`, never rewritten by
 * `npm run histories:capture`), replayed on the current code. Today: `kworkModeration` as it
 * ran before it moved onto the order's template (one effects activity); its new shape sits
 * behind `patched('moderation-effects-activity')`, so these must keep replaying until no
 * workflow without that marker runs any more.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowsPath } from '../../worker.js';
import { bundle } from '../support/harness.js';
import { fixturesIn, replayFailures } from '../support/replay.js';

const legacyDir = fileURLToPath(new URL('./histories/legacy/', import.meta.url));
const moderation = fixturesIn(legacyDir, /^moderation-.*\.json$/);

describe('histories of workflows that started before a change replay on the current code', () => {
  let workflowBundle: WorkflowBundleWithSourceMap;
  before(async () => {
    workflowBundle = await bundle(workflowsPath);
  });

  it('keeps the moderation histories captured before moderation moved onto one effects activity', () => {
    assert.ok(moderation.length >= 8, `legacy moderation fixtures: ${moderation.join(', ')}`);
  });

  it('replays every one of them without nondeterminism', async () => {
    assert.deepEqual(await replayFailures(workflowBundle, legacyDir, moderation, 'legacy-histories'), []);
  });
});
