/**
 * The S3 attachment store (K-69) against a real S3-protocol server — moto's, provisioned from
 * PyPI by `ensureS3Server`, checking every request's Signature V4 (`test/support/s3.ts`): bytes
 * round-trip under `attachments/<sha256>`, the same bytes are stored once, a missing object is
 * "none" while a missing bucket or a refused key is a loud error, and a file uploaded through
 * `POST /attachments` with the store configured by `ATTACHMENTS_S3_URL` downloads back the same.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { AwsClient } from 'aws4fetch';
import { parseConfig } from '../../config.js';
import { configuredAttachmentStore, contentHash, S3Error, s3AttachmentStore } from '../../services/attachment-store.js';
import { callerFor, signUp } from '../support/api.js';
import { sampleOf } from '../support/attachment-samples.js';
import { buildApp, connectTemporal, createTestDatabase, type TestDatabase } from '../support/harness.js';
import { startS3Server, type RunningS3Server } from '../support/s3.js';

describe('attachments in an S3 bucket', () => {
  let s3: RunningS3Server;
  let database: TestDatabase;
  let temporal: Client;

  before(async () => {
    [s3, database, temporal] = await Promise.all([startS3Server('gigflow-files'), createTestDatabase(import.meta.filename), connectTemporal()]);
  });
  after(async () => {
    await s3?.stop();
    await database?.drop();
    await temporal?.connection.close();
  });

  /** The object's bytes as the bucket holds them, read with the store's key but not through the store. */
  async function objectInBucket(key: string): Promise<Uint8Array | number> {
    const client = new AwsClient({ accessKeyId: s3.location.accessKeyId, secretAccessKey: s3.location.secretAccessKey, service: 's3', region: s3.location.region });
    const res = await client.fetch(`${s3.endpoint}/${s3.location.bucket}/${key}`);
    return res.ok ? new Uint8Array(await res.arrayBuffer()) : (await res.body?.cancel(), res.status);
  }

  it('stores bytes under attachments/<their SHA-256> and reads them back; the same bytes again are not uploaded again', async () => {
    const methods: string[] = [];
    const store = s3AttachmentStore(s3.location, (input, init) => {
      methods.push((input as Request).method);
      return fetch(input, init);
    });
    const bytes = new Uint8Array(randomBytes(300_000));
    const hash = contentHash(bytes);

    await store.put(hash, bytes);
    assert.deepEqual(methods, ['HEAD', 'PUT']);
    assert.deepEqual(await store.get(hash), bytes);
    assert.deepEqual(await objectInBucket(`attachments/${hash}`), bytes);

    methods.length = 0;
    await store.put(contentHash(new Uint8Array(bytes)), new Uint8Array(bytes));
    assert.deepEqual(methods, ['HEAD'], 'the second put of the same bytes only asks whether they are there');
    assert.deepEqual(await store.get(hash), bytes);
  });

  it('answers none for an object that is not there, but throws for a bucket that is not there', async () => {
    const store = s3AttachmentStore(s3.location);
    assert.equal(await store.get(contentHash(new TextEncoder().encode('never stored'))), null);

    // A wrong bucket name must not look like an empty store: every download would be a silent 404.
    const wrongBucket = s3AttachmentStore({ ...s3.location, bucket: 'no-such-bucket' });
    const hash = contentHash(new TextEncoder().encode('anything'));
    await assert.rejects(wrongBucket.get(hash), (err: S3Error) => err instanceof S3Error && err.status === 404 && err.code === 'NoSuchBucket' && /GET .* bucket no-such-bucket/.test(err.message));
    await assert.rejects(wrongBucket.put(hash, new TextEncoder().encode('anything')), (err: S3Error) => err.code === 'NoSuchBucket');
  });

  it('refuses a wrong secret or an unknown key with S3’s reason, for reads and writes alike', async () => {
    const bytes = new TextEncoder().encode('signed with the wrong secret');
    const hash = contentHash(bytes);
    const wrongSecret = s3AttachmentStore({ ...s3.location, secretAccessKey: `${s3.location.secretAccessKey}x` });
    await assert.rejects(wrongSecret.get(hash), (err: S3Error) => err.status === 403 && err.code === 'SignatureDoesNotMatch' && /answered 403 SignatureDoesNotMatch: The request signature/.test(err.message));
    // The existence check is a HEAD, whose refusal has no body: a 403 there is an error, not "absent".
    await assert.rejects(wrongSecret.put(hash, bytes), (err: S3Error) => err.status === 403 && /S3 HEAD of attachments\/[0-9a-f]{64} in bucket gigflow-files/.test(err.message));
    const unknownKey = s3AttachmentStore({ ...s3.location, accessKeyId: 'AKIAUNKNOWNKEY000000' });
    await assert.rejects(unknownKey.get(hash), (err: S3Error) => err.status === 403 && err.code === 'InvalidAccessKeyId');
    assert.equal(await objectInBucket(`attachments/${hash}`), 404, 'nothing was written');
  });

  it('takes an upload through POST /attachments into the bucket named by ATTACHMENTS_S3_URL and downloads it back byte for byte', async () => {
    // The way api/server.ts builds its store: from the parsed environment.
    const store = configuredAttachmentStore(parseConfig({ ATTACHMENTS_S3_URL: s3.url }));
    const app = buildApp({ db: database.db, temporal, attachmentStore: store });
    const call = callerFor(app);
    const owner = await signUp(call, 's3_owner');
    const bytes = sampleOf('png', 50_000);

    const form = new FormData();
    form.append('file', new File([bytes as Uint8Array<ArrayBuffer>], 'scan.png', { type: 'image/png' }));
    const uploaded = await call('POST', '/attachments', { token: owner.token, body: form });
    assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
    assert.deepEqual(await objectInBucket(`attachments/${contentHash(bytes)}`), bytes, 'the bytes are in the bucket under their hash');

    const downloaded = await call('GET', `/attachments/${uploaded.body.id}`, { token: owner.token });
    assert.equal(downloaded.status, 200);
    assert.equal(downloaded.headers.get('content-type'), 'image/png');
    assert.deepEqual(downloaded.body, bytes);
  });
});
