/**
 * Web addresses people follow (an avatar, an offer's media, a delivery's links: `httpUrl` in
 * api/schemas.ts): http or https with its `//`, as a browser parses it. The document says so
 * with `format: uri` and a pattern for the scheme, so a tool reading only `/openapi.json` sends
 * no `ftp://` or `http:example.com` it takes for valid (a browser reads the second as
 * `http://example.com/`; the document's readers do not).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { httpUrl } from '../../api/schemas.js';
import { openApiDocument } from '../../scripts/routes-table.js';
import { actionSchemas } from '../../web/pages/order/actions.js';
import { Contract, type OpenApiDocument } from '../support/contract.js';

const TAKEN = ['https://img.example.com/a.png', 'http://example.com', 'https://EXAMPLE.COM/A?b=c#d', 'http://127.0.0.1:8080/x', 'http://[::1]/', 'https://user:pw@example.com/'];
const REFUSED = ['http:example.com', 'http:/example.com', 'ftp://example.com/x', 'javascript:alert(1)', 'mailto:a@example.com', 'example.com', 'http://', 'http:///a', 'http://user@', 'http://:80/', 'HTTPS://EXAMPLE.COM', 'http://example.com/a b', ' http://example.com', ''];

describe('a web address', () => {
  it('is http or https, written out with its //, and a browser can parse it', () => {
    for (const url of TAKEN) assert.equal(httpUrl(500).safeParse(url).success, true, url);
    for (const url of REFUSED) assert.equal(httpUrl(500).safeParse(url).success, false, url);
  });

  it('is what the served document takes, and nothing it refuses', async () => {
    const contract = new Contract((await openApiDocument()) as OpenApiDocument);
    const profile = (avatarUrl: string) => contract.acceptsBody('patch', '/me/profile', { avatarUrl });
    for (const url of TAKEN) assert.equal(profile(url), true, url);
    for (const url of REFUSED) assert.equal(profile(url), false, url);
  });

  it('in the web client’s delivery form: the same rule, each line trimmed (people paste with spaces)', () => {
    const deliver = (links: string) => actionSchemas.deliver!.safeParse({ deliveryText: 'The logo, as agreed', links });
    assert.deepEqual(deliver(' https://example.com/logo.svg \nhttp://example.com').data, { type: 'deliver', text: 'The logo, as agreed', links: ['https://example.com/logo.svg', 'http://example.com'] });
    for (const url of REFUSED.filter((u) => u !== '' && u.trim() === u)) assert.equal(deliver(url).success, false, url);
  });
});
