/**
 * How gigflow's processes reach Temporal's frontend, from the configuration: plain gRPC to a
 * local Temporal, TLS (with a client certificate, a private CA, an API key) to Temporal Cloud or
 * an mTLS-protected self-hosted frontend. Types only from the SDK, so the start scripts that
 * use it load no native module.
 */
import type { TLSConfig } from '@temporalio/client';
import type { Config } from '../config.js';

/**
 * How a process reaches Temporal's frontend: what both the SDK's native connection (worker,
 * API) and its gRPC `Connection` (schedules, start scripts) take. No `tls`: plain gRPC.
 */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  /** Sent as `Authorization: Bearer …` with every call (Temporal Cloud). */
  apiKey?: string;
}

type TemporalSecurity = Pick<Config, 'TEMPORAL_TLS' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_SERVER_NAME' | 'TEMPORAL_API_KEY'>;

/**
 * The connection options the configuration gives `address`: the one place TEMPORAL_TLS_* and
 * TEMPORAL_API_KEY become the SDK's options, used by every process that connects. config.ts
 * has already refused TLS settings without TEMPORAL_ADDRESS, so a start script's own local
 * Temporal (plain) never gets them. Without a CA, the server's certificate is verified against
 * the system's roots (Temporal Cloud's are public).
 */
export function temporalConnectionOptions(config: TemporalSecurity, address: string): TemporalConnectionOptions {
  if (!config.TEMPORAL_TLS) return { address };
  const { TEMPORAL_TLS_CERT: crt, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_NAME: serverName, TEMPORAL_API_KEY: apiKey } = config;
  const tls: TLSConfig = {
    ...(crt && key ? { clientCertPair: { crt, key } } : {}),
    ...(ca ? { serverRootCACertificate: ca } : {}),
    ...(serverName ? { serverNameOverride: serverName } : {}),
  };
  return { address, tls, ...(apiKey ? { apiKey } : {}) };
}
