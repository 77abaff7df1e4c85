/**
 * A worker process as `npm run worker` runs one (`createWorker` of worker.ts: every workflow,
 * the real activities, its own bundle), with the payment adapters pointed at a test file's
 * stand-ins, for tests that kill it: this module compiled, as the start scripts run a worker
 * (../support/root.ts `entryArgs`), configured by the environment the test gives it.
 */
import { NativeConnection } from '@temporalio/worker';
import { createWithdrawalActivities } from '../../activities/withdrawals.js';
import { createDb } from '../../db/client.js';
import { createCardProcessor } from '../../payments/card-processor.js';
import { createPaypal } from '../../payments/paypal.js';
import { createWorker } from '../../worker.js';
import { PAYMENT_SECRETS } from './payments.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const db = createDb(required('DATABASE_URL'));
const standIns = required('GIGFLOW_TEST_PROVIDERS_URL');
const providers = {
  card: createCardProcessor({ baseUrl: `${standIns}/card`, secretKey: PAYMENT_SECRETS.cardSecretKey, webhookSecret: PAYMENT_SECRETS.cardWebhookSecret }),
  paypal: createPaypal({ baseUrl: `${standIns}/paypal`, clientId: PAYMENT_SECRETS.paypalClientId, clientSecret: PAYMENT_SECRETS.paypalClientSecret, webhookId: PAYMENT_SECRETS.paypalWebhookId }),
};
const connection = await NativeConnection.connect({ address: required('TEMPORAL_ADDRESS') });
const worker = await createWorker({
  connection,
  namespace: required('TEMPORAL_NAMESPACE'),
  taskQueue: required('TEMPORAL_TASK_QUEUE'),
  db,
  wrapActivities: (activities) => ({ ...activities, ...createWithdrawalActivities({ db, providers }) }),
});
try {
  await worker.run();
} finally {
  await Promise.allSettled([connection.close(), db.close()]);
}
