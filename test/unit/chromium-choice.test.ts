/**
 * Which Chromium the browser tests run (`scripts/chromium.ts`): `CHROMIUM` when set, else
 * Debian's headless shell (a third less CPU over the browser tests than the whole browser),
 * else Debian's `chromium`. Read in a process of its own whose PATH holds only stand-in
 * executables, so the machine's own browsers do not answer.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { checkout, compiled, loadedRoot } from '../support/root.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** What `findChromium` answers with only `executables` (and a shell) on PATH, and `CHROMIUM` as given. */
function chosen(executables: string[], named?: string): string {
  const bin = mkdtempSync(join(tmpdir(), 'gigflow-chromium-'));
  dirs.push(bin);
  symlinkSync('/bin/sh', join(bin, 'sh'));
  for (const name of executables) {
    writeFileSync(join(bin, name), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, name), 0o755);
  }
  const module = pathToFileURL(join(loadedRoot, compiled ? 'scripts/chromium.js' : 'scripts/chromium.ts')).href;
  const script = `const { findChromium } = await import(${JSON.stringify(module)}); process.stdout.write(String(findChromium()));`;
  const env: NodeJS.ProcessEnv = { PATH: bin, ...(named ? { CHROMIUM: named } : {}) };
  const out = spawnSync(process.execPath, [...(compiled ? [] : ['--import', 'tsx']), '--input-type=module', '-e', script], { cwd: checkout, env, encoding: 'utf8', timeout: 30_000 });
  assert.equal(out.status, 0, out.stderr);
  return out.stdout.replace(bin, '<bin>');
}

describe('the browser tests’ Chromium', () => {
  it('is the headless shell when Debian’s package is there, beside the whole browser or alone', () => {
    assert.equal(chosen(['chromium', 'chromium-headless-shell']), '<bin>/chromium-headless-shell');
    assert.equal(chosen(['chromium-headless-shell']), '<bin>/chromium-headless-shell');
  });

  it('is the whole browser when the shell is missing, and none when neither is there', () => {
    assert.equal(chosen(['chromium']), '<bin>/chromium');
    assert.equal(chosen(['chromium-browser']), '<bin>/chromium-browser');
    assert.equal(chosen([]), 'undefined');
  });

  it('is the one CHROMIUM names, whatever is installed', () => {
    assert.equal(chosen(['chromium', 'chromium-headless-shell'], '/opt/chrome/chrome'), '/opt/chrome/chrome');
  });
});
