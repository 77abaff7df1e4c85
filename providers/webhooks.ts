/**
 * Webhook delivery as both providers do it: POST the event's JSON to the endpoint, and when the
 * answer is not a 2xx (or none comes within the timeout) try again after 1 s, 2 s, 4 s … up
 * to a bound of attempts. Each attempt is signed afresh, because receivers refuse a signature
 * timestamp more than 300 s old and the last retries come minutes after the first try.
 */
import type { Scheduler } from './scheduler.js';

/** One event to deliver: its raw body and how to sign it at the moment of each attempt. */
export interface Delivery {
  url: string;
  /** The event id, for the record (a duplicate delivery has the same one). */
  eventId: string;
  type: string;
  /** Sent byte for byte: the signature covers it. */
  body: string;
  /** The signature headers for this body, computed at each attempt. */
  sign(body: string): Record<string, string>;
}

/** What became of one delivery, for tests and for the curious. */
export interface DeliveryRecord {
  eventId: string;
  type: string;
  url: string;
  attempts: number;
  /** The HTTP status of each attempt; 0 when there was no answer (refused, timed out). */
  statuses: number[];
  state: 'scheduled' | 'delivering' | 'delivered' | 'gave_up';
}

export interface WebhookQueue {
  /** Delivers `delivery` after `delayMs` (0: at once), retrying as the module says. */
  send(delivery: Delivery, delayMs?: number): void;
  records(): DeliveryRecord[];
  /** Aborts attempts in flight (the scheduler's owner cancels those not started); resolves once none is running. */
  close(): Promise<void>;
}

export interface WebhookQueueOptions {
  scheduler: Scheduler;
  retryBaseMs: number;
  maxAttempts: number;
  deliveryTimeoutMs: number;
}

export function createWebhookQueue(options: WebhookQueueOptions): WebhookQueue {
  const { scheduler } = options;
  const records: DeliveryRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  const closing = new AbortController();

  async function attempt(delivery: Delivery, record: DeliveryRecord): Promise<void> {
    record.state = 'delivering';
    record.attempts += 1;
    const status = await post(delivery, options.deliveryTimeoutMs, closing.signal);
    record.statuses.push(status);
    if (status >= 200 && status < 300) {
      record.state = 'delivered';
    } else if (record.attempts < options.maxAttempts && !scheduler.closed) {
      record.state = 'scheduled';
      const backoff = options.retryBaseMs * 2 ** (record.attempts - 1);
      scheduler.after(backoff, () => run(delivery, record));
    } else {
      record.state = 'gave_up';
    }
  }

  function run(delivery: Delivery, record: DeliveryRecord): void {
    const running = attempt(delivery, record).finally(() => inFlight.delete(running));
    inFlight.add(running);
  }

  return {
    send(delivery, delayMs = 0) {
      const record: DeliveryRecord = { eventId: delivery.eventId, type: delivery.type, url: delivery.url, attempts: 0, statuses: [], state: 'scheduled' };
      records.push(record);
      scheduler.after(delayMs, () => run(delivery, record));
    },
    records: () => records.map((record) => ({ ...record, statuses: [...record.statuses] })),
    async close() {
      closing.abort();
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** One attempt: the answer's status, or 0 when there was none. */
async function post(delivery: Delivery, timeoutMs: number, closing: AbortSignal): Promise<number> {
  try {
    const response = await fetch(delivery.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'gigflow-local-providers', ...delivery.sign(delivery.body) },
      body: delivery.body,
      redirect: 'manual',
      signal: AbortSignal.any([closing, AbortSignal.timeout(timeoutMs)]),
    });
    // The answer's body is not read; cancelling it frees the connection for the next delivery.
    await response.body?.cancel();
    return response.status;
  } catch {
    return 0;
  }
}
