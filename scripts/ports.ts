import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP port on loopback for a server a script (or test) is about to start, which no other
 * process will be handed meanwhile.
 *
 * Taking a port the OS picked and closing it leaves a race: until our server binds it, the
 * kernel may give the same number to another file's `listen(0)` or to any outgoing
 * connection on the machine, and our server then fails with EADDRINUSE. So the port is left
 * in TIME_WAIT instead (a connection to it that our side closes first): for a minute the
 * kernel hands that number neither to `listen(0)` nor to an outgoing connection, while a
 * server binding it by number with SO_REUSEADDR — PostgreSQL, Temporal's Go servers and
 * Node's own, all do — gets it at once. The Temporal CLI reserves its own ports the same way.
 */
export function freePort(): Promise<number> {
  return reservePort(0);
}

/**
 * Puts `port` back in reserve the same way (0: a port the OS picks), e.g. between a server's
 * stop and its restart on the same port, where nothing else should take it.
 */
export async function reservePort(port: number): Promise<number> {
  const server = createServer();
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const reserved = (server.address() as { port: number }).port;
  try {
    const client = connect(reserved, '127.0.0.1');
    const clientClosed = new Promise<void>((resolve, reject) => {
      client.once('error', reject);
      client.once('close', () => resolve());
    });
    // The listening side closes first, so that the TIME_WAIT is on the reserved port's side;
    // the client answers with its own FIN (it does not allow half-open connections) and closes.
    (await accepted).end();
    await clientClosed;
  } finally {
    await close(server);
  }
  return reserved;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
