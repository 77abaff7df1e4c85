/**
 * The only reader of `process.env`. Every process (start script, worker, API) builds its
 * configuration here; a bad value stops start-up with one line naming the variable.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7233');
const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL');

/**
 * A PEM file named by a path, read once at start-up and checked to be what it claims: a bad
 * path or a wrong file stops start-up naming the variable, not a TLS handshake later. The
 * value becomes the file's bytes; messages never quote them.
 */
function pemFile(kind: 'certificate' | 'private key') {
  return z.string().transform((path, ctx) => {
    let pem: Buffer;
    try {
      pem = readFileSync(path);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
      return z.NEVER;
    }
    const isPem = pem.includes(kind === 'certificate' ? '-----BEGIN CERTIFICATE-----' : 'PRIVATE KEY-----');
    if (!isPem || !parses(() => (kind === 'certificate' ? new X509Certificate(pem) : createPrivateKey(pem)))) {
      ctx.addIssue({ code: 'custom', message: kind === 'certificate' ? 'must be a PEM certificate (-----BEGIN CERTIFICATE-----)' : 'must be an unencrypted PEM private key' });
      return z.NEVER;
    }
    return pem;
  });
}

function parses(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch {
    return false;
  }
}

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** Port of the HTTP API. */
  PORT: port.default(3000),
  /** Port of the web client (the pages people use in a browser); it binds to HOST too. */
  WEB_PORT: port.default(3001),
  /**
   * The Temporal Web UI's address, for staff's links from the web client to a workflow, and the
   * one origin whose pages may call the API's codec server (`/codec/*`, CORS); `npm start` sets it.
   */
  TEMPORAL_UI_URL: z.url().optional(),
  /** Mark the web client's cookies Secure even over plain HTTP (set it behind a TLS-terminating proxy). */
  WEB_SECURE_COOKIES: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Address the HTTP API binds to. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** External PostgreSQL; when unset, `npm start` runs an embedded one. No default in production. */
  DATABASE_URL: postgresUrl.optional(),
  /** External Temporal frontend; when unset, `npm start` runs the Temporal dev server. */
  TEMPORAL_ADDRESS: hostPort.optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /**
   * TLS to TEMPORAL_ADDRESS (Temporal Cloud, an mTLS frontend). Unset: on when any other
   * TEMPORAL_TLS_* or TEMPORAL_API_KEY is set, off otherwise; `true` alone: server TLS verified
   * against the system's roots. Resolved to a boolean by parseConfig.
   */
  TEMPORAL_TLS: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  /** The client certificate (PEM file) for mTLS; needs TEMPORAL_TLS_KEY. */
  TEMPORAL_TLS_CERT: pemFile('certificate').optional(),
  /** The client certificate's private key (unencrypted PEM file); needs TEMPORAL_TLS_CERT. */
  TEMPORAL_TLS_KEY: pemFile('private key').optional(),
  /** The CA (PEM file) that signed the frontend's certificate, when it is not a public one. */
  TEMPORAL_TLS_CA: pemFile('certificate').optional(),
  /** The name the frontend's certificate must carry, when it is not TEMPORAL_ADDRESS's host. */
  TEMPORAL_TLS_SERVER_NAME: z.string().regex(/^[A-Za-z0-9.-]+$/, 'must be a host name, e.g. temporal.internal').optional(),
  /** A Temporal Cloud API key (sent as `Authorization: Bearer …`); implies TLS. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('gigflow'),
  /**
   * Ports of the Temporal that `npm start` (the dev server) or `npm run start:cluster` (the
   * cluster) starts: its frontend's gRPC and its Web UI.
   */
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  /**
   * History shards of the Temporal cluster `npm run start:cluster` creates (issue 19 §1). Read
   * when its databases are first set up: the count is fixed for their life.
   */
  TEMPORAL_SHARDS: z.coerce.number().int().min(1).max(16384).default(16),
  /** Port of the second API process `npm run start:cluster` runs (the first listens on PORT). */
  CLUSTER_SECOND_API_PORT: port.default(3010),
  /** Port of the embedded PostgreSQL started by `npm start` (5433, to stay clear of a system server). */
  EMBEDDED_POSTGRES_PORT: port.default(5433),
  /**
   * How many reverse proxies (load balancers) in front of the API append the client's address to
   * X-Forwarded-For. 0: the socket's peer is the client and the header is ignored (anyone can
   * write it). Set it only when every request reaches the API through that many proxies.
   */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /**
   * The web client's public address: where payment providers send a payer back after paying
   * (K-47), and what mails link to (K-70). `npm start` sets it from HOST and WEB_PORT.
   */
  WEB_PUBLIC_URL: z.url().optional(),
  /**
   * The card processor (Stripe PaymentIntents protocol) and PayPal (REST: Orders v2, Payouts).
   * Unset: `npm start` runs the local stand-ins of `providers/` and points these at them.
   */
  CARD_PROCESSOR_URL: z.url().optional(),
  CARD_PROCESSOR_SECRET_KEY: z.string().min(8).default('sk_test_gigflow_local'),
  /** The card processor's webhook signing secret (`Stripe-Signature`). */
  CARD_WEBHOOK_SECRET: z.string().min(8).default('whsec_gigflow_local'),
  PAYPAL_URL: z.url().optional(),
  PAYPAL_CLIENT_ID: z.string().min(1).default('gigflow-local-client'),
  PAYPAL_CLIENT_SECRET: z.string().min(8).default('gigflow-local-secret'),
  /** The id PayPal gave our webhook registration: part of what its signature signs. */
  PAYPAL_WEBHOOK_ID: z.string().min(1).default('WH-GIGFLOW-LOCAL'),
  /** Port of the local payment stand-ins `npm start` runs when no provider URL is set. */
  LOCAL_PROVIDERS_PORT: port.default(3002),
  /**
   * The SMTP server mail leaves through (K-70): `smtp://host:port` (`smtps://` for TLS, user
   * info for credentials). Unset: `npm start` runs a local mail catcher (mailpit) and points
   * this at it; a worker started alone writes mail to its log.
   */
  SMTP_URL: z.string().regex(/^smtps?:\/\/\S+$/, 'must be an smtp:// or smtps:// URL, e.g. smtp://127.0.0.1:1025').optional(),
  /** The sender of gigflow's email. */
  MAIL_FROM: z.string().min(3).default('gigflow <no-reply@gigflow.local>'),
  /**
   * Where attachments' bytes go (K-69): an S3-compatible bucket,
   * `s3://KEY:SECRET@host[:port]/bucket[?region=eu-west-1&tls=false]`. Unset: files under
   * `GIGFLOW_DATA_DIR/attachments`.
   */
  ATTACHMENTS_S3_URL: z.string().regex(/^s3:\/\/[^\s:@/]+:[^\s@/]+@[^\s/]+\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/?(\?\S*)?$/, 'must be s3://KEY:SECRET@host[:port]/bucket[?region=…&tls=false]').optional(),
  /**
   * The keys that encrypt workflow payloads (issue 19 §5, W-19; codec/payload-codec.ts):
   * `id:base64` pairs, comma-separated, each key 32 random bytes (`openssl rand -base64 32`).
   * Every listed key decrypts; rotate by adding a key and naming it in PAYLOAD_KEY_ID. Required
   * in production. Unset: `npm start` makes a development key once under GIGFLOW_DATA_DIR;
   * a process started alone (and the tests) then stores payloads unencrypted.
   */
  PAYLOAD_KEYS: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}:[A-Za-z0-9+/]+={0,2}(,[A-Za-z0-9._-]{1,64}:[A-Za-z0-9+/]+={0,2})*$/, 'must be id:base64key pairs, comma-separated')
    .transform((list) => list.split(',').map((pair) => ({ id: pair.slice(0, pair.indexOf(':')), key: new Uint8Array(Buffer.from(pair.slice(pair.indexOf(':') + 1), 'base64')) })))
    .refine((keys) => keys.every(({ key }) => key.length === 32), 'every key must be 32 bytes (AES-256), base64-encoded')
    .refine((keys) => new Set(keys.map(({ id }) => id)).size === keys.length, 'a key id is listed twice')
    .optional(),
  /** The id of the key that encrypts new payloads; default: the last of PAYLOAD_KEYS. */
  PAYLOAD_KEY_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a key id of PAYLOAD_KEYS').optional(),
  /**
   * The bearer token that `/metrics` (the API's, the worker's) answers to (issue 19 §4). Unset:
   * open outside production, and in production the API answers `/metrics` with 404.
   */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /**
   * Port of the worker's own HTTP listener serving `/metrics` (Node's metrics merged with the
   * Temporal SDK's). 0: an ephemeral port (tests; its URL is logged). Unset: no listener (a
   * worker started alone); `npm start` sets it (9464 unless given).
   */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /**
   * Where traces go, by OTLP over HTTP (`<url>/v1/traces`, e.g. http://127.0.0.1:4318). Unset:
   * no tracing at all (a no-op tracer, no Temporal interceptors).
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where `npm start` keeps the embedded servers' state (git-ignored). */
  GIGFLOW_DATA_DIR: z.string().min(1).default('.data'),
});

/** `TEMPORAL_TLS` resolved: whether the connection to TEMPORAL_ADDRESS uses TLS. */
export type Config = Omit<z.infer<typeof envSchema>, 'TEMPORAL_TLS'> & { TEMPORAL_TLS: boolean };

/** Variables whose values never appear in an error message. */
const SECRET = new Set(['PAYLOAD_KEYS', 'METRICS_TOKEN', 'TEMPORAL_API_KEY']);

/** The settings that make the connection to TEMPORAL_ADDRESS a TLS one. */
const TEMPORAL_TLS_SETTINGS = ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_API_KEY'] as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses an environment; throws a ConfigError whose message is one line naming the variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // An empty variable means "not set", as shells and .env files commonly write it.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    const got = SECRET.has(name) ? undefined : present[name];
    throw new ConfigError(
      `invalid environment variable ${name}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`,
    );
  }
  const config = { ...parsed.data, GIGFLOW_DATA_DIR: resolve(parsed.data.GIGFLOW_DATA_DIR), TEMPORAL_TLS: temporalTls(parsed.data) };
  if (config.NODE_ENV === 'production') {
    // Production never falls back to embedded servers or development defaults.
    // W-19: nor does it store personal data in workflow histories unencrypted.
    for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'PAYLOAD_KEYS'] as const) {
      if (!config[name]) throw new ConfigError(`invalid environment variable ${name}: required when NODE_ENV=production`);
    }
  }
  if (config.PAYLOAD_KEY_ID && !config.PAYLOAD_KEYS?.some(({ id }) => id === config.PAYLOAD_KEY_ID)) {
    throw new ConfigError(`invalid environment variable PAYLOAD_KEY_ID: names no key of PAYLOAD_KEYS (got ${JSON.stringify(config.PAYLOAD_KEY_ID)})`);
  }
  return config;
}

/**
 * Whether the connection to TEMPORAL_ADDRESS uses TLS, with the settings that contradict each
 * other refused: half a certificate pair, a certificate that is not the key's, TLS turned off
 * while a setting needs it, or TLS settings without TEMPORAL_ADDRESS (the local Temporal the
 * start scripts run has no TLS, and their children would inherit the settings).
 */
function temporalTls(config: z.infer<typeof envSchema>): boolean {
  const { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key } = config;
  if (cert && !key) throw new ConfigError('invalid environment variable TEMPORAL_TLS_KEY: required with TEMPORAL_TLS_CERT (the client certificate\'s private key)');
  if (key && !cert) throw new ConfigError('invalid environment variable TEMPORAL_TLS_CERT: required with TEMPORAL_TLS_KEY (the private key\'s client certificate)');
  if (cert && key && !new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) {
    throw new ConfigError('invalid environment variable TEMPORAL_TLS_KEY: is not the private key of TEMPORAL_TLS_CERT\'s certificate');
  }
  const setting = TEMPORAL_TLS_SETTINGS.find((name) => config[name] !== undefined);
  if (setting && config.TEMPORAL_TLS === false) {
    throw new ConfigError(`invalid environment variable TEMPORAL_TLS: is false, but ${setting} is set, which needs TLS`);
  }
  const tls = config.TEMPORAL_TLS ?? setting !== undefined;
  if (tls && !config.TEMPORAL_ADDRESS) {
    throw new ConfigError(`invalid environment variable ${setting ?? 'TEMPORAL_TLS'}: applies to TEMPORAL_ADDRESS, which is unset (the local Temporal has no TLS)`);
  }
  return tls;
}

/**
 * The process's configuration, or exit with one clear line. `require` names variables this
 * process cannot run without (the worker and the API alone need both servers' addresses);
 * `inProduction`, those it cannot run without in production (the worker's SMTP server).
 */
export function loadConfig<K extends 'DATABASE_URL' | 'TEMPORAL_ADDRESS'>(
  require: readonly K[] = [],
  inProduction: readonly 'SMTP_URL'[] = [],
): Config & { [P in K]-?: string } {
  try {
    const config = parseConfig(process.env);
    for (const name of require) {
      if (!config[name]) throw new ConfigError(`missing environment variable ${name}: this process needs it`);
    }
    for (const name of inProduction) {
      if (config.NODE_ENV === 'production' && !config[name]) throw new ConfigError(`missing environment variable ${name}: this process needs it when NODE_ENV=production`);
    }
    return config as Config & { [P in K]-?: string };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`gigflow: ${err.message}\n`);
    process.exit(78); // EX_CONFIG
  }
}

/**
 * The environment a child process (PostgreSQL, an installer) starts with: ours, with `extra`
 * over it. Read here, as every variable is.
 */
export function childEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}

/** The web client's public address, which mails link to (`WEB_PUBLIC_URL`, else where `npm run web` listens). */
export function webPublicUrl(config: Pick<Config, 'WEB_PUBLIC_URL' | 'HOST' | 'WEB_PORT'>): string {
  return config.WEB_PUBLIC_URL ?? `http://${config.HOST}:${config.WEB_PORT}`;
}
