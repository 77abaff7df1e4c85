/**
 * PayPal's REST API as the adapter calls it: an OAuth2 client-credentials token, cached and
 * shared by concurrent calls, JSON in and out, and PayPal's error dialect turned into
 * ProviderRefusal. A 401 on a call made with a cached token is retried once with a fresh
 * token: PayPal may revoke a token before the `expires_in` it announced.
 */
import { z } from 'zod';
import { exchange, joinUrl, type ProviderAnswer } from './http.js';
import { ProviderRefusal } from './provider.js';

/** Where PayPal is and the REST app's credentials (client id and secret, for the token). */
export interface PaypalCredentials {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch;
  /** The clock a token's lifetime is counted on (ms since the epoch); tests move it. */
  now?: () => number;
}

/** One call to PayPal's API; the token is added by `paypalApi`. */
export interface PaypalRequest {
  method: 'GET' | 'POST';
  path: string;
  /** Already serialised JSON: the webhook check splices the raw event in unchanged. */
  json?: string;
  /** PayPal's idempotency header: the same id answers the first response again. */
  requestId?: string;
}

/** A token is renewed this long before PayPal says it expires, so none expires in flight. */
const TOKEN_MARGIN_MS = 60_000;

const tokenShape = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });
const oauthErrorShape = z.object({ error: z.string(), error_description: z.string().nullish() });
const apiErrorShape = z.object({
  name: z.string().nullish(),
  message: z.string().nullish(),
  details: z.array(z.object({ issue: z.string().nullish(), description: z.string().nullish() })).nullish(),
});

/** `send` answers 2xx and 4xx as they are; `call` parses a 2xx and throws a refusal for a 4xx. */
export function paypalApi(credentials: PaypalCredentials) {
  const fetchImpl = credentials.fetch ?? globalThis.fetch;
  const tokens = tokenCache(credentials, fetchImpl);

  async function send(request: PaypalRequest): Promise<ProviderAnswer> {
    const attempt = async (token: string) =>
      exchange(fetchImpl, 'paypal', {
        method: request.method,
        url: joinUrl(credentials.baseUrl, request.path),
        headers: {
          authorization: `Bearer ${token}`,
          ...(request.json === undefined ? {} : { 'content-type': 'application/json' }),
          ...(request.requestId === undefined ? {} : { 'paypal-request-id': request.requestId }),
        },
        ...(request.json === undefined ? {} : { body: request.json }),
      });
    const first = await attempt(await tokens.get());
    if (first.status !== 401) return first;
    tokens.forget();
    return attempt(await tokens.get());
  }

  return {
    send,
    async call<T>(request: PaypalRequest, shape: z.ZodType<T>): Promise<T> {
      const answer = await send(request);
      if (answer.status >= 400) throw paypalRefusal(answer, `${request.method} ${request.path}`);
      const parsed = shape.safeParse(answer.body);
      if (!parsed.success) throw new Error(`paypal: ${request.method} ${request.path} answered an unexpected shape: ${z.prettifyError(parsed.error)}`);
      return parsed.data;
    },
  };
}

/** The API client `paypalApi` builds. */
export type PaypalApi = ReturnType<typeof paypalApi>;

/**
 * PayPal's error as a ProviderRefusal. The code is the first detail's issue when it is a code
 * (`ORDER_ALREADY_CAPTURED`), else the error's name (`USER_BUSINESS_ERROR`): some APIs put
 * the code in `issue`, others (Payouts) put prose there.
 */
export function paypalRefusal(answer: ProviderAnswer, what: string): ProviderRefusal {
  const parsed = apiErrorShape.safeParse(answer.body);
  const error = parsed.success ? parsed.data : null;
  const issue = error?.details?.[0]?.issue;
  const code = issue && /^[A-Z][A-Z0-9_]*$/.test(issue) ? issue : (error?.name ?? `http_${answer.status}`);
  const message = error?.details?.[0]?.description ?? error?.message ?? `paypal: ${what} refused with ${answer.status}`;
  return new ProviderRefusal('paypal', answer.status, code, message);
}

function tokenCache(credentials: PaypalCredentials, fetchImpl: typeof fetch) {
  const clock = credentials.now ?? Date.now;
  let cached: { token: string; renewAt: number } | null = null;
  // One request for a token at a time: concurrent calls wait for the same one.
  let pending: Promise<string> | null = null;

  async function fetchToken(): Promise<string> {
    const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64');
    const answer = await exchange(fetchImpl, 'paypal', {
      method: 'POST',
      url: joinUrl(credentials.baseUrl, '/v1/oauth2/token'),
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    if (answer.status >= 400) {
      const oauth = oauthErrorShape.safeParse(answer.body);
      if (!oauth.success) throw paypalRefusal(answer, 'POST /v1/oauth2/token');
      throw new ProviderRefusal('paypal', answer.status, oauth.data.error, oauth.data.error_description ?? oauth.data.error);
    }
    const token = tokenShape.safeParse(answer.body);
    if (!token.success) throw new Error(`paypal: the token endpoint answered an unexpected shape: ${z.prettifyError(token.error)}`);
    const lifetimeMs = token.data.expires_in * 1000;
    // A short-lived token is renewed half way, not after it has already expired.
    cached = { token: token.data.access_token, renewAt: clock() + lifetimeMs - Math.min(TOKEN_MARGIN_MS, lifetimeMs / 2) };
    return token.data.access_token;
  }

  return {
    async get(): Promise<string> {
      if (cached && clock() < cached.renewAt) return cached.token;
      pending ??= fetchToken().finally(() => {
        pending = null;
      });
      return pending;
    },
    forget(): void {
      cached = null;
    },
  };
}
