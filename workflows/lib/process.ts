/**
 * The one template every gigflow workflow follows, as its moving parts:
 *
 * - the state changes only by a pure transition of the process's `machine.ts`, at once (so an
 *   Update validated next sees it), and the transition's effects — money, rows, notices — are
 *   written afterwards by the process's one effects activity, one transition at a time, in
 *   transition order;
 * - the search attributes and the Temporal UI's current details follow the state (`publish`);
 * - one timer runs at a time, for the soonest deadline: it is restarted only when a deadline
 *   moves earlier; when one moves later, the timer fires, finds nothing due and sleeps again.
 *
 * - a write that can never succeed (its activity failed non-retryably: data the database
 *   refuses, a bug) is not retried forever and does not leave the state ahead of the
 *   database: the process undoes the transition in its state, holds (refusing actions and
 *   pausing its timers), tells staff (`publish`, `flag`: a search attribute, a row in their
 *   list) and keeps answering queries, until staff resolve it (`resolveAttention`).
 *
 * A process's `workflow.ts` is then its wiring: handlers registered before the first await,
 * the first activity (does my row exist?), `untilFinal`, `finish`.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { ActivityFailure, allHandlersFinished, ApplicationFailure, condition, defineUpdate, setCurrentDetails, setHandler, upsertSearchAttributes, type LocalActivityOptions, type WorkflowInfo } from '@temporalio/workflow';

/** What one transition makes: the new state, and the effects to write. */
export interface Transition<S, E> {
  state: S;
  effects: E;
}

/** What a process's deadlines do, from its `machine.ts`. */
export interface Deadlines<S, D extends { at: string }, E> {
  isFinal(state: S): boolean;
  /** The soonest pending deadline, or null. */
  nextDeadline(state: S): D | null;
  /** What the deadline does when nobody acted in time. */
  onDeadline(state: S, deadline: D, now: string): Transition<S, E>;
  /** The timer's name in the Temporal UI ("review: auto-accept at …"). */
  timerSummary(deadline: D): string;
}

/** Why a process holds: a write failed for good. */
export interface Attention {
  /** The failure's type (`data_error`, `bug`…) and message, as the activity reported it. */
  type: string;
  reason: string;
  /** ISO 8601, workflow time. */
  at: string;
}

/** What staff send to resolve a hold: who, and what they did about it. */
export interface ResolveArgs {
  staffId: number;
  note?: string;
}

/**
 * Staff resolve a held process, once they have looked at (or fixed) what made its write fail:
 * the hold lifts, actions are taken again and the timers resume (a due deadline is tried
 * again). A wire contract every process shares.
 */
export const resolveAttentionUpdate = defineUpdate<void, [ResolveArgs], 'resolveAttention'>('resolveAttention');

/** How a process shows itself and writes its effects. */
export interface ProcessIo<S, E, R> {
  /** Keeps the search attributes and current details in step with the state (and the hold, if any). */
  publish(state: S, attention: Attention | null): void;
  /** The effects activity's argument for a transition, built when the transition happens. */
  record(state: S, effects: E): R;
  /** Runs the effects activity; may answer how the write's result changes the state. */
  write(record: R): Promise<void | ((state: S) => S)>;
  /** Records the hold durably for staff (null: resolved, by whom). */
  flag(attention: Attention | null, resolved?: ResolveArgs): Promise<void>;
}

/** How a process shows in the Temporal UI, from its `search.ts`: what `publisher` publishes. */
export interface Shown<S> {
  /** What the attributes that change say (status, a deadline, a hold): they are upserted only when it changes. */
  key(state: S, held: boolean): string;
  /** The attributes; `held` is undefined while the process never held (the attribute left out, as in histories from before holds). */
  attributes(state: S, held: boolean | undefined): SearchAttributeUpdatePair[];
  /** The current details (markdown), a hold first if any. */
  details(state: S, attention: Attention | null): string;
}

/**
 * A process's `publish`: upserts the search attributes when their key changes — saving an
 * event and a visibility write per transition that changes nothing shown — then sets the
 * current details. `published` is the key the start's attributes already say (null: upsert at
 * the first publish). Once the process has held, its attributes say whether it still does.
 */
export function publisher<S>(shown: Shown<S>, published: string | null): ProcessIo<S, unknown, unknown>['publish'] {
  let everHeld = false;
  return (state, attention) => {
    everHeld ||= attention !== null;
    const key = shown.key(state, attention !== null);
    if (key !== published) {
      upsertSearchAttributes(shown.attributes(state, everHeld ? attention !== null : undefined));
      published = key;
    }
    setCurrentDetails(shown.details(state, attention));
  };
}

/**
 * The failure of a write's activity that no retry can cure, or null. A regular activity's
 * failure arrives wrapped in an `ActivityFailure`; a local activity's, as the activity threw it.
 */
function hopeless(err: unknown): ApplicationFailure | null {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return failure instanceof ApplicationFailure && failure.nonRetryable === true ? failure : null;
}

/** The refusal an action gets while the process holds. */
function held(attention: Attention): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'needs_attention',
    message: `this was not changed: a write failed for good (${attention.type}) and staff are looking into it`,
    nonRetryable: true,
    details: [{ attention }],
  });
}

/** Workflow time (deterministic), as an ISO string. */
export const now = (): string => new Date().toISOString();

/**
 * Local-activity options for writes that are idempotent (a ledger key, a row's event number, a
 * notice's key): retried until the database answers, backing off to 30 s between attempts, each
 * attempt bounded by `startToCloseTimeout`; a caller waiting on an Update waits that long too.
 */
export function idempotentWrites(startToCloseTimeout: LocalActivityOptions['startToCloseTimeout']): LocalActivityOptions {
  return { startToCloseTimeout, retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '30 seconds' } };
}

/**
 * The soonest deadline of a state, with its instant in ms, computed once per state: the timer's
 * condition is evaluated after every job of every activation (each Update's, each local
 * activity's), and a state's deadlines — dates formatted and parsed — do not change until a
 * transition makes a new state (machines never change a state in place).
 */
function soonestDeadline<S, D extends { at: string }, E>(deadlines: Deadlines<S, D, E>): (state: S) => { deadline: D; at: number } | null {
  let last: { state: S; soonest: { deadline: D; at: number } | null } | undefined;
  return (state) => {
    if (last?.state !== state) {
      const deadline = deadlines.nextDeadline(state);
      last = { state, soonest: deadline && { deadline, at: Date.parse(deadline.at) } };
    }
    return last.soonest;
  };
}

export class Process<S, E, R> {
  /** Until the process's first activity finds its row, actions wait: the API's transaction may yet roll back. */
  loaded = false;
  /** Set while a write has failed for good and staff have not resolved it. */
  attention: Attention | null = null;
  // The writes, one after another in transition order.
  private writes: Promise<void> = Promise.resolve();
  /** The state as the database has it: the last transition whose effects were written. */
  private written: S;

  constructor(
    public state: S,
    private readonly io: ProcessIo<S, E, R>,
  ) {
    this.written = state;
  }

  /** Sets the state without effects (e.g. void: nothing to write), and publishes it. */
  set(state: S): void {
    this.state = state;
    this.io.publish(state, this.attention);
  }

  /**
   * Makes a transition the state at once, and queues its effects; resolves once they are written.
   *
   * Written with `then` rather than async functions: the SDK captures a stack trace for every
   * promise a workflow makes (its enhanced stack trace query), about 0.1 ms of worker CPU each,
   * and each async function and `await` adds promises. The order of the commands is the same.
   */
  apply(transition: Transition<S, E>): Promise<void> {
    this.set(transition.state);
    const record = this.io.record(transition.state, transition.effects);
    const write = this.writes.then(() => {
      if (this.attention) throw held(this.attention);
      let written: Promise<void | ((state: S) => S)>;
      try {
        written = this.io.write(record);
      } catch (err) {
        return this.failed(err);
      }
      return written.then(
        (fold) => {
          this.written = fold ? fold(transition.state) : transition.state;
          if (fold) this.set(fold(this.state));
        },
        (err: unknown) => this.failed(err),
      );
    });
    // A failed write fails its own Update, not the next.
    this.writes = write.catch(() => undefined);
    return write;
  }

  /** A write's failure: one that no retry cures holds the process; the Update fails either way. */
  private async failed(err: unknown): Promise<never> {
    const failure = hopeless(err);
    if (!failure) throw err;
    await this.hold(failure);
    throw held(this.attention!);
  }

  /** A write failed for good: back to the state the database has, and tell staff. */
  private async hold(failure: ApplicationFailure): Promise<void> {
    this.attention = { type: failure.type ?? 'error', reason: failure.message, at: now() };
    this.set(this.written);
    await this.io.flag(this.attention);
  }

  /** Registers `resolveAttention`: staff lift a hold; refused (`conflict`) when there is none. */
  handleAttention(): void {
    setHandler(
      resolveAttentionUpdate,
      async (args: ResolveArgs) => {
        await this.io.flag(null, args);
        this.attention = null;
        this.set(this.state);
      },
      {
        validator: (_args: ResolveArgs) => {
          if (!this.attention) throw ApplicationFailure.create({ type: 'conflict', message: 'nothing waits for staff here', nonRetryable: true });
        },
      },
    );
  }

  /** An Update's validator: refused while the process holds, else the process's own check. */
  validator<A>(check: (state: S, args: A) => void): (args: A) => void {
    return (args) => {
      if (this.attention) throw held(this.attention);
      check(this.state, args);
    };
  }

  /**
   * An Update's handler: it waits until the process is loaded (checking the action again
   * then: the state may have moved meanwhile), applies the action's transition at once, and
   * answers once its effects are written.
   */
  updateHandler<A, V>(check: (state: S, args: A) => void, transition: (state: S, args: A) => Transition<S, E>, answer: (state: S, args: A) => V): (args: A) => Promise<V> {
    const act = (args: A) => this.apply(transition(this.state, args)).then(() => answer(this.state, args));
    return (args) => {
      try {
        if (this.loaded) return act(args);
        return condition(() => this.loaded).then(() => {
          check(this.state, args);
          return act(args);
        });
      } catch (err) {
        return Promise.reject(err);
      }
    };
  }

  /** Races the deadlines against the actions until the state is final. */
  async untilFinal<D extends { at: string }>(deadlines: Deadlines<S, D, E>): Promise<void> {
    const soonestOf = soonestDeadline(deadlines);
    while (!deadlines.isFinal(this.state)) {
      if (this.attention) {
        // Held: the timers wait for staff; a deadline that fell due meanwhile is tried again then.
        await condition(() => this.attention === null);
        continue;
      }
      const next = soonestOf(this.state);
      if (next === null) {
        await condition(() => deadlines.isFinal(this.state) || soonestOf(this.state) !== null);
        continue;
      }
      const dueAt = next.at;
      const remaining = dueAt - Date.now();
      if (remaining > 0) {
        const earlier = () => {
          const soonest = soonestOf(this.state);
          return deadlines.isFinal(this.state) || (soonest !== null && soonest.at < dueAt);
        };
        if (await condition(earlier, remaining, { summary: deadlines.timerSummary(next.deadline) })) continue;
      }
      // The timer fired (or the deadline was past already): whatever is due now; an action may have moved it meanwhile.
      const due = soonestOf(this.state);
      if (due === null || due.at > Date.now()) continue;
      try {
        await this.apply(deadlines.onDeadline(this.state, due.deadline, now()));
      } catch (err) {
        // A write that failed for good holds the process (the loop then waits for staff); anything else is a bug.
        if (!this.attention) throw err;
      }
    }
  }

  /** Waits for the last writes and for every handler to finish, before the workflow returns. */
  async finish(): Promise<void> {
    await this.writes;
    await condition(allHandlersFinished);
  }
}

/** The time a Schedule meant this run for (`TemporalScheduledStartTime`), else when it started: for runs a Temporal Schedule starts. */
export function scheduledStartOf(info: WorkflowInfo): string {
  const typed = info.typedSearchAttributes.get({ name: 'TemporalScheduledStartTime', type: 'DATETIME' });
  if (typed instanceof Date) return typed.toISOString();
  // Older servers send it without a type: the untyped map has it as a Date or an ISO string.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const untyped = info.searchAttributes?.TemporalScheduledStartTime?.[0];
  if (untyped instanceof Date) return untyped.toISOString();
  if (typeof untyped === 'string') return new Date(untyped).toISOString();
  return info.startTime.toISOString();
}
