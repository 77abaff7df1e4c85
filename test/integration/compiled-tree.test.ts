/**
 * The compiled tree the start scripts run the platform's processes from (scripts/compiled-tree.ts):
 * kept for the sources as they are, reused while nothing it was made from changed, a new one when
 * something did — a stale tree would run old code with no sign of it. Made here from a small
 * project of the test's own (a module, a module it imports, a package in its node_modules, a
 * static file it reads) in a folder of its own, which is no git checkout: its files are walked.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compiledEntry, keptCompiledTree, KEPT_TREES } from '../../scripts/compiled-tree.js';

describe('the kept compiled tree', () => {
  const root = mkdtempSync(join(tmpdir(), 'gigflow-tree-test-'));
  const trees = join(root, KEPT_TREES);
  const run = (tree: string) => spawnSync(process.execPath, ['--enable-source-maps', compiledEntry(tree, 'main.ts')], { cwd: root, encoding: 'utf8' });
  const writeGreeting = (text: string) => writeFileSync(join(root, 'lib', 'greeting.ts'), `export const greeting: string = ${JSON.stringify(text)};\n`);

  before(() => {
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'tree-test', type: 'module', private: true }));
    writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', strict: true } }));
    mkdirSync(join(root, 'lib'));
    mkdirSync(join(root, 'static'));
    writeGreeting('first greeting');
    writeFileSync(join(root, 'static', 'note.txt'), 'a note\n');
    mkdirSync(join(root, 'node_modules', 'shout'), { recursive: true });
    writeFileSync(join(root, 'node_modules', 'shout', 'package.json'), JSON.stringify({ name: 'shout', type: 'module', exports: './index.js' }));
    writeFileSync(join(root, 'node_modules', 'shout', 'index.js'), 'export const shout = (s) => s.toUpperCase();\n');
    writeFileSync(
      join(root, 'main.ts'),
      [
        "import { readFileSync } from 'node:fs';",
        "import { shout } from 'shout';",
        "import { greeting } from './lib/greeting.js';",
        'const note: string = readFileSync(new URL(\'./static/note.txt\', import.meta.url), \'utf8\').trim();',
        'console.log(`${shout(greeting)} / ${note}`);',
        "if (process.env.FAIL) throw new Error('failed on purpose');",
        '',
      ].join('\n'),
    );
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  let first = '';
  it('is built once, runs natively (packages from the checkout’s node_modules, files through its links), and is reused while the sources are unchanged', () => {
    const built = keptCompiledTree(root);
    assert.equal(built.built, true);
    assert.ok(built.dir.startsWith(trees), built.dir);
    first = built.dir;
    const out = run(built.dir);
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, 'FIRST GREETING / a note\n');
    // No link to node_modules inside node_modules: packages resolve upwards.
    assert.equal(existsSync(join(built.dir, 'node_modules')), false);

    const again = keptCompiledTree(root);
    assert.deepEqual(again, { dir: built.dir, built: false });
  });

  it('names the TypeScript line in a stack trace', () => {
    const out = spawnSync(process.execPath, ['--enable-source-maps', compiledEntry(first, 'main.ts')], { cwd: root, encoding: 'utf8', env: { ...process.env, FAIL: '1' } });
    assert.equal(out.status, 1);
    assert.match(out.stderr, /failed on purpose/);
    assert.match(out.stderr, /main\.ts:6:\d+/, out.stderr);
  });

  it('is made anew when a module changes or a file appears, and the tree a running platform has stays', () => {
    writeGreeting('second greeting');
    const changed = keptCompiledTree(root);
    assert.equal(changed.built, true);
    assert.notEqual(changed.dir, first);
    assert.equal(run(changed.dir).stdout, 'SECOND GREETING / a note\n');
    assert.equal(run(first).stdout, 'FIRST GREETING / a note\n', 'the older tree still runs');

    writeFileSync(join(root, 'static', 'other.txt'), 'another file\n');
    const grown = keptCompiledTree(root);
    assert.equal(grown.built, true);
    assert.ok(existsSync(join(grown.dir, 'static', 'other.txt')));
    assert.equal(keptCompiledTree(root).built, false);
  });

  it('drops trees no start has used for a week when it builds another', () => {
    const day = 24 * 3600_000;
    assert.equal(readdirSync(trees).length, 3);
    // The current tree used two days from now; the two older ones not since today.
    const current = keptCompiledTree(root, Date.now() + 2 * day);
    assert.equal(current.built, false);
    writeGreeting('third greeting');
    const later = keptCompiledTree(root, Date.now() + 8 * day);
    assert.equal(later.built, true);
    assert.deepEqual(readdirSync(trees).map((name) => join(trees, name)).sort(), [current.dir, later.dir].sort());
  });

  it('keeps the four trees used last, and a build cut off an hour ago goes', () => {
    const made: string[] = [];
    mkdirSync(join(trees, 'cut-off.123.building'));
    const at = Date.now() + 8 * 24 * 3600_000 + 2 * 3600_000;
    for (let i = 0; i < 5; i++) {
      writeGreeting(`greeting ${i}`);
      // A second apart, so that "used last" orders them.
      made.push(keptCompiledTree(root, at + i * 1000).dir);
    }
    assert.deepEqual(readdirSync(trees).map((name) => join(trees, name)).sort(), made.slice(-4).sort());
    assert.equal(run(made.at(-1)!).stdout, 'GREETING 4 / a note\n');
  });

  it('is a tree of its own for a second checkout of the same sources sharing the first’s node_modules, running its own files', () => {
    // As `git worktree add` of the same commit with node_modules linked: the same files, another folder.
    const second = mkdtempSync(join(tmpdir(), 'gigflow-tree-test-second-'));
    try {
      cpSync(root, second, { recursive: true, filter: (path) => !path.startsWith(join(root, 'node_modules')) });
      symlinkSync(join(root, 'node_modules'), join(second, 'node_modules'), 'dir');
      const mine = keptCompiledTree(root, Date.now() + 9 * 24 * 3600_000);
      const theirs = keptCompiledTree(second, Date.now() + 9 * 24 * 3600_000);
      assert.equal(theirs.built, true, 'not the first checkout’s tree');
      assert.notEqual(theirs.dir, mine.dir);
      // An edit in the first checkout is not the second's.
      writeFileSync(join(root, 'static', 'note.txt'), 'an edit of the first checkout\n');
      assert.equal(run(theirs.dir).stdout, 'GREETING 4 / a note\n');
      assert.equal(run(mine.dir).stdout, 'GREETING 4 / an edit of the first checkout\n');
    } finally {
      rmSync(second, { recursive: true, force: true });
    }
  });
});
