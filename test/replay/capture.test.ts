/**
 * `npm run histories:capture` itself, end to end for one process: the script that writes the
 * histories `./histories.test.ts` replays once failed for a while (its harness set-up had fallen
 * behind the test harness's) and nothing noticed until someone needed it. Here it runs as a
 * developer runs it — npm, the real script, its worker on a real dev server, its own template and
 * database — for the buyer-status runs, the cheapest process (two short workflows, no timers), into
 * a folder of the run's (`--out`): the committed fixtures are never touched.
 *
 * It runs on the run's servers (DATABASE_URL, TEMPORAL_ADDRESS: starting its own would run the
 * same start-up code `test/run.ts` runs for every run) and the run's workflow bundle
 * (`--workflow-bundle`), which keeps it to about 7 s of CPU, most of it loading the script; and
 * without the run's GIGFLOW_TEST_* variables, so the script must tell the harness everything it
 * reads, as it must when a developer runs it.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import type { Payload } from '@temporalio/common';
import { pollUntil } from '../../scripts/poll.js';
import { signalGroup } from '../../scripts/supervisor.js';
import { workflowsPath } from '../../worker.js';
import { buyerStatusesWorkflowType } from '../../workflows/buyer-statuses/messages.js';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../codec/payload-codec.js';
import { buyerStatusHistoryFile, buyerStatusScenarios } from '../support/buyer-status-scenarios.js';
import { bundle, harness, uniqueId } from '../support/harness.js';
import { historiesDir } from '../support/order-scenarios.js';
import { TEST_PAYLOAD_KEY_ID } from '../support/payload-keys.js';
import { fixturesIn, replayFailures } from '../support/replay.js';
import { checkout as root } from '../support/root.js';

/** The capture took 9–33 s on two cores loaded by other runs: this bounds a hung one, which then fails this file, not the run. */
const CAPTURE_TIMEOUT_MS = 120_000;

/** Each committed fixture's name and content hash: what the capture must leave as it was. */
function committedFixtures(): Record<string, string> {
  return Object.fromEntries(fixturesIn(historiesDir, /\.json$/).map((file) => [file, createHash('sha256').update(readFileSync(join(historiesDir, file))).digest('hex')]));
}

/** The test's environment without the run's harness variables: the script must set them itself. */
function scriptEnvironment(): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('GIGFLOW_TEST_'));
  return {
    ...Object.fromEntries(inherited),
    NODE_ENV: 'test',
    DATABASE_URL: harness.pgAdminUrl,
    TEMPORAL_ADDRESS: harness.temporalAddress,
    TEMPORAL_NAMESPACE: harness.namespace,
  };
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

function isEncryptedWithTestKey(payload: Payload): boolean {
  const text = (bytes: Uint8Array | null | undefined) => new TextDecoder().decode(bytes ?? new Uint8Array());
  return text(payload.metadata?.encoding) === ENCRYPTED_ENCODING && text(payload.metadata?.[KEY_ID_METADATA]) === TEST_PAYLOAD_KEY_ID;
}

describe('npm run histories:capture', () => {
  const out = join(harness.scratch, uniqueId('captured-histories'));
  const expected = buyerStatusScenarios.map(buyerStatusHistoryFile).sort();
  let committed: Record<string, string>;
  let child: ChildProcess | undefined;
  let output = '';
  let exitCode: number | null = null;

  before(async () => {
    committed = committedFixtures();
    // Its own process group, so that a capture that hangs is stopped whole (npm, the script) in `after`.
    child = spawn('npm', ['run', 'histories:capture', '--', '--out', out, '--workflow-bundle', harness.workflowBundle, 'buyer-statuses'], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: scriptEnvironment(),
    });
    const running = child;
    running.stdout!.on('data', (chunk) => (output += chunk));
    running.stderr!.on('data', (chunk) => (output += chunk));
    await pollUntil(() => exited(running), { timeoutMs: CAPTURE_TIMEOUT_MS, what: 'the capture to exit' }).catch((err: Error) => {
      throw new Error(`${err.message}; its output so far:\n${output}`);
    });
    exitCode = running.exitCode;
  });

  after(async () => {
    const running = child;
    if (!running || exited(running)) return;
    // SIGTERM first: the script drops the databases it made, then exits, and npm with it.
    signalGroup(running.pid!, 'SIGTERM');
    await pollUntil(() => exited(running), { timeoutMs: 30_000, what: 'the timed-out capture to stop' }).finally(() => signalGroup(running.pid!, 'SIGKILL'));
  });

  it('exits 0, saying where it wrote the histories', () => {
    assert.equal(exitCode, 0, output);
    assert.ok(output.includes(`[histories] ${expected.length} histories in ${out} (`), output);
  });

  it('writes one history per buyer-status scenario into --out, and leaves the committed fixtures as they were', () => {
    assert.deepEqual(fixturesIn(out, /./), expected);
    assert.deepEqual(committedFixtures(), committed);
  });

  it('writes histories of buyer-status runs, every payload encrypted with the test key', () => {
    for (const file of expected) {
      const events = historyFromJSON(JSON.parse(readFileSync(join(out, file), 'utf8'))).events ?? [];
      const started = events[0]?.workflowExecutionStartedEventAttributes;
      assert.equal(started?.workflowType?.name, buyerStatusesWorkflowType, file);
      const completed = events.at(-1)?.workflowExecutionCompletedEventAttributes;
      const payloads = [...(started?.input?.payloads ?? []), ...(completed?.result?.payloads ?? [])];
      assert.ok(payloads.length >= 2 && payloads.every(isEncryptedWithTestKey), `${file}: the run's input and result, encrypted with ${TEST_PAYLOAD_KEY_ID}`);
    }
  });

  it('writes histories that replay on the current workflow code without nondeterminism', async () => {
    assert.deepEqual(await replayFailures(await bundle(workflowsPath), out, expected, 'captured-histories'), []);
  });
});
