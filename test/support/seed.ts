/**
 * The one seed of every randomised test (issue 12): `GIGFLOW_SEED` when set, a fixed default
 * otherwise, so that the suite runs the same way every time and a failure seen once can be
 * replayed exactly. fast-check properties run through `checkProperty`; other code that needs
 * randomness takes a stream from `seededRandom`.
 */
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { sourcePath } from './root.js';

/** The environment variable that replays a seed: `GIGFLOW_SEED=123 npm test -- <file>`. */
export const SEED_VARIABLE = 'GIGFLOW_SEED';
/** Used when `GIGFLOW_SEED` is unset: any fixed value does, as long as it does not change. */
export const DEFAULT_SEED = 42;

function readSeed(): number {
  const text = process.env[SEED_VARIABLE]?.trim();
  if (!text) return DEFAULT_SEED;
  const value = Number(text);
  // fast-check's seeds are 32-bit integers; anything else would be rescaled silently.
  if (!/^-?\d+$/.test(text) || value < -(2 ** 31) || value > 2 ** 31 - 1) {
    throw new Error(`${SEED_VARIABLE} must be a 32-bit integer, not ${JSON.stringify(text)}`);
  }
  return value;
}

/** This run's seed. */
export const seed: number = readSeed();

/**
 * The command that runs `file` (a path, `import.meta.filename`, or a URL, `import.meta.url`) again
 * with this seed, named as the checkout names it (`test/unit/seed.test.ts`, also when the run
 * loaded it compiled).
 */
export function replayCommand(file: string): string {
  return `${SEED_VARIABLE}=${seed} npm test -- ${sourcePath(file.startsWith('file:') ? fileURLToPath(file) : file)}`;
}

/**
 * Runs `property` from this run's seed for exactly `numRuns` runs. On failure it throws an
 * error naming the seed, the shrunk counterexample (one argument, and one array element, a
 * line) and the command that replays it; the property's own error is its `cause`.
 */
export async function checkProperty<Ts>(
  property: fc.IAsyncProperty<Ts> | fc.IProperty<Ts>,
  { numRuns, file }: { numRuns: number; file: string },
): Promise<void> {
  const details: fc.RunDetails<Ts> = await fc.check(property as fc.IRawProperty<Ts>, { seed, numRuns });
  if (!details.failed) return;
  const replay = `replay it: ${replayCommand(file)}`;
  if (details.counterexample === null) {
    throw new Error(`property failed (${details.interrupted ? 'interrupted' : 'too many skipped runs'}) with seed ${seed}; ${replay}`);
  }
  const cause = details.errorInstance;
  throw new Error(
    [
      `property failed at run ${details.numRuns} of ${numRuns} with seed ${seed}, shrunk ${details.numShrinks} times`,
      `error: ${cause instanceof Error ? cause.message : String(cause)}`,
      'counterexample:',
      formatCounterexample(details.counterexample),
      replay,
    ].join('\n'),
    { cause },
  );
}

/** One argument a line, and one element a line of an array argument (a sequence of commands). */
function formatCounterexample(values: unknown): string {
  return (values as unknown[])
    .map((value, arg) =>
      Array.isArray(value)
        ? [`  argument ${arg}: [`, ...value.map((item, i) => `    ${i}: ${fc.stringify(item)}`), '  ]'].join('\n')
        : `  argument ${arg}: ${fc.stringify(value)}`,
    )
    .join('\n');
}

/**
 * A pseudo-random number generator in [0, 1) for code outside fast-check, determined by this
 * run's seed and `stream`: each caller names its own stream (e.g. its file), so that adding a
 * draw in one place does not shift every other. mulberry32 over an FNV-1a hash of both.
 */
export function seededRandom(stream: string): () => number {
  let state = (seed ^ 0x811c9dc5) >>> 0;
  for (const char of stream) state = Math.imul(state ^ char.codePointAt(0)!, 0x01000193) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** `length` lowercase hex digits drawn from `random`. */
export function randomHex(random: () => number, length: number): string {
  return Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('');
}
