/**
 * A real S3-protocol server for a test file: moto's (provisioned by `ensureS3Server`), on a
 * port of its own, with signatures CHECKED — moto accepts any signature unless its IAM
 * authentication is on, and a store whose signing is wrong must fail here as it would at AWS.
 * So the server starts open, a few unsigned-as-anyone IAM calls make a user with an access key
 * and an `s3:*` policy, then `/moto-api/reset-auth 0` turns authentication on for every later
 * request, and the bucket is created with the new key.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { AwsClient } from 'aws4fetch';
import { pollUntil } from '../../scripts/poll.js';
import { ensureS3Server } from '../../scripts/tools.js';
import type { S3Location } from '../../services/attachment-store.js';
import { freePort } from './ports.js';

export interface RunningS3Server {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** The bucket, and the key that may use it. */
  location: S3Location;
  /** The same, as `ATTACHMENTS_S3_URL` names it. */
  url: string;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';

/** Starts moto's S3 server with one bucket, `bucket`, and one IAM user allowed `s3:*`. */
export async function startS3Server(bucket: string): Promise<RunningS3Server> {
  const exe = ensureS3Server();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(exe, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let said = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (said = (said + chunk).slice(-4000)));
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await pollUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`moto's S3 server exited (${child.exitCode}): ${said}`);
        // Any answer means it listens.
        return fetch(`${endpoint}/`).then(async (res) => (await res.body?.cancel(), true), () => false);
      },
      { timeoutMs: 15_000, intervalMs: 50, what: `moto's S3 server on ${endpoint}` },
    );

    // Authentication is still off: these calls are signed only so that moto routes them to IAM.
    const bootstrap = new AwsClient({ accessKeyId: 'bootstrap', secretAccessKey: 'bootstrap', service: 'iam', region: REGION });
    const iam = async (params: Record<string, string>) => {
      const res = await bootstrap.fetch(`${endpoint}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ Version: '2010-05-08', ...params }).toString(),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`IAM ${params.Action} answered ${res.status}: ${text.slice(0, 300)}`);
      return text;
    };
    await iam({ Action: 'CreateUser', UserName: 'gigflow' });
    const key = await iam({ Action: 'CreateAccessKey', UserName: 'gigflow' });
    const accessKeyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(key)![1]!;
    const secretAccessKey = /<SecretAccessKey>([^<]+)<\/SecretAccessKey>/.exec(key)![1]!;
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
    await iam({ Action: 'PutUserPolicy', UserName: 'gigflow', PolicyName: 'attachments', PolicyDocument: JSON.stringify(policy) });
    const auth = await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
    if (!auth.ok) throw new Error(`moto refused to turn authentication on: ${auth.status} ${await auth.text()}`);

    const s3 = new AwsClient({ accessKeyId, secretAccessKey, service: 's3', region: REGION });
    const created = await s3.fetch(`${endpoint}/${bucket}`, { method: 'PUT' });
    if (!created.ok) throw new Error(`creating bucket ${bucket} answered ${created.status}: ${await created.text()}`);

    const url = `s3://${encodeURIComponent(accessKeyId)}:${encodeURIComponent(secretAccessKey)}@127.0.0.1:${port}/${bucket}?region=${REGION}&tls=false`;
    return { endpoint, location: { endpoint, bucket, region: REGION, accessKeyId, secretAccessKey }, url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
