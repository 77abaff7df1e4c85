/**
 * The stand-in's timers (payouts settling, delayed webhooks, delivery retries), kept in one
 * place so that `close()` clears them all. Each is unref'd: a pending payout must never keep a
 * test process or a stopped server alive.
 */

/** Runs callbacks later; `close()` cancels everything not yet run and refuses new ones. */
export interface Scheduler {
  /** Runs `run` after `ms`; answers a function that cancels it. */
  after(ms: number, run: () => void): () => void;
  close(): void;
  readonly closed: boolean;
}

export function createScheduler(): Scheduler {
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  return {
    after(ms, run) {
      if (closed) return () => {};
      const timer = setTimeout(() => {
        timers.delete(timer);
        run();
      }, Math.max(0, ms));
      timer.unref();
      timers.add(timer);
      return () => {
        clearTimeout(timer);
        timers.delete(timer);
      };
    },
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
    get closed() {
      return closed;
    },
  };
}
