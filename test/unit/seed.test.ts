/**
 * The seed every randomised test runs from (test/support/seed.ts): what a failure prints, and
 * that a seed from the environment replays the same values.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkProperty, randomHex, replayCommand, seed, seededRandom } from '../support/seed.js';
import { checkout as root } from '../support/root.js';


/** What a fresh process sees of the helper with `GIGFLOW_SEED` set to `value`. */
function inProcessWithSeed(value: string, script: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    env: { ...process.env, GIGFLOW_SEED: value },
    encoding: 'utf8',
  });
}

describe('the seed of randomised tests', () => {
  it('names the seed, the shrunk counterexample and the command that replays it when a property fails', async () => {
    const failure = await checkProperty(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 1 }), (values) => assert.ok(values.every((v) => v < 500), 'a value of 500 or more')),
      { numRuns: 100, file: import.meta.filename },
    ).then(
      () => assert.fail('the property holds for no seed'),
      (err: Error) => err,
    );
    assert.match(failure.message, new RegExp(`^property failed at run \\d+ of 100 with seed ${seed}, shrunk \\d+ times$`, 'm'));
    assert.match(failure.message, /^error: a value of 500 or more$/m);
    // Shrunk to the smallest failing case, one element a line.
    assert.match(failure.message, /^counterexample:\n {2}argument 0: \[\n {4}0: 500\n {2}\]$/m);
    assert.ok(failure.message.endsWith(`replay it: GIGFLOW_SEED=${seed} npm test -- test/unit/seed.test.ts`), failure.message);
    assert.equal(replayCommand(import.meta.filename), `GIGFLOW_SEED=${seed} npm test -- test/unit/seed.test.ts`);
  });

  it('generates the same values again from the same seed, and others from another', () => {
    const script = `
      import fc from 'fast-check';
      import { checkProperty, seed, seededRandom } from './test/support/seed.ts';
      const seen = [];
      await checkProperty(fc.property(fc.integer(), (n) => { seen.push(n); }), { numRuns: 5, file: 'x' });
      const random = seededRandom('stream');
      console.log(JSON.stringify({ seed, seen, random: [random(), random()] }));`;
    const [first, again, other] = ['123', '123', '124'].map((value) => {
      const child = inProcessWithSeed(value, script);
      assert.equal(child.status, 0, child.stderr);
      return JSON.parse(child.stdout) as { seed: number; seen: number[]; random: number[] };
    });
    assert.equal(first!.seed, 123);
    assert.deepEqual(again, first);
    assert.equal(other!.seed, 124);
    assert.notDeepEqual(other!.seen, first!.seen);
    assert.notDeepEqual(other!.random, first!.random);
  });

  it('refuses a seed that is not a 32-bit integer, naming the variable', () => {
    for (const value of ['abc', '1.5', '4294967296']) {
      const child = inProcessWithSeed(value, `await import('./test/support/seed.ts');`);
      assert.notEqual(child.status, 0);
      assert.match(child.stderr, new RegExp(`GIGFLOW_SEED must be a 32-bit integer, not "${value.replace('.', '\\.')}"`));
    }
  });

  it('gives each stream of the seeded generator its own values in [0, 1)', () => {
    const draw = (stream: string) => {
      const random = seededRandom(stream);
      return Array.from({ length: 1_000 }, random);
    };
    const a = draw('offers');
    assert.deepEqual(draw('offers'), a);
    assert.notDeepEqual(draw('authorization'), a);
    assert.ok(a.every((x) => x >= 0 && x < 1));
    // Spread over the interval, not stuck in a corner of it.
    assert.ok(a.filter((x) => x < 0.5).length > 400 && a.filter((x) => x < 0.5).length < 600);
    assert.match(randomHex(seededRandom('hex'), 24), /^[0-9a-f]{24}$/);
  });
});
