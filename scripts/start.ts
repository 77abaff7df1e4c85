/**
 * `npm start`: the whole platform on one machine from a fresh clone.
 *
 * Provisions the Temporal CLI when missing, starts the Temporal dev server (state in the data
 * folder, Web UI on) unless TEMPORAL_ADDRESS names one, registers the custom search
 * attributes, starts the embedded PostgreSQL unless DATABASE_URL names one, applies the
 * migrations, then runs `worker.ts`, `api/server.ts` and `web/server.ts` as child processes —
 * the same entries production runs — with the local payment stand-ins (`providers/main.ts`)
 * unless real providers are configured, and a local mail catcher (mailpit, provisioned when
 * missing) unless SMTP_URL names an SMTP server, and prints the URLs.
 *
 * Each of those processes runs in a process group of its own (see supervisor.ts): Ctrl-C
 * reaches only this script, which stops the API and the worker first (they drain), then
 * Temporal, then PostgreSQL, within 15 s, and exits 0; a second Ctrl-C kills them all and exits 130.
 * `npm run start:cluster` (start-cluster.ts) runs the same platform on a Temporal cluster.
 */
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { temporalConnectionOptions } from '../services/temporal-connection.js';
import { createPlatform, type TemporalEndpoint } from './platform.js';
import { registerSearchAttributes, startTemporalDevServer } from './temporal-dev-server.js';
import { ensureTemporalCli } from './tools.js';

const platform = createPlatform();
const { config, say } = platform;

/** Starts the dev server unless TEMPORAL_ADDRESS names a Temporal; returns the address and UI. */
async function startTemporal(): Promise<TemporalEndpoint> {
  if (config.TEMPORAL_ADDRESS) return { address: config.TEMPORAL_ADDRESS };
  const cli = ensureTemporalCli();
  say(`starting the Temporal dev server (state in ${join(config.GIGFLOW_DATA_DIR, 'temporal')})…`);
  const devServer = await startTemporalDevServer({
    cli,
    dbFile: join(config.GIGFLOW_DATA_DIR, 'temporal', 'temporal.db'),
    port: config.TEMPORAL_DEV_PORT,
    uiPort: config.TEMPORAL_UI_PORT,
    // The UI sends payloads to the API's codec server, which decrypts them for staff signed in
    // to the web client (issue 19 §5).
    uiCodecEndpoint: `${platform.apiUrlOf()}/codec`,
    namespace: config.TEMPORAL_NAMESPACE,
    logLevel: 'error',
    onOutput: (text) => process.stderr.write(text),
    ownProcessGroup: true,
  });
  const exited = new Promise<void>((resolve) => devServer.process.once('exit', () => resolve()));
  platform.adopt({ name: 'Temporal dev server', stage: 'temporal', pid: devServer.process.pid!, requestStop: () => void devServer.stop(), exited });
  return { address: devServer.address, uiUrl: devServer.uiUrl };
}

async function startPlatform(): Promise<void> {
  const { checkpoint } = platform;
  const temporal = await startTemporal();
  checkpoint();
  const connection = await Connection.connect(temporalConnectionOptions(config, temporal.address));
  try {
    await registerSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
    checkpoint();
    const databaseUrl = await platform.startPostgres(config.GIGFLOW_DATA_DIR);
    checkpoint();
    await platform.migrate(databaseUrl);
    say('migrations applied');
    checkpoint();
    const mail = await platform.startMail(config.GIGFLOW_DATA_DIR);
    checkpoint();

    const webUrl = `http://${platform.publicHost()}:${config.WEB_PORT}`;
    const [workerMetricsPort] = await platform.workerMetricsPorts(1);
    // Issue 19 §4: the worker's own /metrics listener.
    const env = { ...platform.appEnv({ databaseUrl, temporal, mail, webUrl, dataDir: config.GIGFLOW_DATA_DIR }), WORKER_METRICS_PORT: String(workerMetricsPort) };
    // K-47: the local stand-ins of the card processor and PayPal, unless real providers are configured.
    if (platform.standIns()) platform.run('payment providers', 'providers/main.ts', env);
    platform.run('worker', 'worker.ts', env);
    platform.run('API', 'api/server.ts', env);
    platform.run('web client', 'web/server.ts', env);
    const apiUrl = platform.apiUrlOf();
    await platform.waitUntilServing({ apiUrls: [apiUrl], webUrl, connection, workers: 1 });
    platform.announce({
      webUrl,
      apiUrls: [apiUrl],
      workerMetricsUrls: [`http://${platform.publicHost()}:${workerMetricsPort}/metrics`],
      temporal,
      databaseUrl,
      payments: platform.paymentsUrl(),
      mail,
    });
  } finally {
    await connection.close().catch(() => {});
  }
}

platform.begin(startPlatform);
