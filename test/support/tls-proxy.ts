/**
 * A TLS front for a plain Temporal frontend, as an mTLS-protected deployment (or Temporal
 * Cloud) presents one: it serves `cert` for HTTP/2 (ALPN h2), admits only clients whose
 * certificate `ca` signed, and passes the bytes through to `target` (the dev server, which
 * cannot serve TLS itself). Loopback only.
 */
import { connect, type Socket } from 'node:net';
import { createServer } from 'node:tls';

export interface TlsProxy {
  address: string;
  /** Why the proxy refused each handshake so far, in order: the TLS error's code (no or an unknown client certificate, no TLS). */
  refusals(): string[];
  close(): Promise<void>;
}

export async function startTlsProxy(options: { target: string; cert: Buffer; key: Buffer; ca: Buffer }): Promise<TlsProxy> {
  const separator = options.target.lastIndexOf(':');
  const [host, port] = [options.target.slice(0, separator), Number(options.target.slice(separator + 1))];
  const sockets = new Set<Socket>();
  const refusals: string[] = [];
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer({ cert: options.cert, key: options.key, ca: options.ca, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] }, (client) => {
    const upstream = connect(port, host);
    track(client);
    track(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  server.on('connection', track);
  server.on('tlsClientError', (err: NodeJS.ErrnoException) => {
    refusals.push(err.code ?? err.message);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port: listening } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${listening}`,
    refusals: () => [...refusals],
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
