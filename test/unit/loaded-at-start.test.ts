/**
 * What a process loads at start: the libraries a process may never use — pdfkit (an invoice's
 * PDF), nodemailer (a mail over SMTP), date-holidays (a business-day calendar), file-type (an
 * upload), OpenTelemetry's SDK and Temporal's tracing interceptors (a traced process) — are
 * loaded when first used, not by every worker, API, web client and test process that imports
 * the modules using them: together they were about 0.7 s of CPU at each start (the tests' harness
 * loaded in 2.9 s of CPU, now 2.2). Read in a process of its own, which imports the worker's,
 * the API's and the web client's modules and the services and records every module Node resolves
 * (a loader hook).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { checkout, compiled, loadedRoot } from '../support/root.js';

const LOADED_WHEN_USED = ['pdfkit', 'fontkit', 'nodemailer', 'date-holidays', 'file-type', '@opentelemetry/sdk-trace-node', '@opentelemetry/exporter-trace-otlp-http', '@temporalio/interceptors-opentelemetry'];

/** The packages whose modules Node resolved while the process imported `modules` (paths from the project's root). */
function packagesLoadedBy(modules: string[]): Set<string> {
  const hook = `
    let port;
    export function initialize(data) {
      port = data.port;
      // Answered after every URL posted before it: messages on a port keep their order.
      port.on('message', (m) => m === 'flush' && port.postMessage('flushed'));
    }
    export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context);
      port.postMessage(resolved.url);
      return resolved;
    }`;
  // The compiled modules of the run's tree; from the checkout, the TypeScript under tsx.
  const imports = modules.map((m) => pathToFileURL(join(loadedRoot, compiled ? m : m.replace(/\.js$/, '.ts'))).href);
  const script = `
    import { register } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    const { port1, port2 } = new MessageChannel();
    const urls = [];
    let flushed;
    const done = new Promise((resolve) => (flushed = resolve));
    port1.on('message', (m) => (m === 'flushed' ? flushed() : urls.push(m)));
    register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)}, { data: { port: port2 }, transferList: [port2] });
    for (const m of ${JSON.stringify(imports)}) await import(m);
    port1.postMessage('flush');
    await done;
    port1.close();
    process.stdout.write(JSON.stringify(urls));`;
  const out = spawnSync(process.execPath, [...(compiled ? [] : ['--import', 'tsx']), '--input-type=module', '-e', script], { cwd: checkout, encoding: 'utf8', timeout: 60_000 });
  assert.equal(out.status, 0, out.stderr);
  const urls = JSON.parse(out.stdout) as string[];
  assert.ok(urls.length > 200, `the hook saw the modules load (${urls.length})`);
  const packages = new Set<string>();
  for (const url of urls) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (match) packages.add(match[1]!);
  }
  return packages;
}

describe('what a process loads at start', () => {
  it('leaves the libraries a process may never use until it uses them', () => {
    // The worker's module (its entry runs only as the process's entry), the API's and the web
    // client's, and the services both servers make.
    const loaded = packagesLoadedBy(['worker.js', 'api/app.js', 'web/app.js', 'services/index.js']);
    // The check sees packages at all: these every process needs.
    for (const needed of ['@temporalio/worker', 'hono', 'drizzle-orm', 'postgres', 'zod']) assert.ok(loaded.has(needed), `${needed} is loaded`);
    assert.deepEqual(LOADED_WHEN_USED.filter((name) => loaded.has(name)), []);
  });
});
