/**
 * An answer to a caller who sent credentials is kept by no cache (`keepFromCaches`, after the
 * route, in the API's and the web client's session middleware): every kind of answer a route
 * gives gets `Cache-Control: private, no-store` on its own headers, a route's own `no-store`
 * stays as the route wrote it, and the body goes out as the route made it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { keepFromCaches } from '../../api/http-process.js';

const app = new Hono();
app.use(async (c, next) => {
  await next();
  if (c.req.header('authorization')) keepFromCaches(c);
});
app.get('/json', (c) => c.json({ balanceCents: 1_500 }));
app.get('/page', (c) => c.html('<h1>Balance</h1>'));
app.get('/export', (c) => {
  c.header('Cache-Control', 'no-store');
  return c.json({ orders: [] });
});
app.get('/cacheable', (c) => {
  c.header('Cache-Control', 'public, max-age=60');
  return c.text('catalog');
});
app.get('/stream', (c) => stream(c, async (s) => {
  await s.write('chunk');
}));
app.post('/redirect', (c) => c.redirect('/json', 303));
app.get('/file', () => new Response(new Uint8Array([1, 2, 3]), { headers: { 'content-type': 'application/octet-stream' } }));

const signedIn = { authorization: 'Bearer token' };

describe('answers to a caller with credentials', () => {
  for (const [method, path, status, body] of [
    ['GET', '/json', 200, '{"balanceCents":1500}'],
    ['GET', '/page', 200, '<h1>Balance</h1>'],
    ['GET', '/cacheable', 200, 'catalog'],
    ['GET', '/stream', 200, 'chunk'],
    ['POST', '/redirect', 303, ''],
    ['GET', '/file', 200, '\u0001\u0002\u0003'],
    ['GET', '/nowhere', 404, '404 Not Found'],
  ] as const) {
    it(`${method} ${path}: private, no-store, and the route's status and body`, async () => {
      const res = await app.request(path, { method, headers: signedIn });
      assert.equal(res.status, status);
      assert.equal(res.headers.get('cache-control'), 'private, no-store');
      assert.equal(await res.text(), body);
    });
  }

  it("a route's own no-store stays as it wrote it", async () => {
    const res = await app.request('/export', { headers: signedIn });
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await res.json(), { orders: [] });
  });

  it('without credentials, an answer keeps what the route said', async () => {
    assert.equal((await app.request('/json')).headers.get('cache-control'), null);
    assert.equal((await app.request('/cacheable')).headers.get('cache-control'), 'public, max-age=60');
  });
});
