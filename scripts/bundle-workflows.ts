/**
 * `npm run workflows:bundle`: builds and keeps the workflows' bundles a worker starts with, plain
 * and traced (scripts/workflow-bundle.ts), so that an image built with it starts its workers
 * without bundling. Safe to repeat: an unchanged bundle is only checked.
 */
import { DefaultLogger } from '@temporalio/worker';
import { ownBundle } from '../worker.js';

const logger = new DefaultLogger('INFO', ({ message, meta }) => process.stdout.write(`${message} ${JSON.stringify(meta ?? {})}\n`));
for (const traced of [false, true]) await ownBundle(traced, logger);
