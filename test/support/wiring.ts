/**
 * The wiring fence of issue 12: which room of the code base may import which, no import
 * cycles, no function over 80 lines, no module that only re-exports. Pure functions over a
 * { path → source } tree, so tests can feed small trees that break each rule once;
 * `readRepository` builds the tree of the real repository.
 *
 * A room is a top-level folder (`workflows`, `api`, …); a root file (`worker.ts`) is a room
 * of its own. Under `verbatimModuleSyntax` only a whole `import type` / `export type`
 * statement is erased: `import { type A } from 'x'` still loads `x`, so it counts as runtime.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse, type ParserPlugin } from '@babel/parser';

/** Repository-relative path (with `/`) → source. Non-code files may map to ''. */
export type Tree = Record<string, string>;

export type Rule = 'workflow sandbox' | 'shared module state' | 'fence' | 'gateway' | 'cycle' | 'function length' | 'barrel' | 'unresolved import';

export interface Violation {
  rule: Rule;
  file: string;
  line: number;
  detail: string;
}

export const MAX_FUNCTION_LINES = 80;

/** The modules of api/, web/ and services/ that may talk to Temporal (a whole `import type` is free anywhere). */
const GATEWAY = new Set(['services/workflow-gateway.ts', 'services/temporal-client.ts']);
const GATED_ROOMS = new Set(['api', 'web', 'services']);

/** What each rule demands, in the words the failure message uses. */
export const RULES: Record<Rule, string> = {
  'workflow sandbox':
    'workflows/ imports at runtime nothing outside workflows/ but @temporalio/workflow (a whole `import type` statement is free)',
  'shared module state':
    'workflows/ keeps no state at module level — no module-level `let` or `var`, no module-level Map, Set, WeakMap or WeakSet unless typed ReadonlyMap/ReadonlySet — outside the pure caches listed in SHARED_CACHES: the worker preloads workflows/ once and every workflow shares its modules (worker.ts, workflowBundlerOptions)',
  fence:
    'api/ and web/ never import activities/ or db/; services/ never api/, web/ or activities/; activities/ never api/, web/ or services/; db/ and payments/ none of services/, activities/, api/, web/; providers/ (the payment stand-ins) is imported by none of those, nor payments/ or db/, and imports none of them; codec/ (the payload codec) and telemetry/ (metrics, traces, logger) import no other room (type-only imports count)',
  gateway: `outside workflows/, activities/ and the worker, only ${[...GATEWAY].join(' and ')} load Temporal's client at run time: the one gateway to workflows`,
  cycle: 'no import cycle anywhere, tests included (type-only imports count)',
  'function length': `no function spans more than ${MAX_FUNCTION_LINES} lines outside test/`,
  barrel: 'no module only re-exports other modules, except workflows/index.ts (test/ exempt)',
  'unresolved import': 'every relative import names a file of the repository (or the fence cannot place it)',
};

/** Rooms each room must not import; rooms absent here (scripts, bench, test, root files) may import any. */
const FORBIDDEN: Record<string, readonly string[]> = {
  api: ['activities', 'db', 'providers'],
  web: ['activities', 'db', 'providers'],
  services: ['api', 'web', 'activities', 'providers'],
  activities: ['api', 'web', 'services', 'providers'],
  db: ['services', 'activities', 'api', 'web', 'payments', 'providers'],
  // The adapters speak to providers over HTTP; the stand-in is a separate server they never load.
  payments: ['services', 'activities', 'api', 'web', 'providers'],
  providers: ['services', 'activities', 'api', 'web', 'db', 'payments', 'workflows'],
  // The payload codec (issue 19 §5) is loaded by both sides of Temporal: the API's client
  // (services/temporal-client.ts) and the worker, which must not reach into each other's rooms;
  // so it stands apart and depends on none of them.
  codec: ['services', 'activities', 'api', 'web', 'db', 'payments', 'providers', 'workflows'],
  // Metrics, tracing and the logger (issue 19 §4) are used by the API, the services, the
  // activities and the worker alike: like the codec, they depend on none of them.
  telemetry: ['services', 'activities', 'api', 'web', 'db', 'payments', 'providers', 'workflows', 'codec'],
};

/**
 * Module-level mutable state workflows/ may keep although every workflow of a worker shares it
 * (preloaded modules), each with why sharing it is safe.
 */
const SHARED_CACHES: Record<string, string> = {
  'workflows/lib/zoned-time.ts': "one Intl.DateTimeFormat per time zone: a pure function of the zone, whichever workflow made it",
};
const MUTABLE_CONTAINERS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet']);
const READONLY_TYPES = new Set(['ReadonlyMap', 'ReadonlySet']);

const CODE = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;
const FUNCTIONS = new Set([
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
  'ObjectMethod',
  'ClassMethod',
  'ClassPrivateMethod',
]);

type Target = { kind: 'file' | 'package' | 'unresolved'; name: string };
interface Import {
  specifier: string;
  line: number;
  typeOnly: boolean;
  /** `import { type A, type B }`: every name is a type, yet the statement stays at run time. */
  typesInBraces: boolean;
  target: Target;
}
interface Module {
  path: string;
  imports: Import[];
  functions: { name: string; line: number; lines: number }[];
  onlyReexports: boolean;
  /** Module-level `let`/`var` and mutable containers (`new Map()`…), each as its line and name. */
  moduleState: { line: number; name: string }[];
}

/** Every violation of every rule in the tree, sorted by rule, file and line. */
export function findViolations(tree: Tree): Violation[] {
  const modules = Object.keys(tree)
    .filter((path) => CODE.test(path))
    .sort()
    .map((path) => readModule(path, tree[path] ?? '', tree));
  const order = Object.keys(RULES);
  return [...importViolations(modules), ...cycleViolations(modules), ...shapeViolations(modules)].sort(
    (a, b) => order.indexOf(a.rule) - order.indexOf(b.rule) || a.file.localeCompare(b.file) || a.line - b.line,
  );
}

/** One message with every violation, grouped by rule, each as `file:line  what`. */
export function formatViolations(violations: Violation[]): string {
  const lines = [`${violations.length} wiring violation(s):`];
  for (const rule of Object.keys(RULES) as Rule[]) {
    const found = violations.filter((v) => v.rule === rule);
    if (found.length === 0) continue;
    lines.push('', `${rule} — ${RULES[rule]}:`, ...found.map((v) => `  ${v.file}:${v.line}  ${v.detail}`));
  }
  return lines.join('\n');
}

/** Tracked files plus new, not ignored ones, so a file is fenced before its first commit. */
export function readRepository(root: string): Tree {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  const tree: Tree = {};
  for (const path of new Set(listed.split('\0'))) {
    // --cached still lists a tracked file deleted in the work tree.
    if (path === '' || path.startsWith('node_modules/') || !existsSync(join(root, path))) continue;
    // Other files are listed only so that an import of one (JSON, SQL) resolves.
    tree[path] = CODE.test(path) ? readFileSync(join(root, path), 'utf8') : '';
  }
  return tree;
}

function roomOf(path: string): string {
  const slash = path.indexOf('/');
  return slash === -1 ? path : path.slice(0, slash);
}

/** `./x.js` → `x.ts` as NodeNext, tsx and Temporal's bundler read it; a bare specifier is a package. */
function resolveImport(from: string, specifier: string, tree: Tree): Target {
  if (!specifier.startsWith('.') && !specifier.startsWith('/')) return { kind: 'package', name: specifier };
  const base = posix.join(posix.dirname(from), specifier);
  const swaps: [RegExp, string][] = [[/\.js$/, '.ts'], [/\.js$/, '.tsx'], [/\.jsx$/, '.tsx'], [/\.mjs$/, '.mts'], [/\.cjs$/, '.cts']];
  const candidates = [
    ...swaps.filter(([pattern]) => pattern.test(base)).map(([pattern, ext]) => base.replace(pattern, ext)),
    base,
    `${base}.ts`,
    `${base}.tsx`,
    `${base}/index.ts`,
    `${base}/index.tsx`,
  ];
  const found = candidates.find((path) => path in tree);
  return found === undefined ? { kind: 'unresolved', name: base } : { kind: 'file', name: found };
}

function importViolations(modules: Module[]): Violation[] {
  const violations: Violation[] = [];
  for (const { path, imports } of modules) {
    const room = roomOf(path);
    for (const { specifier, line, typeOnly, typesInBraces, target } of imports) {
      const add = (rule: Rule, detail: string) => violations.push({ rule, file: path, line, detail });
      const named = target.kind === 'file' ? `'${specifier}' (${target.name})` : `'${specifier}'`;
      if (target.kind === 'unresolved') {
        add('unresolved import', `imports ${named}, which is no file of the repository`);
        continue;
      }
      const sandboxed =
        target.kind === 'file' ? roomOf(target.name) === 'workflows' : target.name === '@temporalio/workflow';
      if (room === 'workflows' && !typeOnly && !sandboxed) {
        add('workflow sandbox', `imports ${named} at runtime${typesInBraces ? ' (only `type` names: write `import type`)' : ''}`);
      }
      if (GATED_ROOMS.has(room) && !GATEWAY.has(path) && !typeOnly && target.kind === 'package' && target.name.startsWith('@temporalio/')) {
        add('gateway', `imports ${named} at runtime: start, update and query workflows through services/workflow-gateway.ts`);
      }
      const into = target.kind === 'file' ? roomOf(target.name) : undefined;
      if (into !== undefined && FORBIDDEN[room]?.includes(into)) {
        add('fence', `${room}/ imports ${into}/: ${named}${typeOnly ? ', type-only' : ''}`);
      }
    }
  }
  return violations;
}

function cycleViolations(modules: Module[]): Violation[] {
  const graph = new Map<string, string[]>();
  for (const { path, imports } of modules) {
    graph.set(path, imports.flatMap(({ target }) => (target.kind === 'file' && CODE.test(target.name) ? [target.name] : [])));
  }
  const violations: Violation[] = [];
  for (const component of stronglyConnected(graph)) {
    const start = [...component].sort()[0] ?? '';
    if (component.length === 1 && !graph.get(start)?.includes(start)) continue;
    const chain = shortestCycle(start, new Set(component), graph);
    const line = modules.find((m) => m.path === start)?.imports.find((i) => i.target.name === chain[1])?.line ?? 1;
    const tangled = component.length > chain.length - 1 ? `; ${component.length} files are tangled: ${[...component].sort().join(', ')}` : '';
    violations.push({ rule: 'cycle', file: start, line, detail: chain.join(' → ') + tangled });
  }
  return violations;
}

function shapeViolations(modules: Module[]): Violation[] {
  const violations: Violation[] = [];
  for (const { path, functions, onlyReexports, moduleState } of modules) {
    if (roomOf(path) === 'test') continue;
    for (const { name, line, lines } of functions) {
      if (lines > MAX_FUNCTION_LINES) {
        violations.push({ rule: 'function length', file: path, line, detail: `${name} spans ${lines} lines` });
      }
    }
    if (roomOf(path) === 'workflows' && !(path in SHARED_CACHES)) {
      for (const { line, name } of moduleState) violations.push({ rule: 'shared module state', file: path, line, detail: `${name} is module-level state every workflow would share` });
    }
    if (onlyReexports && path !== 'workflows/index.ts') {
      violations.push({ rule: 'barrel', file: path, line: 1, detail: 'only re-exports other modules: import them where they are' });
    }
  }
  return violations;
}

/** Tarjan's algorithm: the groups of files that all reach one another. */
function stronglyConnected(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const components: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) visit(next);
      if (stack.includes(next)) low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
    }
    if (low.get(node) !== index.get(node)) return;
    const component = stack.splice(stack.indexOf(node));
    components.push(component);
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return components;
}

/** Breadth-first, so the reported chain is as short as the cycle allows. */
function shortestCycle(start: string, members: Set<string>, graph: Map<string, string[]>): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (const node of queue) {
    for (const next of graph.get(node) ?? []) {
      if (next === start) {
        const chain = [node];
        while (chain[0] !== start) chain.unshift(cameFrom.get(chain[0] ?? '') ?? start);
        return [...chain, start];
      }
      if (members.has(next) && !cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

// ---- reading one module ----------------------------------------------------------------

/** Just enough of Babel's node shape to walk any tree without depending on @babel/types. */
interface AstNode {
  type: string;
  start?: number | null;
  end?: number | null;
  loc?: { start: { line: number }; end: { line: number } } | null;
  [key: string]: unknown;
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function child(node: AstNode, key: string): AstNode | undefined {
  const value = node[key];
  return isNode(value) ? value : undefined;
}

function readModule(path: string, source: string, tree: Tree): Module {
  const plugins: ParserPlugin[] = /\.[cm]?tsx?$/.test(path) ? ['typescript'] : [];
  // JSX only in .tsx/.jsx: in a .ts file `<T>(x: T) => x` is a generic arrow, not an element.
  if (/x$/.test(path)) plugins.push('jsx');
  let program: AstNode;
  try {
    // Comments are never read here; not attaching them to nodes makes parsing twice as fast.
    program = parse(source, { sourceType: 'module', plugins, attachComment: false }).program as unknown as AstNode;
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`, { cause: err });
  }
  const module: Module = { path, imports: [], functions: [], onlyReexports: onlyReexports(program), moduleState: moduleState(program) };
  walk(program, undefined, (node, parent) => {
    const found = importOf(node);
    if (found) module.imports.push({ ...found, target: resolveImport(path, found.specifier, tree) });
    if (FUNCTIONS.has(node.type)) {
      const line = node.loc?.start.line ?? 0;
      module.functions.push({ name: functionName(node, parent, source), line, lines: (node.loc?.end.line ?? 0) - line + 1 });
    }
  });
  return module;
}

function walk(node: AstNode, parent: AstNode | undefined, visit: (node: AstNode, parent: AstNode | undefined) => void) {
  visit(node, parent);
  for (const value of Object.values(node)) {
    for (const item of Array.isArray(value) ? value : [value]) if (isNode(item)) walk(item, node, visit);
  }
}

/** A string literal, a template without holes, or a TS literal type: what an import names. */
function literal(node: AstNode | undefined): string | undefined {
  if (node?.type === 'StringLiteral') return node.value as string;
  if (node?.type === 'TSLiteralType') return literal(child(node, 'literal'));
  if (node?.type === 'TemplateLiteral' && (node.expressions as unknown[]).length === 0) {
    const [quasi] = node.quasis as { value: { cooked: string } }[];
    return quasi?.value.cooked;
  }
  return undefined;
}

/** The module a node loads, if it is an import of any kind; `import(variable)` cannot be placed and is skipped. */
function importOf(node: AstNode): Omit<Import, 'target'> | undefined {
  const found = (specifier: string | undefined, typeOnly: boolean, typesInBraces = false) =>
    specifier === undefined ? undefined : { specifier, line: node.loc?.start.line ?? 0, typeOnly, typesInBraces };
  switch (node.type) {
    case 'ImportDeclaration': {
      const names = node.specifiers as AstNode[];
      const typesInBraces = names.length > 0 && names.every((name) => name.importKind === 'type');
      return found(literal(child(node, 'source')), node.importKind === 'type', typesInBraces);
    }
    case 'ExportAllDeclaration':
    case 'ExportNamedDeclaration':
      return found(literal(child(node, 'source')), node.exportKind === 'type');
    case 'TSImportEqualsDeclaration': {
      const reference = child(node, 'moduleReference');
      return reference?.type === 'TSExternalModuleReference'
        ? found(literal(child(reference, 'expression')), node.importKind === 'type')
        : undefined;
    }
    case 'CallExpression': // import('x'): Babel 7 parses it as a call whose callee is `Import`
      return child(node, 'callee')?.type === 'Import' ? found(literal((node.arguments as AstNode[])[0]), false) : undefined;
    case 'ImportExpression':
      return found(literal(child(node, 'source')), false);
    case 'TSImportType': // `type A = import('./x.js').B`
      return found(literal(child(node, 'argument')), true);
    default:
      return undefined;
  }
}

/** The module-level `let`/`var` declarations and `new Map()`-like containers not typed read-only. */
function moduleState(program: AstNode): { line: number; name: string }[] {
  const found: { line: number; name: string }[] = [];
  for (const statement of program.body as AstNode[]) {
    const declaration = statement.type === 'ExportNamedDeclaration' ? child(statement, 'declaration') : statement;
    if (declaration?.type !== 'VariableDeclaration') continue;
    for (const declarator of declaration.declarations as AstNode[]) {
      const id = child(declarator, 'id');
      const name = id?.type === 'Identifier' ? (id.name as string) : 'a destructured binding';
      const init = child(declarator, 'init');
      const container = init?.type === 'NewExpression' && MUTABLE_CONTAINERS.has(child(init, 'callee')?.name as string);
      const annotation = id && child(id, 'typeAnnotation');
      const type = annotation && child(annotation, 'typeAnnotation');
      const readOnly = READONLY_TYPES.has(String((type && child(type, 'typeName'))?.name));
      if (declaration.kind !== 'const' || (container && !readOnly)) found.push({ line: declarator.loc?.start.line ?? 0, name });
    }
  }
  return found;
}

/** A module of imports, `export … from`, `export { … }` lists and `export default name` only. */
function onlyReexports(program: AstNode): boolean {
  const body = program.body as AstNode[];
  const reexport = (s: AstNode) =>
    s.type === 'ExportAllDeclaration' ||
    (s.type === 'ExportNamedDeclaration' && s.declaration == null) ||
    (s.type === 'ExportDefaultDeclaration' && child(s, 'declaration')?.type === 'Identifier');
  return body.some(reexport) && body.every((s) => s.type === 'ImportDeclaration' || reexport(s));
}

function functionName(node: AstNode, parent: AstNode | undefined, source: string): string {
  const text = (n: AstNode | undefined) => source.slice(n?.start ?? 0, n?.end ?? 0).replace(/\s+/g, ' ').slice(0, 60);
  const id = child(node, 'id');
  if (id) return text(id);
  const key = child(node, 'key');
  if (key) return `${node.kind === 'get' || node.kind === 'set' ? `${node.kind} ` : ''}${text(key)}`;
  switch (parent?.type) {
    case 'VariableDeclarator':
      return text(child(parent, 'id'));
    case 'ObjectProperty':
    case 'ClassProperty':
    case 'ClassPrivateProperty':
      return text(child(parent, 'key'));
    case 'AssignmentExpression':
      return text(child(parent, 'left'));
    case 'CallExpression':
    case 'NewExpression':
      return `callback of ${text(child(parent, 'callee'))}`;
    case 'ExportDefaultDeclaration':
      return 'default export';
    default:
      return 'anonymous function';
  }
}
