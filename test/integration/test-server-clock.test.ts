/**
 * The time-skipping server's clock and a step of the machine's clock.
 *
 * While time skipping is locked (whenever a test is not sleeping), the library's server advances
 * its time by the machine's wall clock. A step of that clock — a virtual machine resumed after a
 * pause and set to the date, an NTP correction — then moves the time of every test running by the
 * same step (the likely cause of the one failure of order-timers.test.ts's dispute case, whose
 * time stood 8 days ahead between two of its sleeps: "cannot sleep back"). The tools' server
 * (scripts/test-server/SteadyClockTestServer.java) reads the wall clock once and advances by the
 * monotonic clock.
 *
 * Both servers run here under libfaketime, which steps their wall clock by two days (a file it
 * reads again a second after a clock read) and leaves their monotonic clock alone; each server's time is read
 * from the start time of a workflow started on it before and after the step. The library's own
 * server moving by the step shows that the step reached the process.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { childEnvironment } from '../../config.js';
import { pollUntil } from '../../scripts/poll.js';
import { DAY, MINUTE } from '../../workflows/lib/time.js';
import { harness, uniqueId } from '../support/harness.js';
import { freePort } from '../support/ports.js';

describe('the time-skipping server’s clock', () => {
  const processes: ChildProcess[] = [];
  const connections: Connection[] = [];
  after(async () => {
    await Promise.all(connections.map((c) => c.close()));
    await Promise.all(
      processes.filter((p) => p.exitCode === null && p.signalCode === null).map(async (p) => {
        const exited = once(p, 'exit');
        p.kill('SIGKILL');
        await exited;
      }),
    );
  });

  /** A server started by `command` under libfaketime reading `offsetFile`; a client of it once it answers. */
  async function serverUnderFaketime(command: string[], offsetFile: string): Promise<Client> {
    const port = await freePort();
    const env = childEnvironment({
      LD_PRELOAD: harness.faketime,
      FAKETIME_TIMESTAMP_FILE: offsetFile,
      // Read again at most a second after it changes (read at every clock read, it slowed the servers' start past 20 s).
      FAKETIME_CACHE_DURATION: '1',
      // The step is the wall clock's alone, as a resumed machine's is (both spellings of the setting).
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
      DONT_FAKE_MONOTONIC: '1',
    });
    const server = spawn(command[0]!, [...command.slice(1), String(port)], { env, stdio: 'ignore' });
    processes.push(server);
    const connection = await pollUntil(() => Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 1_000 }).catch(() => undefined), {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: `${command.join(' ')} to answer on port ${port}`,
    });
    connections.push(connection);
    return new Client({ connection });
  }

  /** The server's time now: the start time of a workflow started on it (no worker runs it). */
  async function serverTime(client: Client): Promise<number> {
    const handle = await client.workflow.start('clockProbe', { taskQueue: uniqueId('nobody'), workflowId: uniqueId('clock-probe') });
    return (await handle.describe()).startTime.getTime();
  }

  it('keeps its time when the machine’s clock steps two days ahead, which the library’s own server follows', async () => {
    const offsetFile = join(harness.scratch, `${uniqueId('faketime')}.offset`);
    writeFileSync(offsetFile, '+0\n');
    const lib = join(dirname(harness.testServer), 'lib', '*');
    const [ours, stock] = await Promise.all([
      serverUnderFaketime([harness.testServer], offsetFile),
      serverUnderFaketime(['java', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', lib, 'io.temporal.testserver.TestServer'], offsetFile),
    ]);
    // Together: each server's first call is slow (a cold JVM, every clock read through libfaketime).
    const before = await Promise.all([serverTime(ours), serverTime(stock)]).then(([o, s]) => ({ ours: o, stock: s }));

    writeFileSync(offsetFile, '+2d\n');
    const stepped = performance.now();
    // The library's server follows the step once libfaketime reads the file again (within its second of cache)…
    const stockMoved = await pollUntil(async () => {
      const moved = (await serverTime(stock)) - before.stock;
      return moved >= 2 * DAY ? moved : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200, what: 'the library’s server to follow the step of its wall clock' });
    assert.ok(stockMoved < 2 * DAY + MINUTE, `the library's server moved by ${stockMoved} ms`);
    // …while ours, read over the same period and a second more, never moves with it.
    const reads: number[] = [];
    await pollUntil(async () => {
      reads.push((await serverTime(ours)) - before.ours);
      return performance.now() - stepped > 3_000 ? true : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200, what: 'three seconds of reads of our server’s time' });
    assert.ok(reads.every((moved) => moved >= 0 && moved < MINUTE), `ours moved with the machine's clock: ${reads.join(', ')} ms`);
  });
});
