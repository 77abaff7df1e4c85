import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { checkout, entryArgs } from '../support/root.js';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../config.js';

describe('configuration from the environment', () => {
  it('runs on development defaults with nothing set', () => {
    const config = parseConfig({});
    assert.equal(config.PORT, 3000);
    assert.equal(config.TEMPORAL_NAMESPACE, 'default');
    assert.equal(config.TEMPORAL_TASK_QUEUE, 'gigflow');
    assert.equal(config.LOG_LEVEL, 'info');
    assert.equal(config.DATABASE_URL, undefined);
    assert.equal(config.TEMPORAL_ADDRESS, undefined);
    assert.equal(config.TRUSTED_PROXY_HOPS, 0, 'X-Forwarded-For is trusted only when configured');
    assert.equal(config.SMTP_URL, undefined, 'no SMTP server: npm start runs the mail catcher');
  });

  it('reads every variable it documents', () => {
    const config = parseConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@db:5432/gigflow',
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'prod',
      TEMPORAL_TASK_QUEUE: 'orders',
      LOG_LEVEL: 'warn',
      GIGFLOW_DATA_DIR: '/var/lib/gigflow',
      TRUSTED_PROXY_HOPS: '1',
      SMTP_URL: 'smtp://mail.internal:587',
      MAIL_FROM: 'gigflow <mail@gigflow.example>',
    });
    assert.equal(config.PORT, 8080);
    assert.equal(config.DATABASE_URL, 'postgres://u:p@db:5432/gigflow');
    assert.equal(config.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.equal(config.TEMPORAL_NAMESPACE, 'prod');
    assert.equal(config.TEMPORAL_TASK_QUEUE, 'orders');
    assert.equal(config.LOG_LEVEL, 'warn');
    assert.equal(config.GIGFLOW_DATA_DIR, '/var/lib/gigflow');
    assert.equal(config.TRUSTED_PROXY_HOPS, 1);
    assert.equal(config.SMTP_URL, 'smtp://mail.internal:587');
    assert.equal(config.MAIL_FROM, 'gigflow <mail@gigflow.example>');
  });

  it('treats an empty variable as unset', () => {
    assert.equal(parseConfig({ PORT: '', DATABASE_URL: '' }).PORT, 3000);
  });

  for (const [name, value, why] of [
    ['PORT', 'http', /PORT: .*number/],
    ['PORT', '70000', /PORT: .*65535/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL: must be a postgres/],
    ['TEMPORAL_ADDRESS', 'localhost', /TEMPORAL_ADDRESS: must be host:port/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: /],
    ['NODE_ENV', 'staging', /NODE_ENV: /],
    ['TRUSTED_PROXY_HOPS', '-1', /TRUSTED_PROXY_HOPS: /],
    ['SMTP_URL', 'mail.internal:25', /SMTP_URL: must be an smtp:\/\//],
  ] as const) {
    it(`stops with one line naming ${name} when it is ${JSON.stringify(value)}`, () => {
      assert.throws(
        () => parseConfig({ [name]: value }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.match(err.message, new RegExp(`^invalid environment variable ${why.source}`));
          assert.ok(err.message.includes(JSON.stringify(value)), err.message);
          assert.ok(!err.message.includes('\n'), 'one line');
          return true;
        },
      );
    });
  }

  it('has no production default for the servers it connects to', () => {
    assert.throws(() => parseConfig({ NODE_ENV: 'production' }), /DATABASE_URL: required when NODE_ENV=production/);
    assert.throws(
      () => parseConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/gigflow' }),
      /TEMPORAL_ADDRESS: required when NODE_ENV=production/,
    );
    // W-19: production never stores personal data in workflow histories unencrypted.
    assert.throws(
      () => parseConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/gigflow', TEMPORAL_ADDRESS: 'temporal:7233' }),
      /PAYLOAD_KEYS: required when NODE_ENV=production/,
    );
  });

  it('stops a production worker without SMTP_URL at start-up: its mail would go to the log, addresses and codes included (issue 19 §4)', () => {
    const key = Buffer.alloc(32, 3).toString('base64');
    const out = spawnSync(process.execPath, entryArgs('worker.ts'), {
      cwd: checkout,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NODE_ENV: 'production', DATABASE_URL: 'postgres://db/gigflow', TEMPORAL_ADDRESS: 'temporal:7233', PAYLOAD_KEYS: `k1:${key}` },
      timeout: 30_000,
    });
    assert.equal(out.status, 78, out.stderr);
    assert.equal(out.stderr, 'gigflow: missing environment variable SMTP_URL: this process needs it when NODE_ENV=production\n');
  });

  it('reads the payload keys as id and 32 bytes, the last listed encrypting unless PAYLOAD_KEY_ID names one', () => {
    const a = Buffer.alloc(32, 1).toString('base64');
    const b = Buffer.alloc(32, 2).toString('base64');
    const config = parseConfig({ PAYLOAD_KEYS: `k1:${a},k2:${b}`, PAYLOAD_KEY_ID: 'k1' });
    assert.deepEqual(config.PAYLOAD_KEYS?.map(({ id, key }) => [id, key.length, key[0]]), [['k1', 32, 1], ['k2', 32, 2]]);
    assert.equal(config.PAYLOAD_KEY_ID, 'k1');
    assert.throws(() => parseConfig({ PAYLOAD_KEYS: `k1:${a}`, PAYLOAD_KEY_ID: 'k9' }), /PAYLOAD_KEY_ID: names no key of PAYLOAD_KEYS/);
    assert.throws(() => parseConfig({ PAYLOAD_KEYS: `k1:${a},k1:${b}` }), /PAYLOAD_KEYS: a key id is listed twice/);
  });

  it('refuses a payload key of the wrong length without printing the keys', () => {
    const short = Buffer.alloc(16, 7).toString('base64');
    assert.throws(
      () => parseConfig({ PAYLOAD_KEYS: `k1:${short}` }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /^invalid environment variable PAYLOAD_KEYS: every key must be 32 bytes/);
        assert.ok(!err.message.includes(short), err.message);
        return true;
      },
    );
  });
});

describe('each process entry with a bad environment', () => {
  const root = checkout;
  const run = (entry: string, env: Record<string, string | undefined>) =>
    spawnSync(process.execPath, entryArgs(entry), {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...env },
      timeout: 30_000,
    });

  it('the API stops before connecting anywhere, with one line naming the variable', () => {
    const out = run('api/server.ts', { PORT: 'abc', DATABASE_URL: 'postgres://x/y', TEMPORAL_ADDRESS: 'x:1' });
    assert.equal(out.status, 78);
    assert.equal(out.stderr, 'gigflow: invalid environment variable PORT: Invalid input: expected number, received NaN (got "abc")\n');
  });

  it('the worker names the server address it cannot run without', () => {
    const out = run('worker.ts', { TEMPORAL_ADDRESS: '127.0.0.1:7233' });
    assert.equal(out.status, 78);
    assert.equal(out.stderr, 'gigflow: missing environment variable DATABASE_URL: this process needs it\n');
  });
});
