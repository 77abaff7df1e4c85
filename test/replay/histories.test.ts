/**
 * Every committed workflow history replayed against the workflow code as it is now, with one
 * workflow bundle for them all. A change that would break a running workflow — a command added,
 * removed or reordered without `patched()` — fails here, naming the history.
 *
 * `histories/<process>-<scenario>.json` are written by `npm run histories:capture -- <process>`
 * from real runs of each process's scenarios (most under a policy of seconds); each process's
 * fixtures must match its scenarios one to one. Among them: every order ending; every
 * moderation path; withdrawals paid, failed and cancelled against the payment stand-ins, a
 * reconciled payout batch and one skipped for a holiday; a standing's block lifting by itself,
 * lifted early, an account block and a run continued as new; the buyer-status run with nobody
 * due and with a Super buyer whose window passed; an individual offer expired and one declined;
 * K-63's reply watch answered in time and ignored; a service request expired, picked twice over
 * after a pick short of money, and rejected; the monthly affiliate payout run with nothing due, and
 * with payouts paid (one set up at the cut-off's last instant, one automatic) and one refused;
 * an estimated job approved by its client, approved
 * automatically (W-13), and cancelled after payment with a full refund (W-11).
 *
 * `histories/legacy/` holds code paths kept only for workflows that were already running when
 * their workflow changed, never rewritten by the capture. Today: `kworkModeration` as it ran
 * before it moved onto one effects activity; its new shape sits behind
 * `patched('moderation-effects-activity')`, so these replay until no workflow without that
 * marker runs any more. And the order histories from before a party's action named only its
 * sender (`PartyActArgs`, resolved by the workflow's `sideOf`): their actions name the side.
 * And those from before a placement committed the order before starting its workflow (issue 19
 * §3, `OrderInput.committedBeforeStart`): their first task waits for the placement (`loadOrder`).
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import type { WorkflowBundle } from '@temporalio/worker';
import { workflowsPath } from '../../worker.js';
import { affiliatePayoutHistoryFile, affiliatePayoutScenarios } from '../support/affiliate-payout-scenarios.js';
import { buyerStatusHistoryFile, buyerStatusScenarios } from '../support/buyer-status-scenarios.js';
import { bundle } from '../support/harness.js';
import { individualOfferHistoryFile, individualOfferScenarios } from '../support/individual-offer-scenarios.js';
import { jobHistoryFile, jobScenarios } from '../support/job-scenarios.js';
import { moderationHistoryFile, moderationScenarios } from '../support/moderation-scenarios.js';
import { historiesDir, historyFile, orderScenarios } from '../support/order-scenarios.js';
import { fixturesIn, replayFailures } from '../support/replay.js';
import { replyWatchHistoryFile, replyWatchScenarios } from '../support/reply-watch-scenarios.js';
import { requestHistoryFile, requestScenarios } from '../support/request-scenarios.js';
import { standingHistoryFile, standingScenarios } from '../support/standing-scenarios.js';
import { withdrawalHistoryFile, withdrawalScenarios } from '../support/withdrawal-scenarios.js';

/** Each process by its capture name (the fixtures' prefix), with the files its scenarios should have left. */
const processes: { name: string; expected: string[] }[] = [
  { name: 'order', expected: orderScenarios.map(historyFile) },
  { name: 'moderation', expected: moderationScenarios.map(moderationHistoryFile) },
  { name: 'withdrawal', expected: withdrawalScenarios.map(withdrawalHistoryFile) },
  { name: 'standing', expected: standingScenarios.map(standingHistoryFile) },
  { name: 'buyer-statuses', expected: buyerStatusScenarios.map(buyerStatusHistoryFile) },
  { name: 'individual-offer', expected: individualOfferScenarios.map(individualOfferHistoryFile) },
  { name: 'reply-watch', expected: replyWatchScenarios.map(replyWatchHistoryFile) },
  { name: 'request', expected: requestScenarios.map(requestHistoryFile) },
  { name: 'affiliate-payout', expected: affiliatePayoutScenarios.map(affiliatePayoutHistoryFile) },
  { name: 'job', expected: jobScenarios.map(jobHistoryFile) },
];

const legacyDir = fileURLToPath(new URL('./histories/legacy/', import.meta.url));
const legacyModeration = fixturesIn(legacyDir, /^moderation-.*\.json$/);
/** Histories captured before payloads were encrypted (issue 19 §5): they must keep replaying as plain payloads. */
const legacyPlain = fixturesIn(legacyDir, /^reply-watch-.*-plain\.json$/);
/** Order histories whose party actions named their side (the API read the order's row first): running orders still have them. */
const legacySideNamed = fixturesIn(legacyDir, /^order-.*-side-named\.json$/);
/** Order histories whose workflow was started inside the placement's transaction, and waited for it: running orders still have them. */
const legacyCheckedAtStart = fixturesIn(legacyDir, /^order-.*-checked-at-start\.json$/);

describe('committed workflow histories replay on the current code', () => {
  let workflowBundle: WorkflowBundle;
  before(async () => {
    workflowBundle = await bundle(workflowsPath);
  });

  for (const { name, expected } of processes) {
    const fixtures = fixturesIn(historiesDir, new RegExp(`^${name}-.*\\.json$`));
    it(`has a captured ${name} history for every scenario, and none for a scenario that is gone`, () => {
      assert.deepEqual(fixtures, [...expected].sort(), `run \`npm run histories:capture -- ${name}\` to bring the fixtures in line with the scenarios`);
    });
    it(`replays every ${name} history without nondeterminism`, async () => {
      assert.deepEqual(await replayFailures(workflowBundle, historiesDir, fixtures, `${name}-histories`), []);
    });
  }

  it('keeps the moderation histories captured before moderation moved onto one effects activity', () => {
    assert.ok(legacyModeration.length >= 8, `legacy moderation fixtures: ${legacyModeration.join(', ')}`);
  });
  it('keeps reply-watch histories captured before payloads were encrypted', () => {
    assert.equal(legacyPlain.length, 2, `plain fixtures: ${legacyPlain.join(', ')}`);
  });
  it('keeps the order histories captured while party actions named their side', () => {
    assert.equal(legacySideNamed.length, 9, `side-named fixtures: ${legacySideNamed.join(', ')}`);
  });
  it('keeps the order histories captured while the placement started its workflow inside its transaction', () => {
    assert.equal(legacyCheckedAtStart.length, 9, `checked-at-start fixtures: ${legacyCheckedAtStart.join(', ')}`);
  });
  it('replays every legacy history without nondeterminism', async () => {
    assert.deepEqual(await replayFailures(workflowBundle, legacyDir, [...legacyModeration, ...legacyPlain, ...legacySideNamed, ...legacyCheckedAtStart], 'legacy-histories'), []);
  });
});
