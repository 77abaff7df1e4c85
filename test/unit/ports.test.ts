/** Ports for the servers tests start (test/support/ports.ts): never handed out twice in a row. */
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { describe, it } from 'node:test';
import { freePort, reservePort } from '../support/ports.js';

function listen(port: number): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(() => new Promise((done) => server.close(() => done()))));
  });
}

describe('ports for the servers tests start', () => {
  it('hands out a port to no one else for a while: 500 in a row are all different', async () => {
    // A port merely released comes back soon (Linux handed out about 20 repeats in 500 such
    // ports): a server of another file could then find its port taken.
    const ports: number[] = [];
    for (let i = 0; i < 500; i++) ports.push(await freePort());
    assert.equal(new Set(ports).size, ports.length);
  });

  it('lets a server bind the port at once, and again after a stop when the port is reserved again', async () => {
    const port = await freePort();
    const stop = await listen(port);
    await stop();
    assert.equal(await reservePort(port), port);
    await (await listen(port))();
  });

  it('reserves a port that other clients keep connecting to, as a restarted server\'s do, and closes their connections at once', { timeout: 30_000 }, async () => {
    // Eight clients retry the port without pause, as a stopped Temporal server's workers and APIs
    // do: their connections reach the reserving listener before its own (waiting for the first
    // connection hung a fault run's Temporal restart). Each waits for its connection to close.
    const port = await freePort();
    let stopping = false;
    let connected = 0;
    const client = async () => {
      while (!stopping) {
        await new Promise<void>((resolve) => {
          const socket = connect(port, '127.0.0.1');
          socket.on('connect', () => connected++);
          socket.on('error', () => {});
          socket.on('close', () => resolve());
        });
      }
    };
    const clients = Array.from({ length: 8 }, client);
    try {
      for (let i = 0; i < 50; i++) assert.equal(await reservePort(port), port);
    } finally {
      stopping = true;
    }
    // Every client's connection was closed (else its loop would wait here for ever).
    await Promise.all(clients);
    assert.ok(connected > 0, 'no client connected while the port was reserved: the case was not met');
  });
});
