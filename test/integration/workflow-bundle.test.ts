/**
 * The workflows' bundle a worker keeps between starts (scripts/workflow-bundle.ts): reused only
 * while everything it was built from is as it was — a stale bundle would run old workflow code
 * with no sign of it. Built here from a small workflow module of the test's own in a folder of
 * its own, whose `node_modules` is the checkout's (a link): outside node_modules itself, where
 * webpack takes packages as they are installed and does not watch their files one by one.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { workflowBundle } from '../../scripts/workflow-bundle.js';
import { checkout } from '../support/root.js';
import { quietBundlerLogger } from '../support/shared-fixtures.js';

describe('the kept workflow bundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gigflow-bundle-test-'));
  const source = join(dir, 'src');
  const cache = join(dir, 'cache');
  const workflowsPath = join(source, 'workflows.js');
  const bundleOf = () => workflowBundle({ workflowsPath, logger: quietBundlerLogger }, cache);

  before(() => {
    mkdirSync(source, { recursive: true });
    symlinkSync(join(checkout, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(workflowsPath, `const { greeting } = require('./greeting');\nexports.greet = async function greet() { return greeting; };\n`);
    writeFileSync(join(source, 'greeting.js'), `exports.greeting = 'first greeting';\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is built once and reused while its files are unchanged', async () => {
    const built = await bundleOf();
    assert.equal(built.cached, false);
    assert.match(built.code, /first greeting/);
    const again = await bundleOf();
    assert.equal(again.cached, true);
    assert.equal(again.code, built.code);
  });

  it('is the same kept bundle when its workflows are reached through a link (the tests\' compiled tree)', async () => {
    const linked = join(dir, 'linked');
    symlinkSync(source, linked);
    const throughLink = await workflowBundle({ workflowsPath: join(linked, 'workflows.js'), logger: quietBundlerLogger }, cache);
    assert.equal(throughLink.cached, true);
    assert.deepEqual(readdirSync(cache).filter((file) => file.endsWith('.json')).length, 1);
  });

  it('is built again when a file it was built from changes', async () => {
    writeFileSync(join(source, 'greeting.js'), `exports.greeting = 'second greeting';\n`);
    const rebuilt = await bundleOf();
    assert.equal(rebuilt.cached, false);
    assert.match(rebuilt.code, /second greeting/);
    assert.doesNotMatch(rebuilt.code, /first greeting/);
    assert.equal((await bundleOf()).cached, true);
  });

  it('is built again when a file appears where the bundler looked and found nothing (it now resolves there)', async () => {
    // `./greeting` was looked for as written before `greeting.js`: a file of that very name now wins.
    writeFileSync(join(source, 'greeting'), `exports.greeting = 'shadowing greeting';\n`);
    const rebuilt = await bundleOf();
    assert.equal(rebuilt.cached, false);
    assert.match(rebuilt.code, /shadowing greeting/);
  });

  it('is built again when the kept file is damaged', async () => {
    assert.equal((await bundleOf()).cached, true);
    for (const file of readdirSync(cache)) writeFileSync(join(cache, file), '{"read":');
    const rebuilt = await bundleOf();
    assert.equal(rebuilt.cached, false);
    assert.match(rebuilt.code, /shadowing greeting/);
  });

  it('is made ahead, plain and traced, by `npm run workflows:bundle`, and a second run only checks them', () => {
    const run = () => spawnSync('npm', ['run', '-s', 'workflows:bundle'], { cwd: checkout, encoding: 'utf8', timeout: 120_000 });
    run();
    const again = run();
    assert.equal(again.status, 0, again.stderr);
    const reused = again.stdout.split('\n').filter((line) => line.startsWith('workflow bundle unchanged since it was built: reused'));
    assert.deepEqual(reused.map((line) => JSON.parse(line.slice(line.indexOf('{'))).traced), [false, true], again.stdout);
  });
});
