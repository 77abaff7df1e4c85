/**
 * The machine's processes as /proc tells them, for the runner's sweep (`./run-scratch.ts`) and
 * the tests that check what a killed or stopped process left running.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat after the command name (the 3rd field, the state, first), or undefined once it is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name, in parentheses, may hold spaces: the fields start after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Every process id on the machine. */
export function allPids(): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number);
}

/** Running: a zombie has exited, it only waits for its parent (or init) to collect it. */
export function alive(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z';
}

/** When a running process started (clock ticks after boot): with its pid, it names the process even once the pid is reused. */
export function startedAt(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields && fields[0] !== 'Z' ? Number(fields[19]) : undefined;
}

/** The process group of a process. */
export function groupOf(pid: number): number | undefined {
  const group = statFields(pid)?.[2];
  return group === undefined ? undefined : Number(group);
}

/** Its command line, arguments joined by spaces ('' once it is gone). */
export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Every process below `pid`. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const child of allPids()) {
    const parent = statFields(child)?.[1];
    if (parent !== undefined) children.set(Number(parent), [...(children.get(Number(parent)) ?? []), child]);
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const child of children.get(p) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

/** What still runs of `pids` and of anything else in `groups`, as "<pid> <command line>". */
export function stillRunning(pids: readonly number[], groups: readonly number[]): string[] {
  const inGroups = allPids().filter((pid) => groups.includes(groupOf(pid) ?? -1));
  return [...new Set([...pids, ...inGroups])].filter(alive).map((pid) => `${pid} ${commandOf(pid)}`);
}
