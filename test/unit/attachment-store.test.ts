/**
 * The attachment store's local adapter (content-addressed files: stored once, read back, an
 * unknown hash is null, a name that is no hash never becomes a path), the `ATTACHMENTS_S3_URL`
 * reader, and file names cleaned for storing and for `Content-Disposition` (K-69).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { contentDisposition } from '../../api/routes/attachments.js';
import { contentHash, localAttachmentStore, parseS3Url } from '../../services/attachment-store.js';
import { sanitizeFileName } from '../../services/attachments.js';

describe('the attachment store', () => {
  it('keeps files by their SHA-256, once, and reads them back; an unknown hash is null; a non-hash is refused', async () => {
    const root = await mkdtemp(join(tmpdir(), 'gigflow-store-'));
    try {
      const store = localAttachmentStore(root);
      const bytes = new TextEncoder().encode('GIF89a and more');
      const hash = contentHash(bytes);
      await store.put(hash, bytes);
      await store.put(hash, bytes);
      assert.deepEqual(await store.get(hash), bytes);
      assert.deepEqual(await readdir(join(root, hash.slice(0, 2), hash.slice(2, 4))), [hash]);
      assert.equal(await store.get('0'.repeat(64)), null);
      await assert.rejects(store.get('../../etc/passwd'), /not a SHA-256/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('reads an s3:// URL: keys, bucket, region, and plain HTTP only when asked', () => {
    assert.deepEqual(parseS3Url('s3://AKIA:se%2Fcret@minio.local:9000/gigflow-files?region=eu-west-1&tls=false'), {
      endpoint: 'http://minio.local:9000',
      bucket: 'gigflow-files',
      region: 'eu-west-1',
      accessKeyId: 'AKIA',
      secretAccessKey: 'se/cret',
    });
    assert.equal(parseS3Url('s3://k:s@s3.amazonaws.com/files').endpoint, 'https://s3.amazonaws.com');
    assert.throws(() => parseS3Url('s3://s3.amazonaws.com/files'), /access key/);
    assert.throws(() => parseS3Url('s3://k:s@host/'), /bucket/);
  });

  it('cleans file names: no folders, controls or quotes, bounded, never empty; the header keeps the exact name', () => {
    assert.equal(sanitizeFileName('C:\\Users\\me\\..\\report.pdf'), 'report.pdf');
    assert.equal(sanitizeFileName('../../etc/\u0000pass"wd\r\n.png'), 'passwd.png');
    assert.equal(sanitizeFileName('...'), 'file');
    assert.equal(sanitizeFileName(''), 'file');
    const long = sanitizeFileName(`${'ä'.repeat(300)}.jpeg`);
    assert.equal([...long].length, 200);
    assert.ok(long.endsWith('.jpeg'));
    assert.equal(contentDisposition('résumé (1).png'), `attachment; filename="r_sum_ (1).png"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%281%29.png`);
  });
});
