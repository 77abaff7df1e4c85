/**
 * Debian's libfaketime, which the test of the time-skipping server's clock runs the server under
 * (test/integration/test-server-clock.test.ts): `npm test` installs it with apt-get when that test
 * runs and it is missing (as root), as it does Chromium's headless shell (./chromium.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { childEnvironment } from '../config.js';
import { MissingToolError } from './tools.js';

const FAKETIME_INSTALL = 'apt-get update && apt-get install -y --no-install-recommends libfaketime';

/** Debian's libfaketime (its build for multithreaded programs), where the package puts it (`/usr/lib/<triplet>/faketime/`), or undefined. */
function findFaketime(): string | undefined {
  for (const dir of ['/usr/lib', ...readdirSync('/usr/lib').map((entry) => join('/usr/lib', entry))]) {
    const lib = join(dir, 'faketime', 'libfaketimeMT.so.1');
    if (existsSync(lib)) return lib;
  }
  return undefined;
}

/** The library's path: installed with apt-get when missing and we run as root; else a MissingToolError saying what to run. */
export function ensureFaketime(say: (line: string) => void): string {
  const found = findFaketime();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new MissingToolError(`the test of the test server's clock needs libfaketime: run \`sudo sh -c '${FAKETIME_INSTALL}'\``);
  say(`libfaketime is missing: installing Debian's package (${FAKETIME_INSTALL})`);
  try {
    execFileSync('sh', ['-c', FAKETIME_INSTALL], { stdio: ['ignore', 'ignore', 'inherit'], env: childEnvironment({ DEBIAN_FRONTEND: 'noninteractive' }) });
  } catch (err) {
    throw new MissingToolError(`installing libfaketime failed (${(err as Error).message.split('\n')[0]}); run \`${FAKETIME_INSTALL}\` and try again`);
  }
  const installed = findFaketime();
  if (!installed) throw new MissingToolError(`apt-get installed no libfaketimeMT.so.1; run \`${FAKETIME_INSTALL}\` and try again`);
  return installed;
}
