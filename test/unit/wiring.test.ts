/**
 * The wiring fence (issue 12). The checker's rules live in test/support/wiring.ts; here each
 * rule is shown to fail on a small tree that breaks it once, then the real repository must
 * pass them all. `npm test -- test/unit/wiring.test.ts` runs this file alone.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { findViolations, formatViolations, MAX_FUNCTION_LINES, readRepository, type Tree } from '../support/wiring.js';
import { checkout as root } from '../support/root.js';


/** Rule, file and line of every violation: what the synthetic cases assert. */
function broken(tree: Tree): string[] {
  return findViolations(tree).map((v) => `${v.rule} ${v.file}:${v.line}`);
}

/** A function declaration spanning exactly `lines` lines. */
function functionOf(lines: number): string {
  return `export function long() {\n${'  void 0;\n'.repeat(lines - 2)}}\n`;
}

describe('the wiring checker', () => {
  it('accepts a tree wired the way STYLE.md lays it out', () => {
    const tree: Tree = {
      'worker.ts': "import { createActivities } from './activities/orders.js';\nimport { loadConfig } from './config.js';",
      'config.ts': "import { z } from 'zod';\nexport const loadConfig = () => z;",
      'workflows/index.ts': "export { orderWorkflow } from './order/workflow.js';",
      'workflows/order/workflow.ts': [
        "import { proxyActivities } from '@temporalio/workflow';",
        "import type { OrderActivities } from '../../activities/orders.js';",
        "import type { Duration } from '@temporalio/common';",
        "import { cents } from '../lib/money.js';",
        'export async function orderWorkflow() {}',
      ].join('\n'),
      'workflows/lib/money.ts': 'export const cents = 1;',
      'activities/orders.ts': "import { db } from '../db/client.js';\nimport { cents } from '../workflows/lib/money.js';",
      'services/orders.ts': "import { db } from '../db/client.js';\nimport { actUpdate } from '../workflows/order/workflow.js';",
      'api/routes/orders.ts': "import { createServices } from '../../services/index.js';\nimport { Hono } from 'hono';",
      'services/index.ts': "import { db } from '../db/client.js';\nexport function createServices() { return db; }",
      'db/client.ts': "import postgres from 'postgres';\nexport const db = postgres;",
      'db/schema/orders.ts': "import { cents } from '../../workflows/lib/money.js';",
    };
    assert.deepEqual(broken(tree), []);
  });

  it('stops workflows/ importing a package other than @temporalio/workflow, even a Node built-in', () => {
    const tree = { 'workflows/a.ts': "import { z } from 'zod';\nimport { readFile } from 'node:fs';\nimport { sleep } from '@temporalio/workflow';" };
    assert.deepEqual(broken(tree), ['workflow sandbox workflows/a.ts:1', 'workflow sandbox workflows/a.ts:2']);
  });

  it('stops workflows/ importing activities/ at runtime but lets it import their types', () => {
    const tree = {
      'workflows/a.ts': "import { createOrderActivities } from '../activities/orders.js';",
      'workflows/b.ts': "import type { OrderActivities } from '../activities/orders.js';",
      'workflows/c.ts': "export type Acts = import('../activities/orders.js').OrderActivities;",
      'activities/orders.ts': 'export const createOrderActivities = () => ({});',
    };
    assert.deepEqual(broken(tree), ['workflow sandbox workflows/a.ts:1']);
  });

  it('counts `import { type X }` as runtime, because verbatimModuleSyntax keeps the statement', () => {
    const tree = {
      'workflows/a.ts': "import { type OrderActivities } from '../activities/orders.js';",
      'activities/orders.ts': 'export type OrderActivities = {};',
    };
    const [violation] = findViolations(tree);
    assert.equal(violation?.rule, 'workflow sandbox');
    assert.match(violation?.detail ?? '', /write `import type`/);
  });

  it('counts re-exports and dynamic imports out of workflows/ as runtime imports', () => {
    const tree = {
      'workflows/a.ts': "export { db } from '../db/client.js';\nexport type { Db } from '../db/client.js';\nexport const a = 1;",
      'workflows/b.ts': "export async function f() {\n  return import('../db/client.js');\n}",
      'db/client.ts': 'export const db = 1;\nexport type Db = number;',
    };
    assert.deepEqual(broken(tree), ['workflow sandbox workflows/a.ts:1', 'workflow sandbox workflows/b.ts:2']);
  });

  it('stops api/ and web/ importing db/ or activities/, type-only or not', () => {
    const tree = {
      'api/routes/orders.ts': "import { db } from '../../db/client.js';",
      'api/routes/money.ts': "import type { Db } from '../../db/client.js';",
      'web/pages/orders.tsx': "import { createOrderActivities } from '../../activities/orders.js';\nexport const Page = () => <div />;",
      'db/client.ts': 'export const db = 1;\nexport type Db = number;',
      'activities/orders.ts': 'export const createOrderActivities = () => ({});',
    };
    assert.deepEqual(broken(tree), ['fence api/routes/money.ts:1', 'fence api/routes/orders.ts:1', 'fence web/pages/orders.tsx:1']);
  });

  it('stops activities/ importing services/ or api/', () => {
    const tree = {
      'activities/orders.ts': "import { createServices } from '../services/index.js';\nimport { errors } from '../api/errors.js';",
      'services/index.ts': 'export const createServices = () => ({});',
      'api/errors.ts': 'export const errors = {};',
    };
    assert.deepEqual(broken(tree), ['fence activities/orders.ts:1', 'fence activities/orders.ts:2']);
  });

  it('stops services/ importing api/ or activities/', () => {
    const tree = {
      'services/orders.ts': "import { errors } from '../api/errors.js';\nimport { createOrderActivities } from '../activities/orders.js';",
      'api/errors.ts': 'export const errors = {};',
      'activities/orders.ts': 'export const createOrderActivities = () => ({});',
    };
    assert.deepEqual(broken(tree), ['fence services/orders.ts:1', 'fence services/orders.ts:2']);
  });

  it('stops codec/ importing any other room, while the API’s client and the worker both import it', () => {
    const tree = {
      'codec/payload-codec.ts': "import { db } from '../db/client.js';\nimport type { Services } from '../services/index.js';",
      'services/temporal-client.ts': "import { configuredCodec } from '../codec/payload-codec.js';",
      'worker.ts': "import { configuredCodec } from './codec/payload-codec.js';",
      'db/client.ts': 'export const db = 1;',
      'services/index.ts': 'export type Services = {};',
    };
    assert.deepEqual(broken(tree), ['fence codec/payload-codec.ts:1', 'fence codec/payload-codec.ts:2']);
  });

  it('stops db/ importing the rooms above it', () => {
    const tree = {
      'db/ledger.ts': "import { createServices } from '../services/index.js';",
      'services/index.ts': 'export const createServices = () => ({});',
    };
    assert.deepEqual(broken(tree), ['fence db/ledger.ts:1']);
  });

  it('finds a two-file cycle, even through a type-only import, and names the chain', () => {
    const tree = {
      'services/a.ts': "import { b } from './b.js';\nexport const a = 1;",
      'services/b.ts': "import type { A } from './a.js';\nexport const b = 2;",
    };
    const violations = findViolations(tree);
    assert.deepEqual(violations.map((v) => `${v.rule} ${v.file}:${v.line}`), ['cycle services/a.ts:1']);
    assert.match(violations[0]?.detail ?? '', /^services\/a\.ts → services\/b\.ts → services\/a\.ts$/);
  });

  it('finds a cycle in tests too, and a module that imports itself', () => {
    const tree = { 'test/support/a.ts': "import { a } from './a.js';\nexport const a = 1;" };
    assert.deepEqual(broken(tree), ['cycle test/support/a.ts:1']);
  });

  it(`refuses a function of ${MAX_FUNCTION_LINES + 1} lines and accepts one of ${MAX_FUNCTION_LINES}`, () => {
    const tree = { 'services/long.ts': functionOf(MAX_FUNCTION_LINES + 1), 'services/short.ts': functionOf(MAX_FUNCTION_LINES) };
    const violations = findViolations(tree);
    assert.deepEqual(violations.map((v) => `${v.rule} ${v.file}:${v.line}`), ['function length services/long.ts:1']);
    assert.equal(violations[0]?.detail, `long spans ${MAX_FUNCTION_LINES + 1} lines`);
  });

  it('measures a factory by its whole span, the methods it returns included', () => {
    const methods = Array.from({ length: 30 }, (_, i) => `    m${i}() {\n      return ${i};\n    },`).join('\n');
    const tree = { 'activities/orders.ts': `export const createOrderActivities = (deps: object) => {\n  return {\n${methods}\n  };\n};\n` };
    assert.deepEqual(findViolations(tree).map((v) => v.detail), ['createOrderActivities spans 94 lines']);
  });

  it('lets tests have long functions', () => {
    assert.deepEqual(broken({ 'test/unit/long.test.ts': functionOf(200) }), []);
  });

  it('refuses a module that only re-exports, except workflows/index.ts', () => {
    const tree = {
      'db/schema/index.ts': "export * from './orders.js';\nexport { users } from './users.js';",
      'services/index.ts': "import { a } from './a.js';\nexport { a };",
      'workflows/index.ts': "export { orderWorkflow } from './order.js';",
      'db/schema/orders.ts': 'export const orders = 1;',
      'db/schema/users.ts': 'export const users = 1;',
      'services/a.ts': 'export const a = 1;',
      'workflows/order.ts': 'export async function orderWorkflow() {}',
    };
    assert.deepEqual(broken(tree), ['barrel db/schema/index.ts:1', 'barrel services/index.ts:1']);
  });

  it('refuses module-level state in workflows/ (let, var, a mutable Map or Set), except a listed cache and read-only containers', () => {
    const tree = {
      'workflows/order/machine.ts': [
        'let count = 0;',
        'export var seen = 1;',
        "const open = new Set(['a']);",
        "const kinds: ReadonlySet<string> = new Set(['a']);",
        'export const rules = { days: 3 };',
        'export function next() { let local = count + seen; return local; }',
      ].join('\n'),
      'workflows/lib/zoned-time.ts': 'const formatters = new Map();',
      'api/state.ts': 'let calls = 0;\nexport const cache = new Map();',
    };
    assert.deepEqual(broken(tree), ['shared module state workflows/order/machine.ts:1', 'shared module state workflows/order/machine.ts:2', 'shared module state workflows/order/machine.ts:3']);
  });

  it('lets only the workflow gateway load Temporal’s client among the API’s rooms (types are free)', () => {
    const tree = {
      'services/workflow-gateway.ts': "import { WorkflowNotFoundError } from '@temporalio/client';",
      'services/temporal-client.ts': "import { Client } from '@temporalio/client';",
      'services/orders.ts': "import { WorkflowNotFoundError } from '@temporalio/client';\nimport type { Client } from '@temporalio/client';",
      'api/routes/orders.ts': "import { ApplicationFailure } from '@temporalio/common';",
      'activities/orders.ts': "import { ApplicationFailure } from '@temporalio/common';",
      'scripts/capture.ts': "import { Connection } from '@temporalio/client';",
    };
    assert.deepEqual(broken(tree), ['gateway api/routes/orders.ts:1', 'gateway services/orders.ts:1']);
  });

  it('resolves `.js` to `.ts` and folders to index.ts, and reports a relative import that names no file', () => {
    const tree = {
      'api/app.ts': "import { a } from './routes/index.js';\nimport { b } from './routes';\nimport { c } from './gone.js';",
      'api/routes/index.ts': 'export const a = 1;\nexport const b = 2;',
    };
    assert.deepEqual(broken(tree), ['unresolved import api/app.ts:3']);
  });

  it('reports every rule it finds in one message, grouped by rule, as file:line', () => {
    const message = formatViolations(
      findViolations({
        'workflows/a.ts': "import 'zod';",
        'api/b.ts': "import '../db/c.js';",
        'db/c.ts': "import '../api/b.js';",
      }),
    );
    assert.match(message, /^4 wiring violation\(s\):/);
    assert.match(message, /workflow sandbox — .*\n {2}workflows\/a\.ts:1 {2}imports 'zod' at runtime/);
    assert.match(message, /fence — .*\n {2}api\/b\.ts:1 .*\n {2}db\/c\.ts:1 /);
    assert.match(message, /cycle — .*\n {2}api\/b\.ts:1 {2}api\/b\.ts → db\/c\.ts → api\/b\.ts/);
  });
});

describe('the repository', () => {
  it('keeps every room behind its fence, with no import cycle, long function or barrel', () => {
    const violations = findViolations(readRepository(root));
    assert.ok(violations.length === 0, formatViolations(violations));
  });

  it('compiles with verbatimModuleSyntax, so a type-only import never reaches the workflow bundle', () => {
    // --showConfig resolves `extends`, so this reads the option tsc actually uses.
    const shown = execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '--showConfig', '-p', 'tsconfig.json'], {
      cwd: root,
      encoding: 'utf8',
    });
    const { compilerOptions } = JSON.parse(shown) as { compilerOptions: { verbatimModuleSyntax?: boolean } };
    assert.equal(compilerOptions.verbatimModuleSyntax, true, 'tsconfig.json must set "verbatimModuleSyntax": true');
  });
});
