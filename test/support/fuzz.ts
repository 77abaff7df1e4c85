/**
 * Requests generated from the OpenAPI document, for the contract's fuzz test: fast-check
 * arbitraries built from each operation's JSON Schemas (path, query and header parameters, the
 * body), valid by the document, and invalid ones made from a valid one by breaking exactly one
 * part of it in a way the document (or the storable-text rule it states) refuses.
 *
 * Only what the document uses is understood: `$ref` into `components.schemas`, `type` (one or
 * several), `enum`, `const`, `anyOf`/`oneOf`, objects with `properties`, `required` and
 * `additionalProperties`, arrays with `items` and their bounds, strings with bounds, `pattern`
 * and the `email`/`uri`/`date-time` formats, integers (with `multipleOf`) and numbers with bounds. A
 * `multipart/form-data` body (an upload) is one `file` part of random bytes.
 */
import fc from 'fast-check';
import { wholeNumber } from '../../api/whole-number.js';
import { forbiddenCharacter, STORABLE_TEXT_PATTERN, trimmedTextPattern } from '../../workflows/lib/text.js';

type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Schema;
}

export interface Operation {
  method: string;
  template: string;
  parameters: Parameter[];
  body?: { required: boolean; schema: Schema };
  /** The body is `multipart/form-data`: one `file` part. */
  multipart?: boolean;
  access: string;
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The raw body: JSON text, or anything else an invalid request sends. */
  body?: string;
  /** For an invalid request: what was broken. */
  broken?: string;
}

/** Values a path parameter should often take, so that requests reach existing resources. */
export type Pools = (template: string, name: string) => readonly string[];

const MAX_STRING = 24;
const TEXT = fc.oneof({ weight: 4, arbitrary: fc.constant('grapheme-ascii' as const) }, { weight: 1, arbitrary: fc.constant('grapheme' as const) });

/** Arbitraries of values valid by the schemas of one document. */
export class SchemaValues {
  constructor(private readonly schemas: Record<string, Schema>) {}

  resolve(schema: Schema): Schema {
    let s = schema;
    while (typeof s.$ref === 'string') s = this.schemas[s.$ref.replace('#/components/schemas/', '')]!;
    return s;
  }

  valid(schema: Schema): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    if ('const' in s) return fc.constant(s.const);
    if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
    const branches = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
    if (branches) return fc.oneof(...branches.map((branch) => this.valid(branch)));
    const types: string[] = Array.isArray(s.type) ? s.type : [s.type ?? (s.properties ? 'object' : 'string')];
    if (types.length > 1) return fc.oneof(...types.map((type) => this.valid({ ...s, type })));
    return this.#ofType(types[0]!, s);
  }

  #ofType(type: string, s: Schema): fc.Arbitrary<unknown> {
    switch (type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer': {
        const step = typeof s.multipleOf === 'number' ? s.multipleOf : 1;
        return fc.integer({ min: Math.ceil(lowerBound(s) / step), max: Math.floor(upperBound(s) / step) }).map((n) => n * step);
      }
      case 'number':
        return fc.double({ min: lowerBound(s), max: upperBound(s), noNaN: true });
      case 'array':
        return fc.array(this.valid(s.items ?? {}), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 3, (s.minItems ?? 0) + 3) });
      case 'object':
        return this.#object(s);
      default:
        return stringOf(s);
    }
  }

  #object(s: Schema): fc.Arbitrary<unknown> {
    const properties = Object.entries((s.properties ?? {}) as Record<string, Schema>);
    const record = fc.record(Object.fromEntries(properties.map(([name, sub]) => [name, this.valid(sub)])), { requiredKeys: (s.required ?? []) as string[] });
    const extra = s.additionalProperties;
    if (!extra || typeof extra !== 'object' || Object.keys(extra).length === 0) return record;
    const more = fc.dictionary(fc.stringMatching(/^[a-z_]{1,12}$/), this.valid(extra), { maxKeys: 3 });
    return fc.tuple(more, record).map(([a, b]) => ({ ...a, ...(b as object) }));
  }
}

const lowerBound = (s: Schema) => Math.max(typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : (s.minimum ?? -1_000_000), Number.MIN_SAFE_INTEGER);
const upperBound = (s: Schema) => Math.min(typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum - 1 : (s.maximum ?? 1_000_000_000), Number.MAX_SAFE_INTEGER);

function stringOf(s: Schema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? Math.max(min, MAX_STRING);
  const fits = (text: string) => text.length >= min && text.length <= max;
  const pattern = typeof s.pattern === 'string' ? new RegExp(s.pattern) : null;
  // A format's values that its pattern takes too: the document gives an email, a web address and a
  // moment the API's own reading as a pattern, stricter than the format (services/email-address.ts…).
  const alsoPattern = (text: string) => pattern?.test(text) ?? true;
  if (s.format === 'email') return fc.emailAddress().filter((email) => fits(email) && alsoPattern(email));
  if (s.format === 'uri') return fc.webUrl().filter((url) => fits(url) && alsoPattern(url));
  if (s.format === 'date-time') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()).filter(alsoPattern);
  const text = TEXT.chain((unit) => fc.string({ unit, minLength: min, maxLength: Math.min(max, min + MAX_STRING) }));
  // Free text (the door's rule as a pattern, and `Text`'s trimmed bound): any text of the bounds
  // that the rule takes. Built from the pattern instead, fast-check draws long runs of unlikely
  // characters, then filters.
  if (s.pattern === STORABLE_TEXT_PATTERN) return text.filter((t) => forbiddenCharacter(t) === null);
  if (s.pattern === trimmedTextPattern(min)) return text.filter((t) => forbiddenCharacter(t) === null && pattern!.test(t));
  if (pattern) return fc.stringMatching(pattern).filter(fits);
  return text;
}

/** A parameter's value as it travels in a URL or header. */
const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** Builds valid and invalid requests for operations of one document. */
export class RequestGenerator {
  readonly values: SchemaValues;

  constructor(
    schemas: Record<string, Schema>,
    private readonly pools: Pools,
  ) {
    this.values = new SchemaValues(schemas);
  }

  valid(op: Operation): fc.Arbitrary<FuzzRequest> {
    const params = op.parameters.map((p) => this.#parameter(op, p));
    const body = op.multipart ? multipartBody() : op.body ? this.values.valid(op.body.schema).map((value) => JSON.stringify(value)) : fc.constant(undefined);
    return fc.tuple(fc.tuple(...params), body).map(([values, text]) => {
      let path = op.template;
      const query = new URLSearchParams();
      const headers: Record<string, string> = {};
      op.parameters.forEach((p, i) => {
        const value = values[i];
        if (value === undefined) return;
        if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(asText(value)));
        else if (p.in === 'header') headers[p.name] = asText(value);
        else for (const item of Array.isArray(value) ? value : [value]) query.append(p.name, asText(item));
      });
      if (text !== undefined) headers['content-type'] = op.multipart ? `multipart/form-data; boundary=${BOUNDARY}` : 'application/json';
      const search = query.toString();
      return { method: op.method.toUpperCase(), path: search ? `${path}?${search}` : path, headers, body: text };
    });
  }

  #parameter(op: Operation, p: Parameter): fc.Arbitrary<unknown> {
    // Header values are bytes without controls: a key of letters, digits and dashes.
    const generated = p.in === 'header' ? fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/) : this.values.valid(p.schema);
    const pool = p.in === 'path' ? this.pools(op.template, p.name) : [];
    const chosen = pool.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: generated }) : generated;
    const value = p.in !== 'header' && this.values.resolve(p.schema).type === 'integer' ? fc.tuple(chosen, fc.constantFrom(...INTEGER_FORMS)).map(([n, form]) => form(n as number)) : chosen;
    return p.required ? value : fc.option(value, { nil: undefined });
  }
}

/** An integer parameter as the document's readers may write it (JSON Schema's integer: api/whole-number.ts), Schemathesis's `1.0` among them. */
const INTEGER_FORMS: ((n: number) => string)[] = [(n) => String(n), (n) => `${n}.0`, (n) => `${n}e0`, (n) => `${n}0e-1`];

const BOUNDARY = 'fuzz-boundary-7e3';

/** One `file` part of random text under `BOUNDARY` (a file of no allowed format, mostly: refused, 415). */
function multipartBody(): fc.Arbitrary<string> {
  return fc
    .tuple(fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/), fc.string({ unit: 'grapheme-ascii', maxLength: 64 }))
    .map(([name, content]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n${content}\r\n--${BOUNDARY}--\r\n`);
}

/** A value of a kind no schema of the document accepts where another kind is expected. */
const WRONG_KINDS: unknown[] = [{ fuzz: [] }, [], 'text', 12.5, -1, true, null];
/** Path and query values the document's parameters refuse: never an integer (`7.0` is one), never a login, never an enum value. */
const BAD_PARAMETERS = ['7.5', 'abc', '-1', ' 7', '0x10', '%00'];
const NUL_TEXT = 'fuzz\u0000text';

/**
 * The ways `op`'s requests can be broken. Each makes a request the document refuses: no body
 * where one is required, a body not in JSON or not parsing, one that breaks the body's schema
 * (checked with `accepts`, so that a mutation the schema happens to allow is not called invalid),
 * text no field may store (a NUL), a body over the size limit, a parameter out of its schema,
 * a required header left out.
 */
export function breakages(op: Operation): string[] {
  // A GET carries no body at all (a Request refuses to make one).
  const ways = op.method === 'get' ? ['unstorable-query'] : ['unstorable-query', 'text-body'];
  if (op.body) ways.push('malformed-json', 'not-an-object', 'missing-field', 'unknown-field', 'wrong-type', 'unstorable-body', 'too-large');
  if (op.body?.required || op.multipart) ways.push('no-body');
  if (op.multipart) ways.push('bad-boundary');
  if (op.parameters.some((p) => p.in === 'path')) ways.push('bad-path-parameter');
  if (op.parameters.some((p) => p.in === 'query')) ways.push('bad-query-parameter');
  if (op.parameters.some((p) => p.in === 'header' && p.required)) ways.push('missing-header');
  return ways;
}

/** `request` (valid) broken the `way` named, choosing among fields by `pick`; null when this request cannot be broken so. */
export function breakRequest(op: Operation, request: FuzzRequest, way: string, pick: number, accepts: (body: unknown) => boolean): FuzzRequest | null {
  const json = (body: unknown) => ({ ...request, headers: { ...request.headers, 'content-type': 'application/json' }, body: JSON.stringify(body), broken: way });
  const body = request.body === undefined || op.multipart ? undefined : (JSON.parse(request.body) as unknown);
  const choose = <T>(items: T[]) => items[pick % items.length]!;
  switch (way) {
    case 'unstorable-query':
      return { ...request, path: `${request.path}${request.path.includes('?') ? '&' : '?'}fuzz=${encodeURIComponent(NUL_TEXT)}`, broken: way };
    case 'text-body':
      return { ...request, headers: { ...request.headers, 'content-type': 'text/plain' }, body: 'fuzz', broken: way };
    case 'malformed-json':
      return { ...request, headers: { ...request.headers, 'content-type': 'application/json' }, body: '{"fuzz": ', broken: way };
    case 'bad-boundary':
      return { ...request, headers: { ...request.headers, 'content-type': 'multipart/form-data; boundary=not-the-one' }, broken: way };
    case 'no-body': {
      const { 'content-type': _, ...headers } = request.headers;
      return { ...request, headers, body: undefined, broken: way };
    }
    case 'too-large':
      return { ...request, headers: { ...request.headers, 'content-type': 'application/json' }, body: JSON.stringify({ fuzz: 'x'.repeat(70 * 1024) }), broken: way };
    case 'not-an-object':
      return invalidBody(choose(WRONG_KINDS.filter((v) => v === null || typeof v !== 'object' || Array.isArray(v))), accepts, json);
    case 'missing-field':
    case 'unknown-field':
    case 'wrong-type':
    case 'unstorable-body':
      return breakField(body, way, pick, accepts, json);
    case 'bad-path-parameter':
    case 'bad-query-parameter':
      return breakParameter(op, request, way, pick);
    case 'missing-header': {
      const header = op.parameters.find((p) => p.in === 'header' && p.required)!.name;
      const { [header]: _, ...headers } = request.headers;
      return { ...request, headers, broken: way };
    }
    default:
      throw new Error(`no such way to break a request: ${way}`);
  }
}

function invalidBody(body: unknown, accepts: (body: unknown) => boolean, json: (body: unknown) => FuzzRequest): FuzzRequest | null {
  return accepts(body) ? null : json(body);
}

/** One top-level field of an object body removed, added, retyped or given a NUL. */
function breakField(body: unknown, way: string, pick: number, accepts: (body: unknown) => boolean, json: (body: unknown) => FuzzRequest): FuzzRequest | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const fields = Object.keys(body);
  const field = fields[pick % Math.max(fields.length, 1)];
  const copy: Record<string, unknown> = { ...body };
  if (way === 'unknown-field') copy.fuzzUnknownField = 1;
  else if (field === undefined) return null;
  else if (way === 'missing-field') delete copy[field];
  else if (way === 'wrong-type') copy[field] = WRONG_KINDS[pick % WRONG_KINDS.length];
  else {
    // The storable-text rule refuses it wherever it is; the schema need not say so.
    if (typeof copy[field] !== 'string') return null;
    copy[field] = NUL_TEXT;
    return json(copy);
  }
  return invalidBody(copy, accepts, json);
}

/** One path or query parameter given a value its schema refuses. */
function breakParameter(op: Operation, request: FuzzRequest, way: string, pick: number): FuzzRequest | null {
  const where = way === 'bad-path-parameter' ? 'path' : 'query';
  const candidates = op.parameters.filter((p) => p.in === where && refuses(p.schema, BAD_PARAMETERS[pick % BAD_PARAMETERS.length]!));
  const param = candidates[pick % Math.max(candidates.length, 1)];
  if (!param) return null;
  const bad = BAD_PARAMETERS[pick % BAD_PARAMETERS.length]!;
  const encoded = bad === '%00' ? bad : encodeURIComponent(bad);
  const [pathname, search = ''] = request.path.split('?');
  if (where === 'path') {
    // The valid request filled the template in order: find the segment that holds this parameter.
    const segments = op.template.split('/');
    const parts = pathname!.split('/');
    parts[segments.indexOf(`{${param.name}}`)] = encoded;
    return { ...request, path: `${parts.join('/')}${search ? `?${search}` : ''}`, broken: `${way} ${param.name}=${bad}` };
  }
  const query = new URLSearchParams(search);
  query.delete(param.name);
  const rest = query.toString();
  return { ...request, path: `${pathname}?${rest ? `${rest}&` : ''}${param.name}=${encoded}`, broken: `${way} ${param.name}=${bad}` };
}

/** Whether a parameter of `schema` refuses `value` as sent in a URL (a NUL is refused by every one). */
function refuses(schema: Schema, value: string): boolean {
  if (value === '%00') return true;
  const s = schema.type === 'array' ? (schema.items as Schema) : schema;
  if (s.type === 'integer') {
    // JSON Schema's integer: a JSON number with no fraction (api/whole-number.ts), within its bounds.
    const read = wholeNumber(value);
    if (!('value' in read)) return true;
    return (typeof s.minimum === 'number' && read.value < BigInt(s.minimum)) || (typeof s.maximum === 'number' && read.value > BigInt(s.maximum));
  }
  if (Array.isArray(s.enum)) return !s.enum.includes(value);
  if (typeof s.pattern === 'string') return !new RegExp(s.pattern).test(value);
  return false;
}
