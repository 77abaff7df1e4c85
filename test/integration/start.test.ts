import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { pollUntil } from '../../scripts/poll.js';
import { searchAttributeKeys } from '../../workflows/lib/search-attributes.js';
import { createTestDatabase, harness, jsonOf, uniqueId } from '../support/harness.js';
import { freePort } from '../support/ports.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Every process below `pid`, read from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent pid is the 4th field, after the command name in parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const child of children.get(p) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

interface Started {
  child: ChildProcess;
  output: () => string;
  pids: number[];
  apiUrl: string;
}

/** Runs README command 1's `npm start` as a terminal would: in its own process group. */
async function npmStart(env: Record<string, string>): Promise<Started> {
  const child = spawn('npm', ['start'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', ...env },
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  running.push(child);
  await pollUntil(
    () => {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
      return output.includes('press Ctrl-C to stop');
    },
    { timeoutMs: 180_000, intervalMs: 200, what: 'npm start to print its URLs' },
  );
  return { child, output: () => output, pids: [child.pid!, ...descendants(child.pid!)], apiUrl: `http://127.0.0.1:${env.PORT}` };
}

/** Ctrl-C: SIGINT to the whole process group; then nothing of the platform may be left. */
async function ctrlC(started: Started): Promise<void> {
  process.kill(-started.child.pid!, 'SIGINT');
  await pollUntil(() => started.pids.every((pid) => !alive(pid)), {
    timeoutMs: 60_000,
    intervalMs: 200,
    what: `every platform process to exit (left: ${started.pids.filter(alive).map(commandOf).join('; ')})`,
  });
}

const running: ChildProcess[] = [];
after(() => {
  for (const child of running) if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
});

describe('README command 1: npm start', () => {
  it('brings up Temporal with its UI, PostgreSQL, a worker and the API, and Ctrl-C leaves no process behind', async () => {
    const [port, temporalPort, uiPort, pgPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const started = await npmStart({
      PORT: String(port),
      TEMPORAL_DEV_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      EMBEDDED_POSTGRES_PORT: String(pgPort),
      GIGFLOW_DATA_DIR: join(harness.scratch, uniqueId('platform')),
      TEMPORAL_TASK_QUEUE: uniqueId('start'),
    });
    const out = started.output();
    assert.match(out, new RegExp(`API +http://127\\.0\\.0\\.1:${port}`));
    assert.match(out, new RegExp(`API docs +http://127\\.0\\.0\\.1:${port}/docs`));
    assert.match(out, new RegExp(`Temporal UI +http://127\\.0\\.0\\.1:${uiPort}`));

    const health = await fetch(`${started.apiUrl}/health`);
    assert.equal(health.status, 200);
    const body = await jsonOf(health);
    assert.equal(body.checks.postgres.ok, true);
    assert.equal(body.checks.temporal.ok, true);
    assert.equal((await fetch(`${started.apiUrl}/openapi.json`)).status, 200);
    assert.equal((await fetch(`${started.apiUrl}/docs`)).status, 200);
    const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /<html/i);

    const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    await connection.close();
    for (const key of searchAttributeKeys) assert.ok(key.name in (customAttributes ?? {}), `${key.name} is registered`);

    const commands = started.pids.map(commandOf).join('\n');
    assert.match(commands, /temporal server start-dev/);
    assert.match(commands, /bin\/postgres/);
    assert.match(commands, /worker\.ts/);
    assert.match(commands, /api\/server\.ts/);

    await ctrlC(started);
    await assert.rejects(fetch(`${started.apiUrl}/health`), 'the API port is closed');
  });

  it('uses the Temporal and PostgreSQL named by TEMPORAL_ADDRESS and DATABASE_URL, starting neither', async () => {
    const database = await createTestDatabase('start-external');
    try {
      const port = await freePort();
      const started = await npmStart({
        PORT: String(port),
        TEMPORAL_ADDRESS: harness.temporalAddress,
        DATABASE_URL: database.url,
        GIGFLOW_DATA_DIR: join(harness.scratch, uniqueId('external')),
        TEMPORAL_TASK_QUEUE: uniqueId('start-ext'),
      });
      const commands = started.pids.map(commandOf).join('\n');
      assert.doesNotMatch(commands, /temporal server start-dev/);
      assert.doesNotMatch(commands, /bin\/postgres/);
      assert.match(started.output(), new RegExp(`Temporal +${harness.temporalAddress.replaceAll('.', '\\.')}`));
      assert.equal((await fetch(`${started.apiUrl}/health`)).status, 200);
      await ctrlC(started);
    } finally {
      await database.drop();
    }
  });
});
