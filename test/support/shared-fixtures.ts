/**
 * What `npm test` prepares once for every test file, instead of each file doing it again in
 * its own process: the database every migration was applied to, which each file's database is
 * copied from (`CREATE DATABASE … TEMPLATE`), and the webpack bundle of gigflow's workflows,
 * which every file that runs gigflow's worker loads. Both cost seconds of CPU each time they
 * are made, and the suite has over a hundred files on two cores.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowBundle } from '@temporalio/worker';
import postgres from 'postgres';
import { createDb } from '../../db/client.js';
import { createDatabaseIfMissing } from '../../db/embedded.js';
import { runMigrations } from '../../db/migrate.js';
import { ownBundle } from '../../worker.js';

/** The bundler's logger for tests: errors only. */
export const quietBundlerLogger = {
  log() {}, trace() {}, debug() {}, info() {}, warn() {},
  error(message: string, meta?: Record<string, unknown>) { console.error(message, meta ?? ''); },
};

const CODE = 'workflows.js';

/**
 * Writes production's (untraced) bundle of gigflow's workflows into the folder `dir`, for
 * `readWorkflowBundle`: the one a worker keeps between starts (`ownBundle`), built again only
 * when what it was built from changed.
 */
export async function writeWorkflowBundle(dir: string): Promise<void> {
  const { code } = await ownBundle(false, quietBundlerLogger);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, CODE), code);
}

/** The bundle `writeWorkflowBundle` wrote into `dir`. */
export function readWorkflowBundle(dir: string): WorkflowBundle {
  return { code: readFileSync(join(dir, CODE), 'utf8') };
}

/** The run's template database, and how to drop it when the run ends. */
export interface TemplateDatabase {
  name: string;
  drop(): Promise<void>;
}

/**
 * A new database of the cluster at `adminUrl` with every migration applied, closed to
 * connections: PostgreSQL copies a database only while no session is connected to it, so none
 * ever may. Its name is the run's own (a server named by DATABASE_URL may hold other runs').
 */
export async function createTemplateDatabase(adminUrl: string): Promise<TemplateDatabase> {
  const name = `gigflow_template_${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
  await createDatabaseIfMissing(adminUrl, name);
  const db = createDb(adminUrl.replace(/\/[^/]*$/, `/${name}`), { max: 1 });
  try {
    await runMigrations(db);
  } finally {
    await db.close();
  }
  await onAdmin(adminUrl, (sql) => sql`alter database ${sql(name)} with allow_connections false`);
  return { name, drop: () => onAdmin(adminUrl, (sql) => sql`drop database if exists ${sql(name)}`) };
}

/** The shared fixtures of a run: the template database, and the variables that name it and the bundle to the harness. */
export interface SharedFixtures {
  template: TemplateDatabase;
  /** `GIGFLOW_TEST_PG_TEMPLATE` and `GIGFLOW_TEST_WORKFLOW_BUNDLE`, as `harness.ts` reads them. */
  env: Record<'GIGFLOW_TEST_PG_TEMPLATE' | 'GIGFLOW_TEST_WORKFLOW_BUNDLE', string>;
}

/**
 * Makes both fixtures at once, for `npm test`'s run or a script that uses the harness: the bundle
 * goes into `scratch` — unless `workflowBundle` names the folder of one `writeWorkflowBundle`
 * made already from this checkout (a run's own, handed to a script it starts), used as it is.
 */
export async function makeSharedFixtures(adminUrl: string, scratch: string, options: { workflowBundle?: string } = {}): Promise<SharedFixtures> {
  const given = options.workflowBundle;
  // Checked before the template is made: a wrong folder fails here, named, not in the first worker.
  if (given && !existsSync(join(given, CODE))) throw new Error(`no workflow bundle in ${given}: ${CODE} is missing`);
  const bundleDir = given ?? join(scratch, 'workflow-bundle');
  const [template] = await Promise.all([createTemplateDatabase(adminUrl), given ? undefined : writeWorkflowBundle(bundleDir)]);
  return { template, env: { GIGFLOW_TEST_PG_TEMPLATE: template.name, GIGFLOW_TEST_WORKFLOW_BUNDLE: bundleDir } };
}

/** A new database `name`, a copy of `template`. */
export async function copyTemplateDatabase(adminUrl: string, template: string, name: string): Promise<void> {
  await onAdmin(adminUrl, (sql) => sql`create database ${sql(name)} template ${sql(template)}`);
}

async function onAdmin(adminUrl: string, statement: (sql: postgres.Sql) => Promise<unknown>): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await statement(sql);
  } finally {
    await sql.end();
  }
}
