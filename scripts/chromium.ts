/**
 * Chromium for the browser tests, from Debian's `chromium` source package, driven by
 * playwright-core (Playwright's own browser download cannot reach its CDN here).
 *
 * Its headless shell (`chromium-headless-shell`: Chromium's old headless mode, the build
 * Playwright itself runs headless tests on) is preferred to the whole browser (`chromium`,
 * which headless runs in its new mode, the browser's own windows drawn off screen): same engine
 * and version, about a third less CPU over the browser tests (measured on two of their files,
 * twice each: 114 and 115 CPU-s of Chromium against 74 and 77).
 * When the shell is missing and we run as root, `npm test` installs it with apt-get, once; when
 * that cannot be done, Debian's `chromium` serves as before; with neither, it says what to run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { childEnvironment } from '../config.js';
import { MissingToolError } from './tools.js';

const SHELL = 'chromium-headless-shell';
const INSTALL = `apt-get update && apt-get install -y --no-install-recommends ${SHELL}`;

function onPath(name: string): string | undefined {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim() || undefined;
}

/** The whole browser's executable, when Debian's `chromium` (or another distribution's `chromium-browser`) is installed. */
function browser(): string | undefined {
  return onPath('chromium') ?? onPath('chromium-browser');
}

/** The executable the browser tests run, or undefined: `CHROMIUM` when set, else the headless shell, else the whole browser. */
export function findChromium(): string | undefined {
  return process.env.CHROMIUM || onPath(SHELL) || browser();
}

/**
 * The executable the browser tests run: `CHROMIUM`, else the headless shell, installed with
 * apt-get first when missing (as root), else the whole browser; throws a MissingToolError saying
 * what to run when there is none.
 */
export function ensureChromium(say: (line: string) => void): string {
  const named = process.env.CHROMIUM || onPath(SHELL);
  if (named) return named;
  const fallback = browser();
  if (process.getuid?.() !== 0) {
    if (fallback) {
      say(`the browser tests run ${fallback}; Chromium's headless shell would cost them less CPU (\`sudo sh -c '${INSTALL}'\`)`);
      return fallback;
    }
    throw new MissingToolError(`the browser tests need Chromium: run \`sudo sh -c '${INSTALL}'\` (or set CHROMIUM to a Chromium executable)`);
  }
  say(`Chromium's headless shell is missing: installing Debian's package (${INSTALL})`);
  let failure: string | undefined;
  try {
    execFileSync('sh', ['-c', INSTALL], { stdio: ['ignore', 'ignore', 'inherit'], env: childEnvironment({ DEBIAN_FRONTEND: 'noninteractive' }) });
  } catch (err) {
    failure = (err as Error).message.split('\n')[0];
  }
  const installed = onPath(SHELL);
  if (installed) return installed;
  if (fallback) {
    say(`installing ${SHELL} failed (${failure ?? 'no executable'}): the browser tests run ${fallback}, the whole browser, which costs them more CPU`);
    return fallback;
  }
  throw new MissingToolError(`installing Chromium failed (${failure ?? 'apt-get installed no executable'}); run \`${INSTALL}\` and try again`);
}
