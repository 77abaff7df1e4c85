/**
 * The local payment providers on a port (@hono/node-server). Its options come from whoever
 * starts it: `providers/main.ts` (from `config.ts`, the one reader of the environment) or a test.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createLocalProviders, type LocalProviders } from './app.js';
import type { LocalProvidersOptions } from './options.js';

/** A running stand-in: its URL, its state (see `LocalProviders`), and how to stop it. */
export interface RunningLocalProviders {
  /** `http://<host>:<port>`, where it listens. */
  url: string;
  providers: LocalProviders;
  /** Stops timers and deliveries, closes every connection, and resolves once the port is free. */
  stop(): Promise<void>;
}

/** What `startLocalProviders` takes: the app's options, where to listen, `publicUrl` optional. */
export type StartOptions = Omit<LocalProvidersOptions, 'publicUrl'> & { publicUrl?: string; port: number; host: string };

/**
 * Starts the providers on `host:port` (port 0: one the OS picks). Without `publicUrl`, the
 * pages and links use the listening address.
 */
export async function startLocalProviders(options: StartOptions): Promise<RunningLocalProviders> {
  // The app is built once the port is known (its links may need it); nothing can reach the
  // server before then, but the handler still answers rather than throw.
  let providers: LocalProviders | undefined;
  const fetch = (request: Request) => (providers ? providers.app.fetch(request) : new Response('starting', { status: 503 }));
  const server = serve({ fetch, port: options.port, hostname: options.host }) as Server;
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => resolve((server.address() as AddressInfo).port));
  });
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;
  const { port: _port, host: _host, ...appOptions } = options;
  const running = createLocalProviders({ ...appOptions, publicUrl: options.publicUrl ?? url });
  providers = running;
  return {
    url,
    providers: running,
    async stop() {
      await running.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
