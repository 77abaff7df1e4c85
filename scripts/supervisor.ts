/**
 * How `npm start` runs the platform's processes the way a terminal expects.
 *
 * Every server runs in a process group (a session) of its own, so a terminal's Ctrl-C — SIGINT
 * to the whole foreground group — reaches only `npm` and this supervisor, never the servers
 * directly. The supervisor then stops them in order, each stage within a bound: the API and the
 * worker (they drain in-flight requests and activities), then Temporal, then PostgreSQL. A
 * second Ctrl-C forces: every group is killed at once and the supervisor exits 130. If the
 * supervisor itself is killed (SIGKILL leaves it no say), a guard process stops the groups.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The order of shutdown. Together the bounds (14 s) keep a Ctrl-C within 15 s. */
export const STAGES = {
  /** The API and the worker: they drain within 5 s of their own (api/server.ts, worker.ts). */
  apps: { order: 0, boundMs: 7_000, guardSignal: 'TERM' },
  /** Temporal, once nothing polls it: its dev server exits in about a second. */
  temporal: { order: 1, boundMs: 4_000, guardSignal: 'TERM' },
  /** PostgreSQL last, once nothing is connected: a fast shutdown takes well under a second. */
  postgres: { order: 2, boundMs: 3_000, guardSignal: 'INT' },
} as const;

export type Stage = keyof typeof STAGES;

/**
 * A SIGINT this soon after the first is the same Ctrl-C: npm, in the terminal's foreground group
 * too, forwards the SIGINT it got to us as well. A second Ctrl-C counts from then on.
 */
export const SAME_CTRL_C_MS = 1_000;
/** Exit code of a shutdown forced by a second Ctrl-C (128 + SIGINT, as a shell reports one). */
export const FORCED_EXIT_CODE = 130;

/** One of the platform's processes, the leader of a process group of its own. */
export interface Member {
  /** As the "… stopped" lines name it. */
  name: string;
  stage: Stage;
  pid: number;
  /** Asks it to stop (it drains first); `exited` says when it has. */
  requestStop(): void;
  exited: Promise<unknown>;
  /** What forces it; SIGKILL unless given (PostgreSQL: SIGQUIT, its immediate shutdown). */
  forceSignal?: NodeJS.Signals;
}

export interface Supervisor {
  /** Takes a started process into the shutdown order (and the guard's watch). */
  adopt(member: Member): void;
  /** True once a shutdown has begun: start-up steps stop at their next checkpoint. */
  readonly stopping: boolean;
  /** SIGINT, SIGTERM, SIGHUP: the first stops in order, a later one (after SAME_CTRL_C_MS) forces. */
  onSignal(): void;
  /** Stops everything in order (once start-up has reached a checkpoint) and exits with `code`. */
  shutdown(code: number, bySignal?: boolean): Promise<never>;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const delay = (ms: number) => new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), ms).unref());

/** Sends `signal` to the process group `pid` leads; nothing when the group is gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** Asks a member to stop and waits for it, within its stage's bound (then kills its group). `npm test`'s files stop so too. */
export async function stopMember(member: Member, say: (line: string) => void): Promise<void> {
  const { boundMs } = STAGES[member.stage];
  const started = Date.now();
  member.requestStop();
  const late = (await Promise.race([member.exited, delay(boundMs)])) === 'late';
  if (late) signalGroup(member.pid, 'SIGKILL');
  await member.exited;
  say(late ? `${member.name} did not stop within ${seconds(boundMs)}: killed` : `${member.name} stopped (${seconds(Date.now() - started)})`);
}

export function createSupervisor({ say, startup }: { say: (line: string) => void; startup: () => Promise<unknown> }): Supervisor {
  const members: Member[] = [];
  const running = new Set<Member>();
  const guard = startGuard();
  let stoppingSince: number | undefined;

  /** The members still running, in the order they stop. */
  const inOrder = () => [...running].sort((a, b) => STAGES[a.stage].order - STAGES[b.stage].order);

  const adopt = (member: Member) => {
    members.push(member);
    running.add(member);
    guard.watch(member);
    void member.exited.then(() => running.delete(member));
  };

  let forcing = false;
  const stopStage = async (stage: Stage) => {
    const stopping = members.filter((m) => m.stage === stage && running.has(m));
    const sayUnlessForced = (line: string) => {
      if (!forcing) say(line); // the force path speaks for itself
    };
    await Promise.all(stopping.map((member) => stopMember(member, sayUnlessForced)));
  };

  let stopped: Promise<void> | undefined;
  const stopAll = async (bySignal: boolean) => {
    const since = Date.now();
    say('stopping…');
    const hint = setTimeout(() => {
      const waiting = inOrder().map((m) => m.name).join(', ');
      if (bySignal) say(`still stopping${waiting ? ` (${waiting})` : ''}; press Ctrl-C again to force`);
    }, SAME_CTRL_C_MS);
    hint.unref();
    await startup().catch(() => {});
    for (const stage of Object.keys(STAGES) as Stage[]) if (!forcing) await stopStage(stage);
    clearTimeout(hint);
    if (forcing) return new Promise<never>(() => {}); // force() exits
    say(`stopped in ${seconds(Date.now() - since)}`);
    await guard.release();
  };
  // Every caller (a signal, a process that exited, a failed start-up) waits for the one shutdown.
  const shutdown = async (code: number, bySignal = false): Promise<never> => {
    if (!stopped) {
      stoppingSince = Date.now();
      stopped = stopAll(bySignal);
    }
    await stopped;
    process.exit(code);
  };

  const force = async () => {
    if (forcing) return;
    forcing = true;
    say(`forced: killing ${inOrder().map((m) => m.name).join(', ') || 'nothing (all stopped)'}`);
    for (const member of running) signalGroup(member.pid, member.forceSignal ?? 'SIGKILL');
    const all = Promise.all([...running].map((m) => m.exited));
    if ((await Promise.race([all, delay(3_000)])) === 'late') for (const member of running) signalGroup(member.pid, 'SIGKILL');
    await Promise.race([all, delay(1_000)]);
    say(`stopped by force in ${seconds(Date.now() - stoppingSince!)}`);
    await guard.release();
    process.exit(FORCED_EXIT_CODE);
  };

  return {
    adopt,
    get stopping() {
      return stoppingSince !== undefined;
    },
    onSignal() {
      if (stoppingSince === undefined) void shutdown(0, true);
      else if (Date.now() - stoppingSince >= SAME_CTRL_C_MS) void force();
    },
    shutdown,
  };
}

/**
 * What the guard watches: a process group (its leader's pid) and the stage it stops in; with
 * `exited`, the guard forgets the group once its leader has exited (a process started again, as
 * the cluster benchmarks do, is watched anew under its new pid).
 */
export type Guarded = Pick<Member, 'stage' | 'pid'> & { exited?: Promise<unknown> };

export interface Guard {
  watch(member: Guarded): void;
  /** Tells the guard everything is stopped, so it exits without touching anything. */
  release(): Promise<void>;
}

/**
 * The guard (guard.sh): a shell in a session of its own, told each member's process group and
 * stage on its stdin. When that pipe closes without "done" — the supervisor died without
 * stopping anything, e.g. by SIGKILL — it stops the groups stage by stage as the supervisor
 * would have, so no server outlives the platform. `npm test` (test/run.ts) has one too.
 */
export function startGuard(): Guard {
  const child = spawn('sh', [fileURLToPath(new URL('./guard.sh', import.meta.url))], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  child.unref();
  // A guard that failed to start (no sh) must not take the platform down with it.
  child.on('error', () => {});
  child.stdin!.on('error', () => {});
  return {
    watch(member: Guarded) {
      const { order, boundMs, guardSignal } = STAGES[member.stage];
      child.stdin!.write(`${order} ${guardSignal} ${Math.ceil(boundMs / 1000)} ${member.pid}\n`);
      void member.exited?.then(() => {
        if (child.stdin!.writable) child.stdin!.write(`forget ${member.pid}\n`);
      });
    },
    release(): Promise<void> {
      return new Promise<void>((resolve) => {
        child.stdin!.end('done\n', () => resolve());
        setTimeout(resolve, 500).unref();
      });
    },
  };
}
