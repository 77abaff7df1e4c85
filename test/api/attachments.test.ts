/**
 * Attachments through the real API (K-69): every one of the twenty formats is accepted by its
 * content, an executable named `.png` is not (415, with the allowed list), 4 MB passes and one
 * byte more is refused (413), an empty file and a full quota are refused (422), a message
 * carries files its parties (and no one else) download with `Content-Disposition: attachment`
 * and `nosniff`. The portfolio (K-37): the seller adds a completed order's result unless the
 * buyer refused consent, it shows on the profile and the offer page, and a later refusal hides
 * it; offer images (K-41) are JPEG, PNG or GIF and public while the offer is visible.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { ALLOWED_FORMAT_NAMES } from '../../services/attachments.js';
import { createAccounts } from '../../services/accounts.js';
import { systemClock } from '../../services/clock.js';
import { attachmentRules } from '../../services/policy.js';
import { callerFor, signUp, type Caller, type TestUser } from '../support/api.js';
import { executables, sampleOf } from '../support/attachment-samples.js';
import { insertOffer } from '../support/catalog.js';
import { insertOrder } from '../support/closed-orders.js';
import { buildApp, connectTemporal, createTestDatabase, type TestDatabase } from '../support/harness.js';

const MB4 = 4 * 1024 * 1024;

describe('attachments', () => {
  let database: TestDatabase;
  let temporal: Client;
  let app: ReturnType<typeof buildApp>;
  let call: Caller;
  let uploader: TestUser;

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    app = buildApp({ db: database.db, temporal });
    call = callerFor(app);
    uploader = await signUp(call, 'at_uploader');
  });
  after(async () => {
    await database?.drop();
    await temporal?.connection.close();
  });

  /** Uploads `bytes` as `name` in a multipart body, as a browser or curl would. */
  async function upload(user: TestUser, name: string, bytes: Uint8Array, type = 'application/octet-stream') {
    const form = new FormData();
    form.append('file', new File([bytes as Uint8Array<ArrayBuffer>], name, { type }));
    const res = await app.request('/attachments', { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: form });
    return { status: res.status, body: (await res.json()) as { id: string; name: string; contentType: string; size: number; error?: { code: string; details?: Record<string, unknown> } } };
  }
  const download = (id: string, user?: TestUser) => app.request(`/attachments/${id}`, { headers: user ? { authorization: `Bearer ${user.token}` } : {} });
  const count = async () => Number((await database.db.sql`select count(*) from attachments`)[0]!.count);

  it('accepts each of K-69’s twenty formats by its content, storing the type it detected and a cleaned name', async () => {
    for (const format of ALLOWED_FORMAT_NAMES) {
      // The client's name and type say nothing: the bytes decide.
      const res = await upload(uploader, `../../etc/sample\u0007.${format}.bin`, sampleOf(format), 'text/plain');
      assert.equal(res.status, 201, `${format}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.id, /^[A-Za-z0-9_-]{22}$/);
      assert.equal(res.body.name, `sample.${format}.bin`);
      assert.notEqual(res.body.contentType, 'text/plain');
      assert.equal(res.body.size, sampleOf(format).length);
    }
    const types = await database.db.sql<{ content_type: string }[]>`select distinct content_type from attachments order by 1`;
    assert.deepEqual(
      types.map((t) => t.content_type),
      ['application/ogg', 'application/vnd.rar', 'application/vnd.rn-realmedia', 'application/zip', 'audio/mpeg', 'audio/wav', 'audio/x-ms-wma', 'image/bmp', 'image/gif', 'image/jpeg', 'image/png', 'image/tiff', 'video/3gpp', 'video/mp4', 'video/mpeg', 'video/quicktime', 'video/vnd.avi', 'video/x-flv'],
    );
  });

  it('refuses an executable named .png (415, with the allowed formats), an empty file (422), and bodies that are not one multipart file (415, 400)', async () => {
    const before = await count();
    for (const bytes of [executables.elf, executables.exe, new TextEncoder().encode('<html><script>alert(1)</script></html>')]) {
      const res = await upload(uploader, 'holiday.png', bytes, 'image/png');
      assert.equal(res.status, 415, JSON.stringify(res.body));
      assert.equal(res.body.error!.code, 'unsupported_media_type');
      assert.deepEqual(res.body.error!.details!.allowed, ALLOWED_FORMAT_NAMES);
    }
    const empty = await upload(uploader, 'empty.png', new Uint8Array(0));
    assert.equal(empty.status, 422);
    assert.deepEqual(empty.body.error!.details!.fields, [{ path: 'body.file', message: 'the file is empty', code: 'custom' }], 'details.fields is a list, as on every refusal');
    const auth = { authorization: `Bearer ${uploader.token}` };
    const json = await app.request('/attachments', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"file":"x"}' });
    assert.equal(json.status, 415);
    const badBoundary = await app.request('/attachments', { method: 'POST', headers: { ...auth, 'content-type': 'multipart/form-data; boundary=nope' }, body: '--other\r\n\r\nx\r\n--other--' });
    assert.equal(badBoundary.status, 400);
    const noFile = new FormData();
    noFile.append('file', 'just text');
    assert.equal((await app.request('/attachments', { method: 'POST', headers: auth, body: noFile })).status, 400);
    assert.equal((await app.request('/attachments', { method: 'POST', body: new FormData() })).status, 401);
    assert.equal(await count(), before, 'nothing refused was stored');
  });

  it('takes a file of exactly 4 MB and refuses one byte more (413), and a body declared larger before reading it', async () => {
    assert.equal(attachmentRules.maxBytes, MB4);
    const exact = await upload(uploader, 'clip.mp4', sampleOf('mp4', MB4));
    assert.equal(exact.status, 201, JSON.stringify(exact.body));
    assert.equal(exact.body.size, MB4);
    const over = await upload(uploader, 'clip.mp4', sampleOf('mp4', MB4 + 1));
    assert.equal(over.status, 413, JSON.stringify(over.body));
    assert.equal(over.body.error!.code, 'payload_too_large');
    // A declared length past the file and its framing is refused by its header: the body is never read.
    const declared = await app.request('/attachments', {
      method: 'POST',
      headers: { authorization: `Bearer ${uploader.token}`, 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(MB4 + 1024 * 1024) },
      body: '--x--',
    });
    assert.equal(declared.status, 413);
  });

  it('refuses an upload past the storage quota (422 quota_exceeded, with what is used and the limit)', async () => {
    const hoarder = await signUp(call, 'at_hoarder');
    const nearlyFull = attachmentRules.quotaBytes - 100;
    // The quota counts sizes: rows standing for files already stored.
    for (let i = 0; nearlyFull - i * MB4 > 0; i++) {
      const size = Math.min(MB4, nearlyFull - i * MB4);
      await database.db.sql`insert into attachments (id, owner_id, name, content_type, size, sha256, created_at)
        values (${`hoard${String(i).padStart(17, '0')}`}, ${hoarder.id}, 'old.zip', 'application/zip', ${size}, ${'0'.repeat(64)}, now())`;
    }
    assert.equal((await upload(hoarder, 'small.gif', sampleOf('gif', 100))).status, 201, 'exactly at the quota is allowed');
    const res = await upload(hoarder, 'one-more.gif', sampleOf('gif'));
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error!.code, 'quota_exceeded');
    assert.deepEqual(res.body.error!.details, { usedBytes: attachmentRules.quotaBytes, limitBytes: attachmentRules.quotaBytes, fileBytes: sampleOf('gif').length });
  });

  it('lets the parties of a message download its files (attachment, nosniff, the stored type) and answers anyone else 404', async () => {
    const seller = await signUp(call, 'at_seller');
    const buyer = await signUp(call, 'at_buyer');
    const stranger = await signUp(call, 'at_stranger');
    const arbiter = await signUp(call, 'at_arbiter');
    await createAccounts({ db: database.db, clock: systemClock }).grantRole(arbiter.id, 'arbiter');
    const orderId = await insertOrder(database.db, { buyer, offerId: await insertOffer(database.db, seller.id), ending: 'in_progress' });
    const conversation = (await call('GET', `/orders/${orderId}/conversation`, { token: buyer.token })).body as { id: number };
    const png = sampleOf('png');
    const file = (await upload(buyer, 'brief «draft».png', png)).body;

    // Only one's own uploads go on a message; with a file, the text may be empty.
    const theirs = await call('POST', `/conversations/${conversation.id}/messages`, { token: seller.token, body: { attachmentIds: [file.id] } });
    assert.equal(theirs.status, 404, JSON.stringify(theirs.body));
    // Blank text and no file: the rule refuses it (422); the schema takes an empty text, since a file may go alone.
    assert.equal((await call('POST', `/conversations/${conversation.id}/messages`, { token: buyer.token, body: { text: ' ' } })).status, 422);
    const twice = await call('POST', `/conversations/${conversation.id}/messages`, { token: buyer.token, body: { attachmentIds: [file.id, file.id] } });
    assert.equal(twice.status, 400);
    assert.deepEqual(twice.body.error.details.fields, [{ path: 'body.attachmentIds', message: 'each attachment at most once', code: 'custom' }]);
    const sent = await call('POST', `/conversations/${conversation.id}/messages`, { token: buyer.token, body: { attachmentIds: [file.id] } });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    assert.deepEqual(sent.body.message.attachments, [{ id: file.id, name: 'brief «draft».png', contentType: 'image/png', size: png.length }]);
    const page = await call('GET', `/conversations/${conversation.id}/messages`, { token: seller.token });
    assert.deepEqual(page.body.items[0].attachments, sent.body.message.attachments);

    for (const user of [buyer, seller]) {
      const res = await download(file.id, user);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/png');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('content-length'), String(png.length));
      assert.equal(res.headers.get('content-disposition'), `attachment; filename="brief _draft_.png"; filename*=UTF-8''brief%20%C2%ABdraft%C2%BB.png`);
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), png);
    }
    for (const res of [await download(file.id, stranger), await download(file.id), await download(file.id, arbiter), await download('AAAAAAAAAAAAAAAAAAAAAA', buyer)]) {
      assert.equal(res.status, 404);
    }
    // Arbiters read the order's conversation, and so its files, while the order is disputed.
    await database.db.sql`update orders set status = 'arbitration' where id = ${orderId}`;
    assert.equal((await download(file.id, arbiter)).status, 200);
  });

  it('lets the seller add a completed order’s result to the portfolio, shown on the profile and the offer page, until the buyer refuses consent', async () => {
    const seller = await signUp(call, 'pf_seller');
    const buyer = await signUp(call, 'pf_buyer');
    const offerId = await insertOffer(database.db, seller.id, { categoryId: 11 });
    const running = await insertOrder(database.db, { buyer, offerId, ending: 'in_progress' });
    const done = await insertOrder(database.db, { buyer, offerId, ending: 'accepted' });
    const logo = (await upload(seller, 'logo.png', sampleOf('png'))).body;
    const sources = (await upload(seller, 'logo.zip', sampleOf('zip'))).body;
    const add = (orderId: number, body: unknown, user = seller) => call('POST', `/orders/${orderId}/portfolio`, { token: user.token, body });

    assert.equal((await add(running, { attachmentIds: [logo.id] })).status, 409, 'not before the buyer confirms completion');
    assert.equal((await add(done, { attachmentIds: [logo.id] }, buyer)).status, 404);
    assert.equal((await add(done, { attachmentIds: [sources.id] })).status, 422, 'an archive is no portfolio piece');
    assert.deepEqual((await call('GET', `/orders/${done}/portfolio`, { token: seller.token })).body, { category: true, refused: false, canAdd: true, canRefuse: false, item: null });
    const added = await add(done, { title: 'A logo for a bakery', attachmentIds: [logo.id] });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal((await add(done, { attachmentIds: [logo.id] })).status, 409, 'one item per order');

    const profile = await call('GET', `/users/${seller.login}`);
    assert.deepEqual(profile.body.portfolio.map((i: { title: string }) => i.title), ['A logo for a bakery']);
    const page = await call('GET', `/offers/${offerId}`);
    assert.deepEqual(page.body.portfolio[0].attachments, [{ id: logo.id, name: 'logo.png', contentType: 'image/png', size: logo.size }]);
    assert.equal((await download(logo.id)).status, 200, 'a shown portfolio piece is public');

    // The buyer refuses after the upload: the item is hidden everywhere, and its file is no longer public.
    const refused = await call('POST', `/orders/${done}/portfolio-consent`, { token: buyer.token, body: { consent: false } });
    assert.equal(refused.status, 200, JSON.stringify(refused.body));
    assert.deepEqual(refused.body, { category: true, refused: true, canAdd: false, canRefuse: false, item: null });
    assert.deepEqual((await call('GET', `/users/${seller.login}`)).body.portfolio, []);
    assert.deepEqual((await call('GET', `/offers/${offerId}`)).body.portfolio, []);
    assert.equal((await download(logo.id)).status, 404);
    assert.equal((await call('POST', `/orders/${done}/portfolio-consent`, { token: seller.token, body: { consent: false } })).status, 404, 'only the buyer refuses');

    // Refused before any upload: the upload is refused.
    const second = await insertOrder(database.db, { buyer, offerId, ending: 'accepted' });
    await call('POST', `/orders/${second}/portfolio-consent`, { token: buyer.token, body: { consent: false } });
    assert.equal((await add(second, { attachmentIds: [logo.id] })).status, 409);
    // Outside Design and Audio and video there is no portfolio.
    const code = await insertOrder(database.db, { buyer, offerId: await insertOffer(database.db, seller.id, { categoryId: 22 }), ending: 'accepted' });
    assert.equal((await add(code, { attachmentIds: [logo.id] })).status, 422);
  });

  it('shows an offer’s JPEG, PNG or GIF images on its page, public while the offer is visible', async () => {
    const seller = await signUp(call, 'im_seller');
    const offerId = await insertOffer(database.db, seller.id);
    const gif = (await upload(seller, 'cover.gif', sampleOf('gif'))).body;
    const tif = (await upload(seller, 'scan.tif', sampleOf('tif'))).body;
    const set = (imageIds: string[], user = seller) => call('PUT', `/offers/${offerId}/images`, { token: user.token, body: { imageIds } });
    assert.equal((await set([tif.id])).status, 422);
    assert.equal((await set([gif.id], uploader)).status, 404);
    assert.equal((await set([gif.id])).status, 200);
    assert.deepEqual((await call('GET', `/offers/${offerId}`)).body.images.map((i: { id: string }) => i.id), [gif.id]);
    assert.equal((await download(gif.id)).status, 200);
    await database.db.sql`update offers set status = 'paused' where id = ${offerId}`;
    assert.equal((await download(gif.id)).status, 404);
    assert.equal((await download(gif.id, seller)).status, 200);
  });
});
