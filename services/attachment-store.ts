/**
 * Where attachments' bytes live (K-69), behind one small interface: content-addressed by the
 * SHA-256 of the bytes, so the same file uploaded twice is stored once and a stored file never
 * changes. Two adapters: local files under the data folder (the default, `npm start` and tests)
 * and an S3-compatible bucket for production, configured by `ATTACHMENTS_S3_URL`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AwsClient } from 'aws4fetch';

/** A store of immutable blobs named by the SHA-256 (hex) of their bytes. */
export interface AttachmentStore {
  /** Stores `bytes` under `hash` (their SHA-256); storing the same again is a no-op. */
  put(hash: string, bytes: Uint8Array): Promise<void>;
  /** The bytes stored under `hash`; null when there are none. */
  get(hash: string): Promise<Uint8Array | null>;
}

/** SHA-256 of `bytes`, hex: the key a store files them under. */
export const contentHash = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const HASH = /^[0-9a-f]{64}$/;
function checkedHash(hash: string): string {
  // The hash becomes a path or an object key: nothing but 64 hex digits gets that far.
  if (!HASH.test(hash)) throw new Error(`not a SHA-256 hex digest: ${JSON.stringify(hash.slice(0, 80))}`);
  return hash;
}

/**
 * Files under `root`, two levels of fan-out (`ab/cd/abcd…`). A file is written under a
 * temporary name and renamed into place, so a reader never sees half of one.
 */
export function localAttachmentStore(root: string): AttachmentStore {
  const pathOf = (hash: string) => join(root, hash.slice(0, 2), hash.slice(2, 4), checkedHash(hash));
  return {
    async put(hash, bytes) {
      const path = pathOf(hash);
      if (await stat(path).then(() => true, () => false)) return;
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${randomUUID()}.part`;
      await writeFile(temporary, bytes);
      await rename(temporary, path);
    },
    async get(hash) {
      try {
        return new Uint8Array(await readFile(pathOf(hash)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
  };
}

/**
 * The store processes use when none is configured (tests, benchmarks): one folder under the
 * system's temporary directory. Sharing it is harmless: a blob's name is its content.
 */
export const temporaryAttachmentStore = () => localAttachmentStore(join(tmpdir(), 'gigflow-attachments'));

/** What `ATTACHMENTS_S3_URL` names: `s3://KEY:SECRET@HOST[:PORT]/BUCKET[?region=…&tls=false]`. */
export interface S3Location {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** Reads an `s3://` URL; throws with the part that is wrong. `tls=false` speaks plain HTTP (a local S3 server). */
export function parseS3Url(text: string): S3Location {
  const url = new URL(text);
  if (url.protocol !== 's3:') throw new Error('must start with s3://');
  const bucket = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''));
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error('must name a bucket as its path, e.g. s3://KEY:SECRET@host/bucket');
  if (!url.username || !url.password) throw new Error('must carry the access key and secret as user info, e.g. s3://KEY:SECRET@host/bucket');
  const scheme = url.searchParams.get('tls') === 'false' ? 'http' : 'https';
  return {
    endpoint: `${scheme}://${url.host}`,
    bucket,
    region: url.searchParams.get('region') ?? 'us-east-1',
    accessKeyId: decodeURIComponent(url.username),
    secretAccessKey: decodeURIComponent(url.password),
  };
}

/**
 * An S3-compatible bucket (AWS S3, MinIO, Ceph…), addressed path-style and signed with AWS
 * Signature V4 by `aws4fetch`. Objects are `attachments/<sha256>`.
 *
 * Only a missing OBJECT is "none": any other answer — a refused signature or key (403), a
 * bucket that does not exist (404 `NoSuchBucket`), a server error — throws an `S3Error` naming
 * the operation, the bucket and S3's own error code, so a misconfigured store fails loudly
 * instead of looking empty.
 */
export function s3AttachmentStore(location: S3Location, fetchImpl: typeof fetch = fetch): AttachmentStore {
  const client = new AwsClient({ accessKeyId: location.accessKeyId, secretAccessKey: location.secretAccessKey, service: 's3', region: location.region });
  const keyOf = (hash: string) => `attachments/${checkedHash(hash)}`;
  const send = async (method: 'HEAD' | 'GET' | 'PUT', hash: string, init: RequestInit = {}) =>
    fetchImpl(await client.sign(`${location.endpoint}/${encodeURIComponent(location.bucket)}/${keyOf(hash)}`, { ...init, method }));
  const failure = async (method: string, hash: string, res: Response) => {
    // S3 explains a refusal in an XML body (`<Code>…</Code><Message>…</Message>`); HEAD has none.
    const body = method === 'HEAD' ? '' : await res.text();
    const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
    const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
    return new S3Error(
      `S3 ${method} of ${keyOf(hash)} in bucket ${location.bucket} at ${location.endpoint} answered ${res.status}` +
        (code ? ` ${code}${message ? `: ${message}` : ''}` : body ? `: ${body.slice(0, 300)}` : ''),
      res.status,
      code,
    );
  };
  /** A 404 that means "no such object". HEAD answers carry no error code: any 404 is taken as one, and PUT then tells. */
  const missingObject = async (method: string, hash: string, res: Response) => {
    if (res.status !== 404) return false;
    if (method === 'HEAD') return true;
    const error = await failure(method, hash, res);
    if (error.code === 'NoSuchKey') return true;
    throw error;
  };
  return {
    async put(hash, bytes) {
      const head = await send('HEAD', hash);
      if (head.ok) return;
      if (!(await missingObject('HEAD', hash, head))) throw await failure('HEAD', hash, head);
      const res = await send('PUT', hash, { body: bytes, headers: { 'content-type': 'application/octet-stream' } });
      if (!res.ok) throw await failure('PUT', hash, res);
      await res.body?.cancel();
    },
    async get(hash) {
      const res = await send('GET', hash);
      if (res.ok) return new Uint8Array(await res.arrayBuffer());
      if (await missingObject('GET', hash, res)) return null;
      throw await failure('GET', hash, res);
    },
  };
}

/** An S3 request the server refused or failed: its HTTP status and S3's error code (`SignatureDoesNotMatch`, `NoSuchBucket`…). */
export class S3Error extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

/** The store a process's configuration names: the bucket of `ATTACHMENTS_S3_URL`, else files under the data folder. */
export function configuredAttachmentStore(config: { ATTACHMENTS_S3_URL?: string | undefined; GIGFLOW_DATA_DIR: string }): AttachmentStore {
  return config.ATTACHMENTS_S3_URL ? s3AttachmentStore(parseS3Url(config.ATTACHMENTS_S3_URL)) : localAttachmentStore(join(config.GIGFLOW_DATA_DIR, 'attachments'));
}
