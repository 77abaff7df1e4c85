/**
 * The scratch folder of one `npm test` run (`test/run.ts`: the embedded PostgreSQL's data, the
 * dev server's database, the compiled tree, the files' own folders), and the sweep of the
 * folders runs left behind: a run killed without its teardown (SIGKILL, an out-of-memory kill)
 * leaves its folder, tens of MB, in the system's temporary folder. Each folder names its run (an
 * `owner` file: the runner's pid and when that process started, so a pid the system has since
 * given to another process is not taken for it); the next run removes the folders whose run is
 * over, unless a process still names one in its command line (its servers still stopping).
 * The benchmarks that start servers (bench/orders.ts, bench/topology.ts) keep their folders so
 * too, each under a prefix of its own.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allPids, alive, commandOf, startedAt } from './processes.js';

export const RUN_SCRATCH_PREFIX = 'gigflow-test-';
const OWNER_FILE = 'owner';

/** A new scratch folder in `tmp`, owned by this process. */
export function makeRunScratch(tmp: string, prefix = RUN_SCRATCH_PREFIX): string {
  const dir = mkdtempSync(join(tmp, prefix));
  writeFileSync(join(dir, OWNER_FILE), `${process.pid} ${startedAt(process.pid)}\n`);
  return dir;
}

/** Whether the run that made `dir` still runs: unknown (no owner file yet, or a folder of an older checkout) counts as running. */
function ownerRuns(dir: string): boolean {
  let text: string;
  try {
    text = readFileSync(join(dir, OWNER_FILE), 'utf8');
  } catch {
    return true;
  }
  const [pid, since] = text.trim().split(' ').map(Number);
  if (!Number.isInteger(pid) || !Number.isInteger(since)) return true;
  return startedAt(pid!) === since;
}

/** Removes the scratch folders in `tmp` (made with `prefix`) of runs that are over and that no process names; answers what it removed. */
export function sweepRunScratch(tmp: string, prefix = RUN_SCRATCH_PREFIX): string[] {
  const over = readdirSync(tmp)
    .filter((name) => name.startsWith(prefix))
    .map((name) => join(tmp, name))
    .filter((dir) => !ownerRuns(dir));
  if (over.length === 0) return [];
  const commands = allPids().filter(alive).map(commandOf);
  const removable = over.filter((dir) => !commands.some((line) => line.includes(dir)));
  for (const dir of removable) rmSync(dir, { recursive: true, force: true });
  return removable;
}
