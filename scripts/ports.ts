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
  // Others may connect while it listens — clients of the server being restarted, retrying its
  // port — and may come first: only this function's own connection is ended in order (found by
  // waiting for the first connection, which was a worker's: the reservation never finished); any
  // other is refused at once, so that no client stays connected to a port nothing serves.
  const accepted: Socket[] = [];
  let ours: ((socket: Socket) => void) | undefined;
  server.on('connection', (socket) => (ours ? ours(socket) : accepted.push(socket)));
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
    await new Promise<void>((resolve, reject) => {
      client.once('error', reject);
      client.once('connect', () => resolve());
    });
    const mine = await new Promise<Socket>((resolve) => {
      ours = (socket) => {
        if (socket.remotePort === client.localPort) resolve(socket);
        else socket.destroy();
      };
      for (const socket of accepted.splice(0)) ours(socket);
    });
    // The listening side closes first, so that the TIME_WAIT is on the reserved port's side;
    // the client answers with its own FIN (it does not allow half-open connections) and closes.
    mine.end();
    await clientClosed;
  } finally {
    await close(server);
  }
  return reserved;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
