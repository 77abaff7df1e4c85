/** Ports for the servers tests start (test/support/ports.ts): never handed out twice in a row. */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
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
});
