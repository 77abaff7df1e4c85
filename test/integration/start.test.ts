import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { AFFILIATE_PAYOUT_SCHEDULE_ID } from '../../scripts/affiliate-payout-schedule.js';
import { BUYER_STATUS_SCHEDULE_ID } from '../../scripts/buyer-status-schedule.js';
import { PAYOUT_SCHEDULE_ID } from '../../scripts/payout-schedule.js';
import { pollUntil } from '../../scripts/poll.js';
import { signalGroup } from '../../scripts/supervisor.js';
import { searchAttributeKeys } from '../../workflows/lib/search-attributes.js';
import { createTestDatabase, harness, jsonOf, uniqueId } from '../support/harness.js';
import { freePort } from '../support/ports.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp.js';
import { checkout as root } from '../support/root.js';
import { commandOf, descendants, groupOf, stillRunning } from '../support/processes.js';


interface Started {
  child: ChildProcess;
  output: () => string;
  /** npm, the supervisor, the servers and their children once the platform is up. */
  pids: number[];
  /** Their process groups: the servers run in groups of their own. */
  groups: number[];
  apiUrl: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The SMTP server every `npm start` here mails through (K-70): given as SMTP_URL, so that no
 * run provisions the mail catcher (building mailpit takes minutes; only a developer's first
 * `npm start` without SMTP_URL does it).
 */
let smtp: SmtpSink | undefined;

/**
 * A namespace of the run's dev server for one `npm start` on it alone. Its worker creates the
 * production Schedules (payouts, buyer statuses, affiliate payouts: fixed ids), encrypted with
 * its own development key: in the run's shared namespace they would be there for every later
 * worker process of another file, which holds no such key and could not read them.
 */
async function namespaceOfItsOwn(): Promise<string> {
  const namespace = uniqueId('start-external');
  const connection = await Connection.connect({ address: harness.temporalAddress });
  try {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    // Served once the frontend's namespace cache has it (`npm start` lists its search attributes first).
    await pollUntil(
      () => connection.operatorService.listSearchAttributes({ namespace }).then(() => true, () => undefined),
      { timeoutMs: 30_000, intervalMs: 200, what: `namespace ${namespace} to be served` },
    );
  } finally {
    await connection.close();
  }
  return namespace;
}

/** Runs README command 1's `npm start` as a terminal would: in its own process group. */
async function npmStart(env: Record<string, string>): Promise<Started> {
  smtp ??= await startSmtpSink();
  const child = spawn('npm', ['start'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', SMTP_URL: smtp.url, ...env },
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  running.push(child);
  await pollUntil(
    () => {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
      return output.includes('press Ctrl-C to stop');
    },
    { timeoutMs: 180_000, intervalMs: 200, what: 'npm start to print its URLs' },
  );
  const pids = [child.pid!, ...descendants(child.pid!)];
  const groups = [...new Set(pids.map(groupOf).filter((g): g is number => g !== undefined))];
  return { child, output: () => output, pids, groups, apiUrl: `http://127.0.0.1:${env.PORT}`, exited };
}

/** What is left of the platform: its processes, and anything else in their process groups. */
function leftovers(started: Started): string[] {
  return stillRunning(started.pids, started.groups);
}

async function nothingLeft(started: Started, timeoutMs: number): Promise<void> {
  await pollUntil(() => leftovers(started).length === 0, {
    timeoutMs,
    intervalMs: 100,
    what: () => `every platform process to exit (left: ${leftovers(started).join('; ')})`,
  });
}

/** Ctrl-C: SIGINT to the whole process group; then the platform stops cleanly and nothing is left. */
async function ctrlC(started: Started): Promise<void> {
  process.kill(-started.child.pid!, 'SIGINT');
  const { code } = await started.exited;
  assert.equal(code, 0, started.output());
  assertNoStackTrace(started.output());
  await nothingLeft(started, 10_000);
}

function assertNoStackTrace(output: string): void {
  assert.doesNotMatch(output, /TransportError/, output);
  assert.doesNotMatch(output, /^\s+at .+:\d+:\d+\)?$/m, `no stack trace:\n${output}`);
}

/** Ports and a data folder of its own, so that the test runs twice in a row (or beside others). */
async function platformEnv(name: string): Promise<Record<string, string>> {
  const [port, temporalPort, uiPort, pgPort, webPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  return {
    PORT: String(port),
    WEB_PORT: String(webPort),
    TEMPORAL_DEV_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    EMBEDDED_POSTGRES_PORT: String(pgPort),
    GIGFLOW_DATA_DIR: join(harness.scratch, uniqueId(name)),
    TEMPORAL_TASK_QUEUE: uniqueId(name),
  };
}

/**
 * A request the API has in hand (it answered `100 Continue` to its headers) whose body has not
 * all arrived: in flight until `finish()` sends the rest.
 */
async function requestInFlight(apiUrl: string): Promise<{ finish(): void; statusLine: Promise<string>; socket: Socket }> {
  const { hostname, port } = new URL(apiUrl);
  const body = JSON.stringify({ login: 'nobody', password: 'not-the-password' });
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.on('data', (chunk) => (received += chunk));
  socket.write(
    `POST /auth/login HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`,
  );
  await pollUntil(() => received.startsWith('HTTP/1.1 100'), { what: 'the API to take the request (100 Continue)' });
  const statusLine = pollUntil(() => /HTTP\/1\.1 [2-5]\d\d[^\r]*/.exec(received)?.[0], { timeoutMs: 30_000, what: 'the response' });
  return { finish: () => socket.write(body), statusLine, socket };
}

const running: ChildProcess[] = [];
after(() => smtp?.close());
after(() => {
  // A test that failed half-way leaves its npm start running; the supervisor's guard stops the servers.
  // signalGroup passes over a group that is gone (one a test killed may not have told its exit yet).
  for (const child of running) if (child.exitCode === null && child.signalCode === null) signalGroup(child.pid!, 'SIGKILL');
});

describe('README command 1: npm start', () => {
  it('brings up Temporal with its UI, PostgreSQL, a worker and the API, and Ctrl-C leaves no process behind', async () => {
    const env = await platformEnv('platform');
    const started = await npmStart(env);
    const [port, uiPort, temporalPort] = [env.PORT, env.TEMPORAL_UI_PORT, env.TEMPORAL_DEV_PORT];
    const out = started.output();
    // The web address comes first: it is where people buy and sell.
    const urls = out.slice(out.indexOf('the platform is up'));
    assert.match(urls.split('\n')[1] ?? '', new RegExp(`web +http://127\\.0\\.0\\.1:${env.WEB_PORT}`), urls);
    assert.match(out, new RegExp(`API +http://127\\.0\\.0\\.1:${port}`));
    assert.match(out, new RegExp(`API docs +http://127\\.0\\.0\\.1:${port}/docs`));
    assert.match(out, new RegExp(`Temporal UI +http://127\\.0\\.0\\.1:${uiPort}`));
    assert.match(out, new RegExp(`mail +SMTP ${smtp!.url.replaceAll('.', '\\.')}`));

    const health = await fetch(`${started.apiUrl}/health`);
    assert.equal(health.status, 200);
    const body = await jsonOf(health);
    assert.equal(body.checks.postgres.ok, true);
    assert.equal(body.checks.temporal.ok, true);
    assert.equal((await fetch(`${started.apiUrl}/openapi.json`)).status, 200);
    assert.equal((await fetch(`${started.apiUrl}/docs`)).status, 200);
    const signIn = await fetch(`http://127.0.0.1:${env.WEB_PORT}/sign-in`);
    assert.equal(signIn.status, 200);
    assert.match(await signIn.text(), /<h1>Sign in<\/h1>/);
    const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /<html/i);
    // Issue 19 §5: payloads encrypted with a development key kept in the data folder, which the
    // UI reads through the API's codec server, called from the UI's origin.
    const settings = await jsonOf(await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`));
    assert.equal(settings.Codec?.Endpoint, `${started.apiUrl}/codec`, JSON.stringify(settings.Codec));
    assert.equal(statSync(join(env.GIGFLOW_DATA_DIR!, 'payload-keys')).mode & 0o777, 0o600);
    const preflight = await fetch(`${started.apiUrl}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: `http://127.0.0.1:${uiPort}`, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), `http://127.0.0.1:${uiPort}`);

    const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    // K-50, K-35, W-29: the worker ensures its three Schedules at start (over its own native connection).
    const schedules = await pollUntil(
      async () => {
        const { schedules: listed } = await connection.workflowService.listSchedules({ namespace: 'default', maximumPageSize: 100 });
        const ids = (listed ?? []).map((s) => s.scheduleId).sort();
        return ids.length >= 3 ? ids : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the worker to create its Schedules' },
    );
    await connection.close();
    assert.deepEqual(schedules, [AFFILIATE_PAYOUT_SCHEDULE_ID, BUYER_STATUS_SCHEDULE_ID, PAYOUT_SCHEDULE_ID].sort());
    for (const key of searchAttributeKeys) assert.ok(key.name in (customAttributes ?? {}), `${key.name} is registered`);

    // K-70: the worker mails over SMTP_URL — here a sign-up's confirmation code.
    const email = `${uniqueId('mailed').replace(/-/g, '_').slice(0, 24)}@example.com`;
    const registered = await fetch(`${started.apiUrl}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: email.split('@')[0], email, password: 'correct horse battery' }),
    });
    assert.equal(registered.status, 201, await registered.clone().text());
    const mail = await pollUntil(() => smtp!.arrived.find((m) => m.to.includes(email)), { timeoutMs: 20_000, what: 'the confirmation code at the SMTP server' });
    assert.match(mail.text, /confirmation code: \S+/);

    const commands = started.pids.map(commandOf).join('\n');
    assert.doesNotMatch(commands, /mailpit/, 'no mail catcher when SMTP_URL names a server');
    assert.match(commands, /temporal server start-dev/);
    assert.match(commands, /bin\/postgres/);
    // The platform's processes run compiled, from the tree kept for the sources as they are
    // (scripts/compiled-tree.ts), with stack traces through the source maps; none under tsx.
    const tree = String.raw`--enable-source-maps \S+/node_modules/\.cache/gigflow/compiled-trees/[0-9a-f]{24}/`;
    for (const entry of ['worker', 'api/server', 'web/server', 'providers/main']) {
      assert.match(commands, new RegExp(`^\\S*node ${tree}${entry}\\.js $`, 'm'), commands);
    }
    assert.deepEqual(commands.split('\n').filter((line) => line.includes('tsx')).map((line) => line.replace(/^\S*node /, 'node ')), ['node --import tsx scripts/start.ts '], commands);

    await ctrlC(started);
    await assert.rejects(fetch(`${started.apiUrl}/health`), 'the API port is closed');
    await assert.rejects(fetch(`http://127.0.0.1:${env.WEB_PORT}/health`), 'the web port is closed');
  });

  it('uses the Temporal and PostgreSQL named by TEMPORAL_ADDRESS and DATABASE_URL, starting neither', async () => {
    const database = await createTestDatabase('start-external');
    const namespace = await namespaceOfItsOwn();
    try {
      const port = await freePort();
      const started = await npmStart({
        PORT: String(port),
        TEMPORAL_ADDRESS: harness.temporalAddress,
        TEMPORAL_NAMESPACE: namespace,
        DATABASE_URL: database.url,
        GIGFLOW_DATA_DIR: join(harness.scratch, uniqueId('external')),
        TEMPORAL_TASK_QUEUE: uniqueId('start-ext'),
      });
      const commands = started.pids.map(commandOf).join('\n');
      assert.doesNotMatch(commands, /temporal server start-dev/);
      assert.doesNotMatch(commands, /bin\/postgres/);
      assert.match(started.output(), new RegExp(`Temporal +${harness.temporalAddress.replaceAll('.', '\\.')}, namespace ${namespace},`));
      assert.equal((await fetch(`${started.apiUrl}/health`)).status, 200);
      await ctrlC(started);
    } finally {
      await database.drop();
    }
  });
});

describe('Ctrl-C on npm start, sent as a terminal sends it (SIGINT to the whole foreground process group)', () => {
  it('stops the API (finishing a request in flight) and the worker, then Temporal, then PostgreSQL, within 15 s, exit 0', async () => {
    const started = await npmStart(await platformEnv('ctrl-c'));
    assert.equal((await fetch(`${started.apiUrl}/health`)).status, 200);
    const request = await requestInFlight(started.apiUrl);

    const sentAt = Date.now();
    process.kill(-started.child.pid!, 'SIGINT');
    // The worker stopping shows the API has been asked to stop too; its request is still open.
    await pollUntil(() => started.output().includes('[gigflow] worker stopped'), { timeoutMs: 10_000, what: 'the worker to stop' });
    assert.doesNotMatch(started.output(), /\[gigflow\] API stopped/);
    request.finish();
    assert.match(await request.statusLine, /^HTTP\/1\.1 401/, 'the request in flight is answered');

    const { code } = await started.exited;
    const took = Date.now() - sentAt;
    const out = started.output();
    assert.equal(code, 0, out);
    assert.ok(took < 15_000, `stopped in ${took} ms`);
    assertNoStackTrace(out);
    const at = (line: string) => {
      const index = out.indexOf(`[gigflow] ${line}`);
      assert.ok(index >= 0, `"${line}" in:\n${out}`);
      return index;
    };
    assert.ok(Math.max(at('API stopped'), at('worker stopped')) < at('Temporal dev server stopped'), out);
    assert.ok(at('Temporal dev server stopped') < at('PostgreSQL stopped'), out);
    assert.ok(at('PostgreSQL stopped') < at('stopped in'), out);
    await nothingLeft(started, 5_000);
  });

  it('forces everything down at a second Ctrl-C, exiting 130 at once', async () => {
    const started = await npmStart(await platformEnv('ctrl-c-twice'));
    // A request that never finishes keeps the API draining, so the shutdown is still under way.
    const request = await requestInFlight(started.apiUrl);

    process.kill(-started.child.pid!, 'SIGINT');
    await pollUntil(() => started.output().includes('press Ctrl-C again to force'), { timeoutMs: 10_000, what: 'the hint to force' });
    const sentAt = Date.now();
    process.kill(-started.child.pid!, 'SIGINT');

    const { code } = await started.exited;
    const took = Date.now() - sentAt;
    const out = started.output();
    assert.equal(code, 130, out);
    assert.ok(took < 5_000, `forced in ${took} ms`);
    // The worker has usually stopped by then; the API is still draining its request.
    assert.match(out, /\[gigflow\] forced: killing (worker, )?API, Temporal dev server, PostgreSQL\n/);
    assert.doesNotMatch(out, /\[gigflow\] API stopped/);
    assertNoStackTrace(out);
    await nothingLeft(started, 5_000);
    request.socket.destroy();
  });

  it('leaves no server behind when the supervisor itself is killed (SIGKILL)', async () => {
    const started = await npmStart(await platformEnv('killed'));
    process.kill(-started.child.pid!, 'SIGKILL');
    // The guard stops the groups stage by stage, each within its bound (7 + 4 + 3 s at most).
    await nothingLeft(started, 20_000);
  });
});
