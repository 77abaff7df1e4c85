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
 * A process's `workflow.ts` is then its wiring: handlers registered before the first await,
 * the first activity (does my row exist?), `untilFinal`, `finish`.
 */
import { allHandlersFinished, condition } from '@temporalio/workflow';

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

/** How a process shows itself and writes its effects. */
export interface ProcessIo<S, E, R> {
  /** Keeps the search attributes and current details in step with the state. */
  publish(state: S): void;
  /** The effects activity's argument for a transition, built when the transition happens. */
  record(state: S, effects: E): R;
  /** Runs the effects activity. */
  write(record: R): Promise<void>;
}

/** Workflow time (deterministic), as an ISO string. */
export const now = (): string => new Date().toISOString();

export class Process<S, E, R> {
  /** Until the process's first activity finds its row, actions wait: the API's transaction may yet roll back. */
  loaded = false;
  // The writes, one after another in transition order.
  private writes: Promise<void> = Promise.resolve();

  constructor(
    public state: S,
    private readonly io: ProcessIo<S, E, R>,
  ) {}

  /** Sets the state without effects (e.g. void: nothing to write), and publishes it. */
  set(state: S): void {
    this.state = state;
    this.io.publish(state);
  }

  /** Makes a transition the state at once, and queues its effects; resolves once they are written. */
  apply(transition: Transition<S, E>): Promise<void> {
    this.set(transition.state);
    const record = this.io.record(transition.state, transition.effects);
    const write = this.writes.then(() => this.io.write(record));
    // A failed write fails its own Update, not the next.
    this.writes = write.catch(() => undefined);
    return write;
  }

  /**
   * An Update's handler: it waits until the process is loaded (checking the action again
   * then: the state may have moved meanwhile), applies the action's transition at once, and
   * answers once its effects are written.
   */
  updateHandler<A, V>(check: (state: S, args: A) => void, transition: (state: S, args: A) => Transition<S, E>, answer: (state: S, args: A) => V): (args: A) => Promise<V> {
    return async (args) => {
      if (!this.loaded) {
        await condition(() => this.loaded);
        check(this.state, args);
      }
      await this.apply(transition(this.state, args));
      return answer(this.state, args);
    };
  }

  /** Races the deadlines against the actions until the state is final. */
  async untilFinal<D extends { at: string }>(deadlines: Deadlines<S, D, E>): Promise<void> {
    while (!deadlines.isFinal(this.state)) {
      const next = deadlines.nextDeadline(this.state);
      if (next === null) {
        await condition(() => deadlines.isFinal(this.state) || deadlines.nextDeadline(this.state) !== null);
        continue;
      }
      const dueAt = Date.parse(next.at);
      const remaining = dueAt - Date.now();
      if (remaining > 0) {
        const earlier = () => {
          const soonest = deadlines.nextDeadline(this.state);
          return deadlines.isFinal(this.state) || (soonest !== null && Date.parse(soonest.at) < dueAt);
        };
        if (await condition(earlier, remaining, { summary: deadlines.timerSummary(next) })) continue;
      }
      // The timer fired (or the deadline was past already): whatever is due now; an action may have moved it meanwhile.
      const due = deadlines.nextDeadline(this.state);
      if (due !== null && Date.parse(due.at) <= Date.now()) await this.apply(deadlines.onDeadline(this.state, due, now()));
    }
  }

  /** Waits for the last writes and for every handler to finish, before the workflow returns. */
  async finish(): Promise<void> {
    await this.writes;
    await condition(allHandlersFinished);
  }
}
