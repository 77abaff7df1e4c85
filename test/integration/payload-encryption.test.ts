/**
 * Personal data in workflow histories (issue 19 §5, W-19): with payload keys configured, a
 * seller's offer goes through moderation on the run's dev server — API and worker both holding
 * the keys — and what Temporal stores is ciphertext, while the codec server gives the payloads
 * back readable to support staff (bearer token, or the web client's cookie from the Temporal
 * UI's origin) and to nobody else.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { encryptionCodec, ENCRYPTED_ENCODING, keyRing, payloadToJson } from '../../codec/payload-codec.js';
import { createAccounts } from '../../services/accounts.js';
import { systemClock } from '../../services/clock.js';
import { moderationWorkflowId } from '../../workflows/moderation/messages.js';
import { callerFor, signUp, type Caller, type TestUser } from '../support/api.js';
import { buildApp, connectTemporal, createTestDatabase, startWorker, uniqueId, type TestDatabase } from '../support/harness.js';

const UI_ORIGIN = 'http://127.0.0.1:8233';

/**
 * Every payload of a history but the search attributes' (indexed by the server, never encoded)
 * and the patch markers' (the SDK's core writes `{ id: <patch>, deprecated }` itself).
 */
function payloadsOf(value: unknown, found: Payload[] = []): Payload[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return found;
  const record = value as Record<string, unknown>;
  if (record.data instanceof Uint8Array && record.metadata && typeof record.metadata === 'object') {
    found.push(record as Payload);
    return found;
  }
  if (record.markerName === 'core_patch') return found;
  for (const [key, inner] of Object.entries(record)) if (key !== 'searchAttributes') payloadsOf(inner, found);
  return found;
}

describe('encrypted workflow payloads and the codec server', () => {
  let database: TestDatabase;
  let temporal: Client;
  /** The same dev server seen without keys: what Temporal (and anyone reading it) holds. */
  let raw: Client;
  let worker: { stop(): Promise<void> };
  let call: Caller;
  let app: ReturnType<typeof buildApp>;
  let seller: TestUser;
  let support: TestUser;
  let moderator: TestUser;
  const taskQueue = uniqueId('payload-encryption');
  // Rotated once already: `old` still decrypts, `current` encrypts.
  const codec = encryptionCodec(keyRing([{ id: 'old', key: new Uint8Array(randomBytes(32)) }, { id: 'current', key: new Uint8Array(randomBytes(32)) }], 'current'));
  const title = `Logo for Ada Lovelace's bakery ${randomBytes(6).toString('hex')}`;
  let workflowId: string;

  before(async () => {
    [database, temporal, raw] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal({ payloadCodec: codec }), connectTemporal()]);
    worker = await startWorker(database.db, taskQueue, undefined, undefined, codec);
    app = buildApp({ db: database.db, temporal, taskQueue, temporalUiOrigin: UI_ORIGIN });
    call = callerFor(app);
    [seller, support, moderator] = await Promise.all([signUp(call, 'seller'), signUp(call, 'support'), signUp(call, 'moderator')]);
    const accounts = createAccounts({ db: database.db, clock: systemClock });
    await accounts.grantRole(support.id, 'support');
    await accounts.grantRole(moderator.id, 'moderator');
    const draft = await call('POST', '/offers', {
      token: seller.token,
      body: { categoryId: 11, title, description: `Three logo concepts for a bakery, with the owner's name ${randomBytes(8).toString('hex')}`, priceCents: 1_000, leadTimeDays: 2 },
    });
    assert.equal(draft.status, 201, JSON.stringify(draft.body));
    assert.equal((await call('POST', `/offers/${draft.body.id}/submit`, { token: seller.token })).status, 200);
    // An Update through the encrypted client, decided by the worker: both sides read the payloads.
    const decided = await call('POST', `/moderation/offers/${draft.body.id}/decision`, { token: moderator.token, body: { decision: 'approve' } });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    assert.equal((await call('GET', `/offers/${draft.body.id}`)).body.status, 'active');
    workflowId = moderationWorkflowId(draft.body.id, 1);
  });
  after(async () => {
    await worker?.stop();
    await Promise.allSettled([temporal?.connection.close(), raw?.connection.close()]);
    await database?.drop();
  });

  /** The started event's input, as Temporal stores it, in the codec server protocol's JSON. */
  async function storedInput() {
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
    return started.input!.payloads!.map(payloadToJson);
  }

  it('stores every payload of the history encrypted, with no trace of the title in its bytes', async () => {
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const payloads = payloadsOf(history);
    assert.ok(payloads.length >= 3, `the history's payloads: ${payloads.length}`);
    for (const payload of payloads) {
      assert.equal(Buffer.from(payload.metadata!.encoding!).toString(), ENCRYPTED_ENCODING);
      assert.equal(Buffer.from(payload.metadata!['encryption-key-id']!).toString(), 'current');
      assert.ok(!Buffer.from(payload.data!).toString('latin1').includes('Lovelace'));
    }
  });

  it('decodes the stored payloads for support staff, and encodes what decodes again', async () => {
    const stored = await storedInput();
    const decoded = await call('POST', '/codec/decode', { token: support.token, body: { payloads: stored }, headers: { 'x-namespace': 'default' } });
    assert.equal(decoded.status, 200, JSON.stringify(decoded.body));
    const input = JSON.parse(Buffer.from(decoded.body.payloads[0].data, 'base64').toString('utf8'));
    assert.equal(input.title, title);
    assert.equal(Buffer.from(decoded.body.payloads[0].metadata.encoding, 'base64').toString(), 'json/plain');
    const encoded = await call('POST', '/codec/encode', { token: support.token, body: { payloads: decoded.body.payloads } });
    assert.equal(encoded.status, 200);
    assert.notEqual(encoded.body.payloads[0].data, decoded.body.payloads[0].data);
    const again = await call('POST', '/codec/decode', { token: support.token, body: encoded.body });
    assert.deepEqual(again.body.payloads, decoded.body.payloads);
  });

  it('decodes nothing for a seller (403), a moderator (403) or an anonymous caller (401)', async () => {
    const body = { payloads: await storedInput() };
    assert.equal((await call('POST', '/codec/decode', { token: seller.token, body })).status, 403);
    assert.equal((await call('POST', '/codec/decode', { token: moderator.token, body })).status, 403);
    assert.equal((await call('POST', '/codec/decode', { body })).status, 401);
  });

  it('refuses a payload it cannot decrypt with 422, and another namespace with 400', async () => {
    const [stored] = await storedInput();
    const data = Buffer.from(stored!.data, 'base64');
    data[data.length - 1]! ^= 1;
    const tampered = await call('POST', '/codec/decode', { token: support.token, body: { payloads: [{ ...stored, data: data.toString('base64') }] } });
    assert.equal(tampered.status, 422);
    assert.equal(tampered.body.error.code, 'undecodable_payload');
    const elsewhere = await call('POST', '/codec/decode', { token: support.token, body: { payloads: [stored] }, headers: { 'x-namespace': 'billing' } });
    assert.equal(elsewhere.status, 400);
    assert.deepEqual(elsewhere.body.error.details.fields.map((f: { path: string }) => f.path), ['header.x-namespace']);
  });

  it('answers the Temporal UI’s preflight for its origin only, with credentials', async () => {
    const preflight = (origin: string) =>
      call('OPTIONS', '/codec/decode', { headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
    const ui = await preflight(UI_ORIGIN);
    assert.equal(ui.status, 204);
    assert.equal(ui.headers.get('access-control-allow-origin'), UI_ORIGIN);
    assert.equal(ui.headers.get('access-control-allow-credentials'), 'true');
    assert.match(ui.headers.get('access-control-allow-headers') ?? '', /x-namespace/i);
    assert.equal((await preflight('https://evil.example')).headers.get('access-control-allow-origin'), null);
  });

  it('reads the web client’s session cookie from the UI’s origin only, answering with CORS headers', async () => {
    const body = { payloads: await storedInput() };
    const withCookie = (token: string, origin: string) => call('POST', '/codec/decode', { body, headers: { cookie: `gf_session=${token}`, origin } });
    const staff = await withCookie(support.token, UI_ORIGIN);
    assert.equal(staff.status, 200);
    assert.equal(staff.headers.get('access-control-allow-origin'), UI_ORIGIN);
    assert.equal(JSON.parse(Buffer.from(staff.body.payloads[0].data, 'base64').toString()).title, title);
    const refused = await withCookie(seller.token, UI_ORIGIN);
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('access-control-allow-origin'), UI_ORIGIN, 'the UI can read why');
    assert.equal((await withCookie(support.token, 'https://evil.example')).status, 401);
  });
});
