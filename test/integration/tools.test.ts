import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { harness, uniqueId } from '../support/harness.js';
import { checkout as root } from '../support/root.js';


/** `npm run tools` as a process, with the environment given. */
function provision(env: Record<string, string | undefined>) {
  const out = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/tools.ts'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TEMPORAL_CLI: undefined, ...env },
  });
  return { status: out.status, text: out.stdout + out.stderr };
}

describe('provisioning the Temporal tools', () => {
  it('reuses what the cache folder already holds, building nothing', () => {
    const { status, text } = provision({});
    assert.equal(status, 0, text);
    assert.match(text, /temporal CLI: +\S+temporal/);
    assert.match(text, /test server: +\S+temporal-test-server/);
    assert.doesNotMatch(text, /building|fetching/);
  });

  it('prefers a Temporal CLI named by TEMPORAL_CLI', () => {
    const { status, text } = provision({ TEMPORAL_CLI: harness.temporalCli });
    assert.equal(status, 0, text);
    assert.ok(text.includes(`temporal CLI:  ${harness.temporalCli}`), text);
  });

  /** A PATH with Node alone, and an empty cache folder. */
  function bare() {
    const bin = join(harness.scratch, uniqueId('bin'));
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    return { PATH: bin, GIGFLOW_TOOLS_DIR: join(harness.scratch, uniqueId('empty-cache')) };
  }

  it('says Go is missing when it has no Temporal CLI and cannot build one', () => {
    const { status, text } = provision(bare());
    assert.equal(status, 1, text);
    assert.match(text, /the Temporal CLI is missing and Go is not installed/);
  });

  it('says Java and Maven are missing when it has no test server and cannot fetch one', () => {
    const { status, text } = provision({ ...bare(), TEMPORAL_CLI: harness.temporalCli });
    assert.equal(status, 1, text);
    assert.match(text, /test server is missing and java and mvn are not installed/);
  });
});
