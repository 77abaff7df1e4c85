/**
 * The services of a running API process: its own PostgreSQL pool and Temporal client, for the
 * servers its configuration names, closed together on shutdown.
 */
import type { PayloadCodec } from '@temporalio/common';
import { createDb } from '../db/client.js';
import { systemClock } from './clock.js';
import type { AttachmentStore } from './attachment-store.js';
import { createServices, type Services } from './index.js';
import type { Providers } from '../payments/provider.js';
import { connectTemporalClient } from './temporal-client.js';
import type { TemporalConnectionOptions } from './temporal-connection.js';

export async function openServices(config: {
  databaseUrl: string;
  /** The frontend and how to reach it (`temporalConnectionOptions(config, …)`: TLS, API key). */
  temporal: TemporalConnectionOptions;
  namespace: string;
  taskQueue: string;
  providers: Providers;
  webUrl: string;
  attachmentStore: AttachmentStore;
  /**
   * Encrypts the client's payloads (W-19; `configuredCodec(config)`), with the worker's keys:
   * required, so that no process forgets it; `undefined` keeps them plain.
   */
  payloadCodec: PayloadCodec | undefined;
  /** The process traces (OTEL_EXPORTER_OTLP_ENDPOINT, issue 19 §4): the client's calls get spans. */
  traced?: boolean;
}): Promise<{ services: Services; close(): Promise<void> }> {
  const db = createDb(config.databaseUrl);
  const { client: temporal, close: closeTemporal } = await connectTemporalClient({ ...config.temporal, namespace: config.namespace, payloadCodec: config.payloadCodec, traced: config.traced ?? false });
  const services = createServices({
    db,
    temporal,
    clock: systemClock,
    taskQueue: config.taskQueue,
    providers: config.providers,
    webUrl: config.webUrl,
    attachmentStore: config.attachmentStore,
  });
  return {
    services,
    async close() {
      await Promise.allSettled([db.close(), closeTemporal()]);
    },
  };
}
