/**
 * One HTTP exchange with a provider, as both adapters need it: a bounded wait, and the split
 * between what a retry may fix (network, timeout, 5xx: thrown as a plain Error, so the caller's
 * retry policy applies) and what it will not (a 4xx: returned, for the adapter to turn into a
 * ProviderRefusal in its own error dialect).
 */
import type { ProviderName } from './provider.js';

/** A provider that has not answered in 10 s is treated as down: the caller retries later. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** One request, fully formed by the adapter (auth and idempotency headers included). */
export interface ProviderCall {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** A 2xx or 4xx answer; `body` is the parsed JSON, or null when there was none. */
export interface ProviderAnswer {
  status: number;
  body: unknown;
}

/**
 * Sends `call` and parses the answer. Throws a plain Error on network failure, timeout,
 * 5xx, any other non-2xx/4xx status, and a 2xx whose body is not JSON.
 */
export async function exchange(fetchImpl: typeof fetch, provider: ProviderName, call: ProviderCall): Promise<ProviderAnswer> {
  const what = `${provider}: ${call.method} ${new URL(call.url).pathname}`;
  let response: Response;
  let text: string;
  try {
    response = await fetchImpl(call.url, {
      method: call.method,
      headers: call.headers,
      ...(call.body === undefined ? {} : { body: call.body }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (cause) {
    throw new Error(`${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  const ok = response.status >= 200 && response.status < 300;
  const refused = response.status >= 400 && response.status < 500;
  if (!ok && !refused) throw new Error(`${what} answered ${response.status}`);
  let body: unknown = null;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch (cause) {
      // A 4xx without JSON is still a refusal (the adapter names it by status); a 2xx without
      // JSON is a provider we do not understand, which a retry may outlive.
      if (ok) throw new Error(`${what} answered ${response.status} with a body that is not JSON`, { cause });
    }
  }
  return { status: response.status, body };
}

/** Whether `value` is a JSON object (not an array or null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-negative integer id from the wire (`'42'`), or null for anything else: ids we did not write are not trusted. */
export function idFromDigits(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return null;
  const id = Number(value);
  return Number.isSafeInteger(id) ? id : null;
}

/** The path under `baseUrl` (a trailing slash on the base is ignored). */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`;
}
