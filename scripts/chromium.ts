/**
 * Chromium for the browser tests: Debian's `chromium` package, driven by playwright-core
 * (Playwright's own browser download cannot reach its CDN here). When the browser is missing
 * and we run as root, `npm test` installs it with apt-get, once; otherwise it says what to run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { childEnvironment } from '../config.js';
import { MissingToolError } from './tools.js';

const INSTALL = 'apt-get update && apt-get install -y --no-install-recommends chromium';

/** The chromium executable's path, or undefined. `CHROMIUM` names another one. */
export function findChromium(): string | undefined {
  const named = process.env.CHROMIUM;
  if (named) return named;
  for (const name of ['chromium', 'chromium-browser']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    if (found) return found;
  }
  return undefined;
}

/** The chromium executable, installed with apt-get first when missing (as root); throws a MissingToolError saying what to run otherwise. */
export function ensureChromium(say: (line: string) => void): string {
  const found = findChromium();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new MissingToolError(`the browser tests need Chromium: run \`sudo sh -c '${INSTALL}'\` (or set CHROMIUM to a Chromium executable)`);
  say(`Chromium is missing: installing Debian's package (${INSTALL})`);
  try {
    execFileSync('sh', ['-c', INSTALL], { stdio: ['ignore', 'ignore', 'inherit'], env: childEnvironment({ DEBIAN_FRONTEND: 'noninteractive' }) });
  } catch (err) {
    throw new MissingToolError(`installing Chromium failed (${(err as Error).message.split('\n')[0]}); run \`${INSTALL}\` and try again`);
  }
  const installed = findChromium();
  if (!installed) throw new MissingToolError(`apt-get installed no chromium executable; run \`${INSTALL}\``);
  return installed;
}
