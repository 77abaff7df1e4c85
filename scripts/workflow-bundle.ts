/**
 * The workflows' bundle, built once and kept until what it was built from changes: a worker
 * process that bundles `workflows/` at every start spends about 2 s (2.7 s of CPU) in webpack
 * before it polls, each time it is started or restarted after a crash. Temporal's advice for
 * production is a bundle built ahead (`bundleWorkflowCode`, then `workflowBundle`); this is that,
 * built by the first start instead of a separate step, and checked at every start.
 *
 * Kept in `node_modules/.cache/gigflow/workflow-bundles/` of the checkout (one file per set of
 * bundle options: one for a plain worker, one for a traced one). With the code, the file keeps
 * every file webpack read to build it, with its SHA-256, and every path webpack looked for and
 * did not find (where a file added later would be resolved instead). The kept bundle is used
 * only when every read file is unchanged and every missing path is still missing: a workflow's
 * source edited, an import added (its importer changed), a file that now shadows another. Inside
 * node_modules webpack takes packages as installed and notes no missing paths: the lockfile's
 * hash is in the key, with the SDK's version and the options, so any install that changes a
 * package (the bundler's own, webpack and swc, among them) starts afresh. A stale bundle is
 * never run. A cache that cannot be read or written (a read-only install) costs only the time
 * it would have saved.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';

/** The cache of this checkout's installation. */
const WORKFLOW_BUNDLE_CACHE = fileURLToPath(new URL('../node_modules/.cache/gigflow/workflow-bundles', import.meta.url));

/** What a kept bundle was built from, and the bundle. */
interface KeptBundle {
  /** Path → SHA-256 of each file webpack read. */
  read: Record<string, string>;
  /** Paths webpack looked for and did not find. */
  missing: string[];
  code: string;
}

/**
 * The bundler's options that decide a bundle's code beside its files, all in the key, and its
 * logger. Not a webpack hook or plugins of the caller's: what they change, the key could not tell.
 */
type KeptBundleOptions = Pick<BundleOptions, 'workflowsPath' | 'workflowInterceptorModules' | 'preloadModules' | 'ignoreModules' | 'payloadConverterPath' | 'failureConverterPath' | 'logger'>;

const SDK_VERSION = (JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@temporalio/worker/package.json'), 'utf8')) as { version: string }).version;
/** The installed dependencies as a whole, the bundler's own (webpack, swc) among them: an install that changes any starts afresh. */
const LOCKFILE = fileURLToPath(new URL('../package-lock.json', import.meta.url));

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * A path as the bundler resolves it (through links; a module name stays as it is): the same
 * workflows reached through a link — the tests' compiled tree, a new one each run — are the same
 * bundle, kept once.
 */
function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function keyOf(options: KeptBundleOptions): string {
  const { workflowsPath, workflowInterceptorModules = [], preloadModules = [], ignoreModules = [], payloadConverterPath, failureConverterPath } = options;
  const paths = (list: string[]) => list.map(real);
  return sha256(
    JSON.stringify([SDK_VERSION, fileHash(LOCKFILE) ?? null, real(workflowsPath), paths(workflowInterceptorModules), paths(preloadModules), ignoreModules, payloadConverterPath ? real(payloadConverterPath) : null, failureConverterPath ? real(failureConverterPath) : null]),
  ).slice(0, 24);
}

function fileHash(path: string): string | undefined {
  try {
    return sha256(readFileSync(path));
  } catch {
    return undefined;
  }
}

/** The kept bundle at `file`, if what it was built from is as it was. */
function upToDate(file: string): string | undefined {
  let kept: KeptBundle;
  try {
    kept = JSON.parse(readFileSync(file, 'utf8')) as KeptBundle;
  } catch {
    return undefined;
  }
  for (const [path, hash] of Object.entries(kept.read)) if (fileHash(path) !== hash) return undefined;
  for (const path of kept.missing) if (existsSync(path)) return undefined;
  return kept.code;
}

/** Builds the bundle, noting the files webpack read and the paths it did not find. */
async function build(options: KeptBundleOptions): Promise<KeptBundle> {
  let inputs: { files: string[]; missing: string[] } | undefined;
  const { code } = await bundleWorkflowCode({
    ...options,
    webpackConfigHook: (config) => ({
      ...config,
      plugins: [
        ...(config.plugins ?? []),
        {
          apply(compiler) {
            compiler.hooks.done.tap('gigflow-bundle-inputs', ({ compilation }) => {
              inputs = { files: [...compilation.fileDependencies], missing: [...compilation.missingDependencies] };
            });
          },
        },
      ],
    }),
  });
  if (!inputs) throw new Error('webpack reported no inputs for the workflow bundle');
  const read: Record<string, string> = {};
  const missing = new Set(inputs.missing.filter((path) => !existsSync(path)));
  for (const path of inputs.files.sort()) {
    // Webpack also names the folders it looked in ('/', the checkout, node_modules…): each file it
    // looked for in them is named too, read or missing. The SDK's generated entry lives only in
    // webpack's memory: it follows from the options, which are in the key.
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) continue;
    const hash = fileHash(path);
    if (hash === undefined) missing.add(path);
    else read[path] = hash;
  }
  return { read, missing: [...missing].sort(), code };
}

/**
 * The workflows' bundle for `options`: the kept one when its inputs are unchanged, else built
 * and kept. `cached` says which (the worker logs it).
 */
export async function workflowBundle(options: KeptBundleOptions, cacheDir = WORKFLOW_BUNDLE_CACHE): Promise<{ code: string; cached: boolean }> {
  const file = join(cacheDir, `${keyOf(options)}.json`);
  const kept = upToDate(file);
  if (kept !== undefined) return { code: kept, cached: true };
  const built = await build(options);
  try {
    mkdirSync(dirname(file), { recursive: true });
    // Whole or not at all: two workers starting at once each write their own and rename it in.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, JSON.stringify(built));
    renameSync(partial, file);
  } catch (err) {
    options.logger?.warn(`the workflow bundle could not be kept in ${cacheDir}: ${(err as Error).message}`);
  }
  return { code: built.code, cached: false };
}
