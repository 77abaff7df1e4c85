import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../config.js';
import { temporalConnectionOptions } from '../../services/temporal-connection.js';
import { makeTestCertificates, type TestCertificates } from '../support/certificates.js';
import { checkout, entryArgs } from '../support/root.js';

const ADDRESS = 'ns.acct.tmprl.cloud:7233';

/** The options a process with `env` (and TEMPORAL_ADDRESS) connects with. */
const optionsFor = (env: Record<string, string>) => temporalConnectionOptions(parseConfig({ TEMPORAL_ADDRESS: ADDRESS, ...env }), ADDRESS);

/** Asserts that `env` stops start-up with one line about `variable` that never quotes `secret`. */
function refuses(env: Record<string, string>, variable: string, why: RegExp, secret?: string): void {
  assert.throws(
    () => parseConfig(env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.message, new RegExp(`^invalid environment variable ${variable}: ${why.source}`));
      assert.ok(!err.message.includes('\n'), 'one line');
      if (secret) assert.ok(!err.message.includes(secret), `quotes the secret: ${err.message}`);
      return true;
    },
  );
}

describe('connecting to Temporal over TLS, from the environment', () => {
  let dir: string;
  let certs: TestCertificates;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gigflow-tls-'));
    certs = makeTestCertificates(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('connects in plain gRPC when nothing about TLS is set', () => {
    assert.equal(parseConfig({}).TEMPORAL_TLS, false);
    assert.deepEqual(optionsFor({}), { address: ADDRESS });
  });

  it('gives the SDK the client certificate pair, the CA and the server name, read from their files', () => {
    const options = optionsFor({
      TEMPORAL_TLS_CERT: certs.clientCert,
      TEMPORAL_TLS_KEY: certs.clientKey,
      TEMPORAL_TLS_CA: certs.ca,
      TEMPORAL_TLS_SERVER_NAME: certs.serverName,
    });
    assert.deepEqual(options, {
      address: ADDRESS,
      tls: {
        clientCertPair: { crt: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) },
        serverRootCACertificate: readFileSync(certs.ca),
        serverNameOverride: certs.serverName,
      },
    });
  });

  it('uses TLS with the system roots for an API key (Temporal Cloud) and sends the key', () => {
    assert.deepEqual(optionsFor({ TEMPORAL_API_KEY: 'cloud-key-123' }), { address: ADDRESS, tls: {}, apiKey: 'cloud-key-123' });
  });

  it('uses TLS with the system roots for TEMPORAL_TLS=true alone, and a private CA without a client certificate', () => {
    assert.deepEqual(optionsFor({ TEMPORAL_TLS: 'true' }), { address: ADDRESS, tls: {} });
    assert.deepEqual(optionsFor({ TEMPORAL_TLS_CA: certs.ca }), { address: ADDRESS, tls: { serverRootCACertificate: readFileSync(certs.ca) } });
  });

  it('refuses half a certificate pair, naming the missing half', () => {
    refuses({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CERT: certs.clientCert }, 'TEMPORAL_TLS_KEY', /required with TEMPORAL_TLS_CERT/);
    refuses({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_KEY: certs.clientKey }, 'TEMPORAL_TLS_CERT', /required with TEMPORAL_TLS_KEY/);
  });

  it('refuses a key that is not the certificate\'s', () => {
    refuses({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CERT: certs.clientCert, TEMPORAL_TLS_KEY: certs.serverKey }, 'TEMPORAL_TLS_KEY', /is not the private key of TEMPORAL_TLS_CERT/);
  });

  it('refuses a file it cannot read, naming the variable and the path', () => {
    const missing = join(dir, 'missing.crt');
    refuses({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CA: missing }, 'TEMPORAL_TLS_CA', /cannot read the file \(ENOENT\)/);
    assert.throws(() => parseConfig({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CA: missing }), (err: Error) => err.message.includes(missing));
  });

  it('refuses the wrong kind of file without quoting what is in it', () => {
    refuses({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CERT: certs.clientKey, TEMPORAL_TLS_KEY: certs.clientKey }, 'TEMPORAL_TLS_CERT', /must be a PEM certificate/);
    const junk = join(dir, 'junk.key');
    writeFileSync(junk, '-----BEGIN PRIVATE KEY-----\nsecret-material-9f2\n-----END PRIVATE KEY-----\n');
    refuses({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CERT: certs.clientCert, TEMPORAL_TLS_KEY: junk }, 'TEMPORAL_TLS_KEY', /must be an unencrypted PEM private key/, 'secret-material-9f2');
  });

  it('refuses TLS turned off while a setting needs it, without quoting the API key', () => {
    refuses({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'cloud-key-123' }, 'TEMPORAL_TLS', /is false, but TEMPORAL_API_KEY is set/, 'cloud-key-123');
    refuses({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS: 'yes' }, 'TEMPORAL_TLS', /Invalid option/);
  });

  it('refuses TLS settings without TEMPORAL_ADDRESS (the local Temporal the start scripts run is plain)', () => {
    refuses({ TEMPORAL_TLS_CA: certs.ca }, 'TEMPORAL_TLS_CA', /applies to TEMPORAL_ADDRESS, which is unset/);
    refuses({ TEMPORAL_TLS: 'true' }, 'TEMPORAL_TLS', /applies to TEMPORAL_ADDRESS, which is unset/);
  });

  it('stops the worker at start-up with one line naming the missing half of the pair', () => {
    const root = checkout;
    const out = spawnSync(process.execPath, entryArgs('worker.ts'), {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, DATABASE_URL: 'postgres://x/y', TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CERT: certs.clientCert },
      timeout: 30_000,
    });
    assert.equal(out.status, 78);
    assert.equal(out.stderr, 'gigflow: invalid environment variable TEMPORAL_TLS_KEY: required with TEMPORAL_TLS_CERT (the client certificate\'s private key)\n');
  });
});
