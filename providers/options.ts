/**
 * What the local payment providers are started with, and the defaults for what a caller may
 * leave out. The delays are the spec's (docs/payment-providers.md); tests shrink them.
 */

/** How the stand-in is configured: its public address, both providers' credentials, timings. */
export interface LocalProvidersOptions {
  /** The base URL hosted pages and links use, e.g. `http://127.0.0.1:3002` (no trailing slash needed). */
  publicUrl: string;
  card: {
    /** What callers send as `Authorization: Bearer <secretKey>`. */
    secretKey: string;
    /** The HMAC key of `Stripe-Signature`. */
    webhookSecret: string;
    /** Where events are POSTed; without one they are only recorded. */
    webhookUrl?: string;
  };
  paypal: {
    clientId: string;
    clientSecret: string;
    /** The webhook's id: part of what each delivery's signature covers. */
    webhookId: string;
    webhookUrl?: string;
  };
  delays?: Partial<Delays>;
  /** The clock for timestamps, token and key lifetimes (ms since the epoch); timers use real time. */
  now?: () => number;
}

/** Every timing the stand-in uses, in milliseconds (or attempts). */
export interface Delays {
  /** The `4000 0000 0000 0077` card's webhook comes this long after the payment. */
  webhookMs: number;
  /** A payout settles (paid or failed) this long after it is created. */
  payoutMs: number;
  /** The first retry of a refused delivery waits this long; each next one twice as long. */
  retryBaseMs: number;
  /** Deliveries of one event, the first included. */
  maxAttempts: number;
  /** A delivery not answered within this long counts as refused. */
  deliveryTimeoutMs: number;
}

export const DEFAULT_DELAYS: Delays = {
  webhookMs: 5_000,
  payoutMs: 1_000,
  retryBaseMs: 1_000,
  maxAttempts: 8,
  deliveryTimeoutMs: 10_000,
};

/** The options with every default filled in and the public URL without a trailing slash. */
export function resolveOptions(options: LocalProvidersOptions): LocalProvidersOptions & { delays: Delays; now: () => number } {
  return {
    ...options,
    publicUrl: options.publicUrl.replace(/\/+$/, ''),
    delays: { ...DEFAULT_DELAYS, ...definedOnly(options.delays ?? {}) },
    now: options.now ?? Date.now,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
