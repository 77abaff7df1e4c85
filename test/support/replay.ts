/**
 * Replaying committed workflow histories against the workflow code as it is now: a change
 * that would break running workflows — a command added, removed or reordered without
 * `patched()` — fails the replay, naming the fixture.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { testPayloadCodec } from './payload-keys.js';

/** The fixture files in `dir` whose names match `pattern`, sorted. */
export function fixturesIn(dir: string, pattern: RegExp): string[] {
  return (existsSync(dir) ? readdirSync(dir) : []).filter((file) => pattern.test(file)).sort();
}

/**
 * Replays every fixture (each a completed workflow's history, plain or encrypted with the test
 * key of `./payload-keys.ts`) with `workflowBundle`; resolves
 * to the failures, `<fixture>: <error>`, an empty list when all replay.
 */
export async function replayFailures(workflowBundle: WorkflowBundle, dir: string, files: string[], replayName: string): Promise<string[]> {
  const histories = files.map((file) => ({
    workflowId: file.replace(/\.json$/, ''),
    history: historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8'))),
  }));
  for (const { workflowId, history } of histories) {
    assert.ok(history.events?.at(-1)?.workflowExecutionCompletedEventAttributes, `${workflowId}: the history of a completed workflow`);
  }
  const failures: string[] = [];
  let replayed = 0;
  // Histories captured with the test key decrypt with it; plain ones pass through.
  for await (const result of Worker.runReplayHistories({ workflowBundle, replayName, dataConverter: { payloadCodecs: [testPayloadCodec] } }, histories)) {
    replayed++;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
  }
  assert.equal(replayed, files.length);
  return failures;
}
