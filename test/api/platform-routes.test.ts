import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import { z } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import { access, secured } from '../../api/auth.js';
import { buildApp, connectTemporal, createTestDatabase, jsonOf, type TestDatabase } from '../support/harness.js';

describe('the API base', () => {
  let database: TestDatabase;
  let temporal: Client;
  let app: ReturnType<typeof buildApp>;

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    app = buildApp({ db: database.db, temporal });
    // Two routes that exist only here, to drive the shared validation and error paths; declared
    // as every route is, so that the document (which every response is checked against) has them.
    app.openapi(
      secured(access.public, {
        method: 'post',
        path: '/test/echo',
        request: {
          body: {
            content: {
              'application/json': {
                schema: z.strictObject({ amount: z.number().int().positive(), note: z.string().max(5).optional() }),
              },
            },
          },
        },
        responses: { 200: { description: 'echo', content: { 'application/json': { schema: z.object({ amount: z.number() }) } } } },
      }),
      (c) => c.json({ amount: c.req.valid('json').amount }, 200),
    );
    app.openapi(secured(access.public, { method: 'get', path: '/test/crash', responses: { 204: { description: 'never' } } }), () => {
      throw new Error('connection string postgres://secret@db leaked?');
    });
  });
  after(async () => {
    await database?.drop();
    await temporal?.connection.close();
  });

  it('serves an OpenAPI 3.1 document that describes /health', async () => {
    const res = await app.request('/openapi.json');
    assert.equal(res.status, 200);
    const doc = await jsonOf(res);
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/health']?.get, 'GET /health is documented');
    assert.ok(doc.components.schemas.Error, 'the error shape is documented');
  });

  it('serves interactive docs whose assets come from this server', async () => {
    const page = await app.request('/docs');
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /\/openapi\.json/);
    for (const asset of html.matchAll(/(?:src|href)="(\/docs\/assets\/[^"]+)"/g)) {
      const res = await app.request(asset[1]!);
      assert.equal(res.status, 200, asset[1]);
    }
    assert.equal((await app.request('/docs/assets/..%2Fpackage.json')).status, 404);
  });

  it('answers an unknown route with 404 in the error shape', async () => {
    const res = await app.request('/no/such/thing', { method: 'PATCH' });
    assert.equal(res.status, 404);
    assert.deepEqual(await jsonOf(res), { error: { code: 'not_found', message: 'no route for PATCH /no/such/thing', details: {} } });
  });

  it('answers invalid input with 400 and the path of every offending field', async () => {
    const res = await app.request('/test/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: -5, note: 'far too long', extra: true }),
    });
    assert.equal(res.status, 400);
    const { error } = await jsonOf(res);
    assert.equal(error.code, 'invalid_input');
    const paths = error.details.fields.map((f: { path: string }) => f.path).sort();
    assert.deepEqual(paths, ['body.amount', 'body.extra', 'body.note']);
    assert.match(error.message, /^body/);
  });

  it('answers malformed JSON with 400 in the error shape', async () => {
    const res = await app.request('/test/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"amount": 1',
    });
    assert.equal(res.status, 400);
    const { error } = await jsonOf(res);
    assert.equal(error.code, 'invalid_request');
    assert.match(error.message, /JSON/i);
  });

  it('refuses a body over 64 KiB with 413, declared or streamed, and passes one under it', async () => {
    const big = JSON.stringify({ amount: 1, pad: 'x'.repeat(70 * 1024) });
    const small = JSON.stringify({ amount: 7 });
    // In process: a Request with a body and neither header.
    const inProcess = await app.request('/test/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    assert.equal(inProcess.status, 413);
    assert.match((await jsonOf(inProcess)).error.message, /larger than 65536 bytes/);
    // Over HTTP/1.1 on the server the platform runs: with a Content-Length, and chunked.
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const post = (body: string, chunked: boolean) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port, method: 'POST', path: '/test/echo', headers: { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': Buffer.byteLength(body) }) } },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on('error', reject);
        if (chunked) {
          // Two writes before end: Node sends them with Transfer-Encoding: chunked.
          req.write(body.slice(0, 100));
          req.end(body.slice(100));
        } else req.end(body);
      });
    try {
      for (const chunked of [false, true]) {
        const refused = await post(big, chunked);
        assert.equal(refused.status, 413, refused.body);
        assert.equal(JSON.parse(refused.body).error.code, 'payload_too_large');
        assert.match(JSON.parse(refused.body).error.message, /larger than 65536 bytes/);
        const passed = await post(small, chunked);
        assert.equal(passed.status, 200, passed.body);
        assert.deepEqual(JSON.parse(passed.body), { amount: 7 });
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('answers a crash with 500 and the request id, never the internals', async () => {
    const res = await app.request('/test/crash');
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.ok(!text.includes('secret'), text);
    const { error } = JSON.parse(text);
    assert.equal(error.code, 'internal');
    assert.equal(error.details.requestId, res.headers.get('x-request-id'));
  });

  it('gives every response a request id, keeping one the caller sent', async () => {
    const mine = await app.request('/health', { headers: { 'x-request-id': 'support-ticket-42' } });
    assert.equal(mine.headers.get('x-request-id'), 'support-ticket-42');
    const generated = await app.request('/health');
    assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('has applied every migration to the database it runs on', async () => {
    const [row] = await database.db.sql`select count(*)::int as n from users`;
    assert.equal(row!.n, 0);
  });
});
