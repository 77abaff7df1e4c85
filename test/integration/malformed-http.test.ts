/**
 * Requests refused before any route sees them — by Node's HTTP parser or by the adapter that
 * makes a web Request of them — get the API's error body with the status that names the fault,
 * and the connection closes (`httpServer` in api/http-process.ts, which serves the API and the
 * web client). Sent as raw bytes over a socket, as a broken client or a scanner sends them.
 */
import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Hono } from 'hono';
import pino from 'pino';
import type { AppEnv } from '../../api/context.js';
import { onError } from '../../api/errors.js';
import { httpServer } from '../../api/http-process.js';
import { pollUntil } from '../../scripts/poll.js';

/** What the app logged, each line's level and message. */
const logged: { level: number; msg: string }[] = [];
const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line) as { level: number; msg: string }) });

const app = new Hono<AppEnv>();
app.use(async (c, next) => {
  c.set('requestId', 'request-1');
  c.set('log', logger);
  await next();
});
// The API's own error handler: what it logs of a request that broke mid-body.
app.onError(onError);
app.get('/orders', (c) => c.json({ items: [] }));
app.post('/echo', async (c) => c.json({ length: (await c.req.text()).length }));

let server: Server;
let port: number;
before(async () => {
  server = httpServer({ fetch: app.fetch, host: '127.0.0.1', logger });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `raw` and reads everything until the server closes the connection: the answers, in order. */
function exchange(raw: string): Promise<Answer[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(parseAnswers(Buffer.concat(chunks).toString('utf8'))));
    socket.write(raw);
  });
}

/** HTTP/1.1 answers with a Content-Length, one after another. */
function parseAnswers(text: string): Answer[] {
  const answers: Answer[] = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    assert.ok(end > 0, `a whole header section in ${JSON.stringify(rest)}`);
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length']);
    assert.ok(Number.isInteger(length), `a Content-Length in ${JSON.stringify(statusLine)}`);
    answers.push({ status: Number(statusLine!.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return answers;
}

/** The one answer to `raw`: a refusal with our error body, `code`, and the connection closed. */
async function refusal(raw: string, status: number, code: string): Promise<{ code: string; message: string; details: Record<string, string> }> {
  const answers = await exchange(raw);
  assert.equal(answers.length, 1, JSON.stringify(answers));
  const [answer] = answers;
  assert.equal(answer!.status, status);
  assert.equal(answer!.headers['content-type'], 'application/json');
  assert.equal(answer!.headers.connection, 'close');
  const { error } = JSON.parse(answer!.body) as { error: { code: string; message: string; details: Record<string, string> } };
  assert.equal(error.code, code);
  assert.ok(error.message.length > 0);
  assert.equal(typeof error.details, 'object');
  return error;
}

describe('requests refused before any route', () => {
  it('a well-formed request is served as ever, and one without Host in HTTP/1.0 too', async () => {
    const [answer] = await exchange('GET /orders HTTP/1.1\r\nHost: gigflow.test\r\nConnection: close\r\n\r\n');
    assert.equal(answer!.status, 200);
    assert.deepEqual(JSON.parse(answer!.body), { items: [] });
    const [old] = await exchange('GET /orders HTTP/1.0\r\n\r\n');
    assert.equal(old!.status, 200);
  });

  it('a method that is none of HTTP’s: 400, naming the parser’s reason', async () => {
    const error = await refusal('FROB /orders HTTP/1.1\r\nHost: gigflow.test\r\n\r\n', 400, 'invalid_request');
    assert.equal(error.details.parser, 'HPE_INVALID_METHOD');
  });

  it('a header section over 16 KB: 431', async () => {
    await refusal(`GET /orders HTTP/1.1\r\nHost: gigflow.test\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large');
  });

  it('a chunk size that is not hexadecimal, after the route started reading: 400, and the log says the request broke, not a service', async () => {
    await refusal('POST /echo HTTP/1.1\r\nHost: gigflow.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nZZ\r\n', 400, 'invalid_request');
    await pollUntil(() => logged.some((line) => line.msg === 'the request ended before its body arrived whole'), { what: "the route's error handler's line" });
    assert.deepEqual(
      logged.filter((line) => line.level >= 40),
      [],
    );
  });

  for (const [name, raw] of [
    ['a control character in a header name', 'GET /orders HTTP/1.1\r\nHost: gigflow.test\r\nX-A\u0001: b\r\n\r\n'],
    ['an HTTP version that is not one', 'GET /orders HTTP/9.9\r\nHost: gigflow.test\r\n\r\n'],
    ['a space in the target', 'GET /or ders HTTP/1.1\r\nHost: gigflow.test\r\n\r\n'],
    ['a chunk size that is not hexadecimal', 'POST /echo HTTP/1.1\r\nHost: gigflow.test\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n'],
    ['Content-Length and Transfer-Encoding both', 'POST /echo HTTP/1.1\r\nHost: gigflow.test\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'],
    ['a Content-Length that is not a number', 'POST /echo HTTP/1.1\r\nHost: gigflow.test\r\nContent-Length: 1x\r\n\r\nabc'],
    ['TLS bytes on the plain port', '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003'],
  ] as const) {
    it(`${name}: 400`, async () => {
      await refusal(raw, 400, 'invalid_request');
    });
  }

  it('bytes past a body’s declared length: the connection ends with a 400', async () => {
    const answers = await exchange('POST /echo HTTP/1.1\r\nHost: gigflow.test\r\nContent-Length: 2\r\n\r\nabcdef');
    const last = answers.at(-1)!;
    assert.equal(last.status, 400);
    assert.equal((JSON.parse(last.body) as { error: { code: string } }).error.code, 'invalid_request');
  });

  it('an HTTP/1.1 request without Host: 400', async () => {
    const error = await refusal('GET /orders HTTP/1.1\r\n\r\n', 400, 'invalid_request');
    assert.match(error.message, /Host/);
  });

  it('a Host or target no URL can be made of: 400', async () => {
    await refusal('GET /orders HTTP/1.1\r\nHost: gigflow test\r\nConnection: close\r\n\r\n', 400, 'invalid_request');
    await refusal('GET /orders\\..\\x HTTP/1.1\r\nHost: gigflow.test\r\nConnection: close\r\n\r\n', 400, 'invalid_request');
  });
});
