/**
 * `npm run start:cluster`: the platform in its production topology on one machine (issue 19 §1).
 *
 * As `npm start` (start.ts), but on a Temporal cluster rather than the dev server: the embedded
 * PostgreSQL (or DATABASE_URL's server) holds gigflow's database and Temporal's two — created
 * and migrated by Temporal's schema tool — and the Temporal server (built from source on first
 * use, see tools.ts) runs its four services with TEMPORAL_SHARDS history shards and advanced
 * visibility on PostgreSQL (temporal-cluster.ts), with the Temporal Web UI server pointed at it
 * and at the API's codec server. On it run **two workers** and **two API processes** (PORT and
 * CLUSTER_SECOND_API_PORT), the web client, the local payment stand-ins and the mail catcher.
 *
 * Its state lives in `GIGFLOW_DATA_DIR/cluster/`, apart from `npm start`'s: gigflow's rows and
 * Temporal's workflows must come from the same run. The two use the same ports, so one runs at
 * a time. Ctrl-C stops the workers and the APIs, then Temporal (and the UI and mail catcher),
 * then PostgreSQL, as start.ts does.
 */
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { temporalConnectionOptions } from '../services/temporal-connection.js';
import { createPlatform, type TemporalEndpoint } from './platform.js';
import { startTemporalCluster, startTemporalUi } from './temporal-cluster.js';

const platform = createPlatform();
const { config, say } = platform;
/** The cluster topology's own data folder. */
const dataDir = join(config.GIGFLOW_DATA_DIR, 'cluster');
const WORKERS = 2;

/**
 * Starts the Temporal server on `databaseUrl`'s PostgreSQL and the Web UI, unless
 * TEMPORAL_ADDRESS names a Temporal; returns the address, the UI and what the closing lines add.
 */
async function startTemporal(databaseUrl: string): Promise<TemporalEndpoint & { note?: string }> {
  if (config.TEMPORAL_ADDRESS) return { address: config.TEMPORAL_ADDRESS };
  const dir = join(dataDir, 'temporal');
  const cluster = await startTemporalCluster({
    dir,
    databaseUrl,
    shards: config.TEMPORAL_SHARDS,
    frontendPort: config.TEMPORAL_DEV_PORT,
    namespace: config.TEMPORAL_NAMESPACE,
    say,
  });
  platform.adopt({ name: 'Temporal server', stage: 'temporal', pid: cluster.pid, requestStop: () => void cluster.stop(), exited: cluster.exited });
  platform.checkpoint();
  const ui = await startTemporalUi({
    dir,
    temporalAddress: cluster.address,
    port: config.TEMPORAL_UI_PORT,
    namespace: config.TEMPORAL_NAMESPACE,
    // As `npm start` gives the dev server's UI: payloads are decrypted by the API's codec server
    // for staff signed in to the web client (issue 19 §5).
    codecEndpoint: `${platform.apiUrlOf()}/codec`,
    say,
  });
  platform.adopt({ name: 'Temporal UI', stage: 'temporal', pid: ui.pid, requestStop: () => void ui.stop(), exited: ui.exited });
  return {
    address: cluster.address,
    uiUrl: ui.url,
    note: `${config.TEMPORAL_SHARDS} history shards on PostgreSQL; server metrics ${cluster.metricsUrl}, log ${cluster.logFile}`,
  };
}

async function startPlatform(): Promise<void> {
  const { checkpoint } = platform;
  const databaseUrl = await platform.startPostgres(dataDir);
  checkpoint();
  await platform.migrate(databaseUrl);
  say('migrations applied');
  checkpoint();
  const temporal = await startTemporal(databaseUrl);
  checkpoint();
  const mail = await platform.startMail(dataDir);
  checkpoint();

  const webUrl = `http://${platform.publicHost()}:${config.WEB_PORT}`;
  const env = platform.appEnv({ databaseUrl, temporal, mail, webUrl, dataDir });
  // K-47: the local stand-ins of the card processor and PayPal (their webhooks go to the first API).
  if (platform.standIns()) platform.run('payment providers', 'providers/main.ts', env);
  // Each worker serves its own /metrics, on consecutive ports.
  const workerMetricsPorts = await platform.workerMetricsPorts(WORKERS);
  workerMetricsPorts.forEach((port, i) => platform.run(`worker ${i + 1}`, 'worker.ts', { ...env, WORKER_METRICS_PORT: String(port) }));
  const apiPorts = [config.PORT, config.CLUSTER_SECOND_API_PORT];
  apiPorts.forEach((port, i) => platform.run(`API ${i + 1}`, 'api/server.ts', { ...env, PORT: String(port) }));
  platform.run('web client', 'web/server.ts', env);

  const apiUrls = apiPorts.map((port) => platform.apiUrlOf(port));
  const connection = await Connection.connect(temporalConnectionOptions(config, temporal.address));
  try {
    await platform.waitUntilServing({ apiUrls, webUrl, connection, workers: WORKERS });
  } finally {
    await connection.close().catch(() => {});
  }
  platform.announce({
    webUrl,
    apiUrls,
    workerMetricsUrls: workerMetricsPorts.map((port) => `http://${platform.publicHost()}:${port}/metrics`),
    temporal,
    temporalNote: temporal.note,
    databaseUrl,
    payments: platform.paymentsUrl(),
    mail,
  });
}

platform.begin(startPlatform);
