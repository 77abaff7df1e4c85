/**
 * A scripted HTTP provider for adapter tests: each test sets `answer` to reply with
 * protocol-shaped JSON and reads back `requests` to assert what the adapter sent. Real
 * sockets (node:http), so the adapters' own fetch, headers and encoding are what is tested.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the fake received it. */
export interface RecordedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the fake answers: 200 and `{}` unless told otherwise. */
export interface FakeAnswer {
  status?: number;
  /** Sent as JSON; a string is sent as it is. */
  body?: unknown;
}

/** The running fake, scripted through `answer`. */
export interface FakeProvider {
  url: string;
  requests: RecordedRequest[];
  answer: (request: RecordedRequest) => FakeAnswer;
  /** Forgets the recorded requests (the answer stays). */
  reset(): void;
  close(): Promise<void>;
}

/** Listens on a free port of 127.0.0.1; every request answers 500 until `answer` is set. */
export async function startFakeProvider(): Promise<FakeProvider> {
  const fake: FakeProvider = {
    url: '',
    requests: [],
    answer: () => ({ status: 500, body: { error: 'no answer scripted' } }),
    reset: () => {
      fake.requests.length = 0;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      fake.requests.push(recorded);
      const { status = 200, body = {} } = fake.answer(recorded);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** A route table as an answer: `'GET /v1/payouts/po_1'` → answer; anything else 404. */
export function routes(table: Record<string, FakeAnswer | ((request: RecordedRequest) => FakeAnswer)>): (request: RecordedRequest) => FakeAnswer {
  return (request) => {
    const route = table[`${request.method} ${request.path}`];
    if (route === undefined) return { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: `no route ${request.method} ${request.path}` } } };
    return typeof route === 'function' ? route(request) : route;
  };
}
