/** A source of the current time, injected so tests can move it (API and activities alike). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
