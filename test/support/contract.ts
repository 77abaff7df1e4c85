/**
 * The API's contract, checked on every response the suite sees (issue 13, part 3): each answer
 * of the in-process app is held to the OpenAPI document that same app serves at `/openapi.json`.
 *
 * - The operation is found by method and path template (`/orders/{id}`); a path no template
 *   matches may only answer 404 (or 413, the size limit every request passes), a known path with
 *   a method it does not take only 405 with `Allow` naming the methods it does take.
 * - The status must be one the operation documents.
 * - The body must validate against that response's schema (JSON Schema 2020-12, the dialect of
 *   OpenAPI 3.1, by Ajv with its formats), and a response documented without content must have
 *   none. A response documented only with other media types (a file's download) must have one
 *   of those content types.
 * - Objects are exact: an object schema that does not say what other properties it allows (a
 *   `z.object` in the routes) is checked as allowing none, so a field the code adds without
 *   declaring it fails here. The document itself leaves clients free to ignore new fields; a
 *   schema that means to be open says so (`additionalProperties`).
 *
 * `/openapi.json` and the Swagger UI under `/docs` are the document's own carriers, not
 * operations of it: they are only held to answer without a 5xx.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import type { App } from '../../api/app.js';

// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

type Schema = Record<string, unknown>;

interface ResponseObject {
  description: string;
  content?: Record<string, { schema: Schema }>;
  headers?: Record<string, unknown>;
}

interface OperationObject {
  responses: Record<string, ResponseObject>;
  parameters?: { name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema: Schema }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  'x-access'?: string;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas?: Record<string, Schema>; responses?: Record<string, ResponseObject> };
}

/** What one response was: enough to check it against the document. */
export interface Exchange {
  method: string;
  /** The request's path, with its query if any. */
  path: string;
  status: number;
  headers: Headers;
  /** The body as text ('' when none). */
  body: string;
}

/** Where an exchange lands in the document. */
export type Located =
  | { kind: 'operation'; template: string; method: string; operation: OperationObject }
  | { kind: 'method_not_allowed'; allowed: string[] }
  | { kind: 'unknown_path' }
  | { kind: 'carrier' };

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
/** Served beside the document, not described by it. */
const CARRIERS = [/^\/openapi\.json$/, /^\/docs$/, /^\/docs\/assets\/[^/]*$/];
/** The id the served document's components are known by; a response's `$ref`s are rebased onto it. */
const DOCUMENT_ID = 'https://gigflow.test/openapi.json';
/** The answer any request may get before routing, whatever its path: the body size limit. */
const BEFORE_ROUTING = ['413'];

/**
 * A copy of `schema` in which every object schema that lists properties without saying what
 * other properties it allows allows none. `allOf` would make each part refuse the others'
 * properties, so the document must have none: it is refused here, with the place.
 */
function closeObjects(schema: unknown, at: string): unknown {
  if (Array.isArray(schema)) return schema.map((item, i) => closeObjects(item, `${at}/${i}`));
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'allOf') throw new Error(`the document uses allOf at ${at}: build the schema as one object, so that it can be exact`);
    // `properties` maps names to schemas: the names themselves are not keywords.
    copy[key] =
      key === 'properties' && value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, closeObjects(sub, `${at}/properties/${name}`)]))
        : closeObjects(value, `${at}/${key}`);
  }
  if ('properties' in copy && !('additionalProperties' in copy) && !('patternProperties' in copy)) copy.additionalProperties = false;
  return copy;
}

function templatePattern(template: string): RegExp {
  const escaped = template.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}/]+\}/g, '[^/]+');
  return new RegExp(`^${escaped}$`);
}

const staticSegments = (template: string) => template.split('/').filter((s) => s && !s.startsWith('{')).length;

/** One served document, compiled: locate an exchange in it and check the exchange. */
export class Contract {
  readonly document: OpenApiDocument;
  readonly #ajv: InstanceType<typeof Ajv2020>;
  readonly #validators = new Map<string, ValidateFunction>();
  readonly #templates: { template: string; pattern: RegExp; methods: string[] }[];

  constructor(document: OpenApiDocument) {
    this.document = document;
    this.#ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(this.#ajv);
    this.#ajv.addSchema({ $id: DOCUMENT_ID, components: closeObjects(document.components, '#/components') } as Schema);
    this.#templates = Object.entries(document.paths).map(([template, item]) => ({
      template,
      pattern: templatePattern(template),
      methods: Object.keys(item).filter((m) => HTTP_METHODS.includes(m)),
    }));
  }

  /** The operation (or the non-operation answer) a request of `method` to `path` reaches. */
  locate(method: string, path: string): Located {
    const pathname = path.split('?')[0]!;
    if (CARRIERS.some((carrier) => carrier.test(pathname))) return { kind: 'carrier' };
    const lower = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
    const templates = this.#templates.filter((t) => t.pattern.test(pathname));
    // OpenAPI matches a concrete path before the templates that also match it.
    const concrete = templates.filter((t) => !t.template.includes('{'));
    const matching = concrete.length > 0 ? concrete : templates;
    if (matching.length === 0) return { kind: 'unknown_path' };
    const taking = matching.filter((t) => t.methods.includes(lower)).sort((a, b) => staticSegments(b.template) - staticSegments(a.template));
    const chosen = taking[0];
    if (!chosen) {
      const allowed = new Set(matching.flatMap((t) => t.methods.map((m) => m.toUpperCase())));
      if (allowed.has('GET')) allowed.add('HEAD');
      return { kind: 'method_not_allowed', allowed: [...allowed].sort() };
    }
    return { kind: 'operation', template: chosen.template, method: lower, operation: this.document.paths[chosen.template]![lower]! };
  }

  /** Every operation of the document, with what a request to it carries. */
  operations() {
    return this.#templates.flatMap(({ template, methods }) =>
      methods.map((method) => {
        const op = this.document.paths[template]![method]!;
        const body = op.requestBody?.content['application/json']?.schema;
        return {
          method,
          template,
          parameters: op.parameters ?? [],
          ...(body ? { body: { required: op.requestBody?.required === true, schema: body } } : {}),
          ...(op.requestBody?.content['multipart/form-data'] ? { multipart: true } : {}),
          access: op['x-access'] ?? 'undeclared',
        };
      }),
    );
  }

  /** Whether `body` is valid by the request body schema of `method` `template`. */
  acceptsBody(method: string, template: string, body: unknown): boolean {
    const schema = this.document.paths[template]![method]!.requestBody!.content['application/json']!.schema;
    return this.#validatorFor(`request:${method} ${template}`, schema)(body) === true;
  }

  /** Every way `exchange` breaks the document; empty when it conforms. */
  problems(exchange: Exchange): string[] {
    const located = this.locate(exchange.method, exchange.path);
    if (located.kind === 'carrier') return exchange.status >= 500 ? [`${exchange.status} from a document carrier`] : [];
    if (located.kind === 'operation') {
      const status = String(exchange.status);
      const response = located.operation.responses[status] ?? located.operation.responses.default;
      if (!response) {
        return [`${located.method.toUpperCase()} ${located.template} does not document ${status} (it documents ${Object.keys(located.operation.responses).join(', ')})`];
      }
      const pointer = `paths/${pointerEscape(located.template)}/${located.method}/responses/${located.operation.responses[status] ? status : 'default'}`;
      return this.#checkBody(exchange, response, pointer);
    }
    const responses = this.document.components.responses ?? {};
    const error = { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    if (BEFORE_ROUTING.includes(String(exchange.status))) return this.#checkBody(exchange, error, 'components/schemas/Error');
    if (located.kind === 'unknown_path') {
      if (exchange.status !== 404) return [`a path the document does not have answered ${exchange.status}, not 404`];
      return this.#checkBody(exchange, responses.UnknownPath ?? error, 'components/responses/UnknownPath');
    }
    if (exchange.status !== 405) return [`${exchange.method} is not documented for this path (${located.allowed.join(', ')}), yet it answered ${exchange.status}, not 405`];
    const allow = exchange.headers.get('allow');
    const problems = allow === located.allowed.join(', ') ? [] : [`405 with Allow ${JSON.stringify(allow)}, not ${JSON.stringify(located.allowed.join(', '))}`];
    return [...problems, ...this.#checkBody(exchange, responses.MethodNotAllowed ?? error, 'components/responses/MethodNotAllowed')];
  }

  #checkBody(exchange: Exchange, response: ResponseObject, pointer: string): string[] {
    const head = exchange.method.toUpperCase() === 'HEAD';
    const media = response.content?.['application/json'];
    const type = exchange.headers.get('content-type') ?? '';
    if (!media && response.content) {
      // A file (a download): its content type must be one the response documents; its bytes are its own.
      const documented = Object.keys(response.content);
      return documented.includes(type.split(';')[0]!.trim()) ? [] : [`${exchange.status} should be one of ${documented.join(', ')}, not ${JSON.stringify(type)}`];
    }
    if (!media) return exchange.body === '' ? [] : [`${exchange.status} is documented without a body, yet it has one: ${exchange.body.slice(0, 200)}`];
    if (head) return [];
    if (!/^application\/json\b/.test(type)) return [`${exchange.status} should be application/json, not ${JSON.stringify(type)}`];
    let body: unknown;
    try {
      body = JSON.parse(exchange.body);
    } catch {
      return [`${exchange.status} body is not JSON: ${exchange.body.slice(0, 200)}`];
    }
    const validate = this.#validatorFor(pointer, media.schema);
    if (validate(body)) return refusalRules(exchange.status, body);
    return (validate.errors ?? []).map((e) => `${exchange.status} body${e.instancePath || ''} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
  }

  #validatorFor(pointer: string, schema: Schema): ValidateFunction {
    let validate = this.#validators.get(pointer);
    if (!validate) {
      // Schemas refer to `#/components/schemas/…`: rebased onto the document's components.
      validate = this.#ajv.compile(rebase(closeObjects(schema, pointer)) as Schema);
      this.#validators.set(pointer, validate);
    }
    return validate;
  }
}

/**
 * What the README promises of a refusal beyond its schema: a 400 `invalid_input` names each
 * refused field in `details.fields`, and the message starts with the first one's path.
 */
function refusalRules(status: number, body: unknown): string[] {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: { fields?: { path: string }[] } } } | null)?.error;
  if (!error || typeof error.message !== 'string') return [];
  const fields = error.details?.fields;
  if (status === 400 && error.code === 'invalid_input' && !fields) return [`400 invalid_input without details.fields: ${error.message}`];
  if (fields && !error.message.startsWith(`${fields[0]!.path}: `)) return [`${status} ${String(error.code)}: the message does not start with ${fields[0]!.path}: ${error.message}`];
  return [];
}

function rebase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rebase);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, key === '$ref' && typeof item === 'string' && item.startsWith('#/') ? `${DOCUMENT_ID}${item}` : rebase(item)]),
  );
}

const pointerEscape = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

/** Thrown by a checked app: the response, the request that got it, and what is wrong. */
export class ContractViolation extends Error {
  constructor(exchange: Exchange, problems: string[]) {
    super(`${exchange.method} ${exchange.path} → ${exchange.status} breaks /openapi.json:\n  ${problems.join('\n  ')}\n  body: ${exchange.body.slice(0, 500)}`);
    this.name = 'ContractViolation';
  }
}

type RequestFn = App['request'];

/** The method and path of whatever `app.request` was given. */
function requestLine(input: Parameters<RequestFn>[0], init: Parameters<RequestFn>[1]): { method: string; path: string } {
  if (input instanceof Request) {
    const url = new URL(input.url);
    return { method: init?.method ?? input.method, path: url.pathname + url.search };
  }
  const text = String(input);
  const path = /^https?:\/\//.test(text) ? ((u) => u.pathname + u.search)(new URL(text)) : text;
  return { method: init?.method ?? 'GET', path };
}

const contracts = new WeakMap<App, { routes: number; contract: Contract }>();
const checked = new WeakSet<App>();

/**
 * The contract `app` serves now. Tests may add routes to an app (the API base's own test does):
 * the document is read again when the app's registry has grown.
 */
export async function contractOf(app: App, request: RequestFn = app.request): Promise<Contract> {
  const routes = app.openAPIRegistry.definitions.length;
  const known = contracts.get(app);
  if (known && known.routes === routes) return known.contract;
  const contract = new Contract((await (await request('/openapi.json')).json()) as OpenApiDocument);
  contracts.set(app, { routes, contract });
  return contract;
}

/**
 * Makes every `app.request` (and so every caller built on it) check its response against the
 * document the app serves: a response that breaks it throws a `ContractViolation` at the call.
 */
export function checkedByContract(app: App): App {
  if (checked.has(app)) return app;
  checked.add(app);
  const request = app.request;
  app.request = (async (input, init, env, executionCtx) => {
    const res = await request(input, init, env, executionCtx);
    const { method, path } = requestLine(input, init);
    const contract = await contractOf(app, request);
    const exchange: Exchange = { method, path, status: res.status, headers: res.headers, body: await res.clone().text() };
    const problems = contract.problems(exchange);
    if (problems.length > 0) throw new ContractViolation(exchange, problems);
    return res;
  }) as RequestFn;
  return app;
}
