/**
 * The skeleton's worker for `npm run bench:orders`, run by the benchmark as a child process
 * of its own (so its CPU is measured apart): the same Worker defaults as gigflow's
 * `createWorker`, with `orderSkeleton` and its no-op activities, and the payload codec when
 * PAYLOAD_KEYS is set (as the benchmark sets it for both sides). Needs TEMPORAL_ADDRESS and
 * TEMPORAL_TASK_QUEUE; stops on SIGINT/SIGTERM.
 */
import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { configuredCodec } from '../../codec/payload-codec.js';
import { loadConfig } from '../../config.js';
import { createSkeletonActivities } from './activities.js';

const config = loadConfig(['TEMPORAL_ADDRESS']);
Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
const payloadCodec = configuredCodec(config);
const worker = await Worker.create({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  workflowsPath: fileURLToPath(new URL('./workflow.ts', import.meta.url)),
  activities: createSkeletonActivities(),
  ...(payloadCodec ? { dataConverter: { payloadCodecs: [payloadCodec] } } : {}),
});
try {
  await worker.run();
} finally {
  await connection.close();
}
