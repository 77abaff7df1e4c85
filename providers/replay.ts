/**
 * Idempotent POSTs: the card processor's `Idempotency-Key` and PayPal's `PayPal-Request-Id`.
 * The first answer under a key is kept for 24 h (Stripe's documented lifetime) and answered
 * again for the same request; the same key with a different request is the caller's bug.
 */

/** An answer as it was first given. */
export interface StoredAnswer {
  status: number;
  body: unknown;
}

export type ReplayLookup = { kind: 'first' } | { kind: 'replay'; answer: StoredAnswer } | { kind: 'mismatch' };

export interface ReplayStore {
  /** What to do with a request under `key` whose method, path and parameters give `request`. */
  lookup(key: string, request: string): ReplayLookup;
  save(key: string, request: string, answer: StoredAnswer): void;
}

export const REPLAY_TTL_MS = 24 * 60 * 60 * 1000;

export function createReplayStore(now: () => number, ttlMs = REPLAY_TTL_MS): ReplayStore {
  const entries = new Map<string, { request: string; answer: StoredAnswer; expiresAt: number }>();
  function sweep() {
    const t = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= t) entries.delete(key);
  }
  return {
    lookup(key, request) {
      sweep();
      const entry = entries.get(key);
      if (!entry) return { kind: 'first' };
      return entry.request === request ? { kind: 'replay', answer: entry.answer } : { kind: 'mismatch' };
    },
    save(key, request, answer) {
      // A deep copy: later changes to the object answered must not change what is replayed.
      entries.set(key, { request, answer: { status: answer.status, body: structuredClone(answer.body) }, expiresAt: now() + ttlMs });
    },
  };
}
