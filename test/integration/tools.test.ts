import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
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

  it('warns when the Temporal CLI it is given is a release before 1.9, whose dev server SQLite can wedge', () => {
    const dir = join(harness.scratch, uniqueId('old-cli'));
    mkdirSync(dir);
    const cli = join(dir, 'temporal');
    const fake = (version: string) => writeFileSync(cli, `#!/bin/sh\necho "temporal version ${version} (Server 1.29.1, UI 2.42.1)"\n`, { mode: 0o755 });
    fake('1.5.1');
    const old = provision({ TEMPORAL_CLI: cli });
    assert.equal(old.status, 0, old.text);
    assert.match(old.text, /is Temporal CLI 1\.5\.1: its dev server can stop answering \("interrupted \(9\)"\) after cancelled calls/);
    fake('1.9.1');
    const current = provision({ TEMPORAL_CLI: cli });
    assert.equal(current.status, 0, current.text);
    assert.doesNotMatch(current.text, /interrupted/);
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

  it('says Java, its compiler and Maven are missing when it has no test server and cannot fetch one', () => {
    const { status, text } = provision({ ...bare(), TEMPORAL_CLI: harness.temporalCli });
    assert.equal(status, 1, text);
    assert.match(text, /test server is missing and java, javac and mvn are not installed/);
  });
});
