/**
 * The OpenAPI document as outside tools read it: the generator's, with what every request's
 * checks refuse written into the request schemas, so that a request the document allows is one
 * the API takes (but for the business rules, 409 and 422). The generator writes what a route's
 * zod schema says of itself; two checks it does not write:
 *
 * - the door's storable-text rule (`api/door.ts`, `workflows/lib/text.ts`), which every JSON
 *   body, query and path passes: each free-text string, and the field names of an object that
 *   takes any, get `STORABLE_TEXT_PATTERN` (control characters; the document's description says
 *   the rest: no lone surrogate);
 * - zod's `int()`, which refuses numbers past JavaScript's safe integers: each integer gets
 *   those bounds where it has none of its own.
 *
 * Headers and multipart bodies are left as they are: the door reads neither (an upload's route
 * cleans its file's name). Response schemas change only where a request shares them (a profile
 * sent and read back), and what they gain is then true of what they answer.
 *
 * Then every operation gets its `operationId`, and each answer that names a thing its links to
 * the operations that take it (`withOperations`, `./document-links.ts`).
 */
import { STORABLE_TEXT_PATTERN } from '../workflows/lib/text.js';
import { withLinks } from './document-links.js';

type Schema = Record<string, unknown>;

const COMPONENT = '#/components/schemas/';
const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);
const hasType = (s: Schema, type: string) => s.type === type || (Array.isArray(s.type) && s.type.includes(type));

/** What the checks refuse, on one schema (not its children). */
function tighten(s: Schema): void {
  // The door reads an object's field names as text too (an offer's attributes, say).
  if (hasType(s, 'object') && isSchema(s.additionalProperties) && s.propertyNames === undefined) s.propertyNames = { pattern: STORABLE_TEXT_PATTERN };
  if (hasType(s, 'string') && s.enum === undefined && s.const === undefined && s.pattern === undefined && s.format === undefined) s.pattern = STORABLE_TEXT_PATTERN;
  if (hasType(s, 'integer')) {
    if (s.maximum === undefined && s.exclusiveMaximum === undefined) s.maximum = Number.MAX_SAFE_INTEGER;
    if (s.minimum === undefined && s.exclusiveMinimum === undefined) s.minimum = Number.MIN_SAFE_INTEGER;
  }
}

/** Tightens `schema` and everything in it, following `$ref`s into `components` once each. */
function tightenAll(schema: unknown, components: Record<string, Schema>, seen: Set<string>): void {
  if (Array.isArray(schema)) {
    for (const item of schema) tightenAll(item, components, seen);
    return;
  }
  if (!isSchema(schema)) return;
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith(COMPONENT) && !seen.has(ref)) {
    seen.add(ref);
    tightenAll(components[ref.slice(COMPONENT.length)], components, seen);
  }
  tighten(schema);
  if (isSchema(schema.properties)) for (const sub of Object.values(schema.properties)) tightenAll(sub, components, seen);
  // The keywords the generator writes; not into `not`: a check written there would turn into its opposite.
  for (const key of ['items', 'additionalProperties', 'anyOf', 'oneOf']) tightenAll(schema[key], components, seen);
}

/** The request schemas of one operation: its path and query parameters and its JSON body. */
function requestSchemas(operation: Schema): unknown[] {
  const parameters = Array.isArray(operation.parameters) ? operation.parameters.filter(isSchema) : [];
  const body = isSchema(operation.requestBody) && isSchema(operation.requestBody.content) ? operation.requestBody.content : {};
  return [
    ...parameters.filter((p) => p.in === 'path' || p.in === 'query').map((p) => p.schema),
    ...Object.entries(body)
      .filter(([type]) => type === 'application/json')
      .map(([, media]) => (isSchema(media) ? media.schema : undefined)),
  ];
}

/** `document` (the generator's, changed in place and returned) with the checks written in. */
export function withRequestChecks<D extends { paths?: object; components?: object }>(document: D): D {
  const schemas = isSchema(document.components) ? document.components.schemas : undefined;
  const components = (isSchema(schemas) ? schemas : {}) as Record<string, Schema>;
  const seen = new Set<string>();
  for (const item of Object.values(document.paths ?? {}) as unknown[]) {
    if (!isSchema(item)) continue;
    for (const operation of Object.values(item)) {
      if (isSchema(operation)) for (const schema of requestSchemas(operation)) tightenAll(schema, components, seen);
    }
  }
  return document;
}

/**
 * An operation's id, made of its method and path, so that it is stable and unique with them:
 * `GET /jobs/{id}` is `getJobsById`, `POST /staff/attention/{workflowId}/resolve`
 * `postStaffAttentionByWorkflowIdResolve`. Code generators name their methods after it.
 */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((segment) => segment !== '')
    .flatMap((segment) => (segment.startsWith('{') ? ['by', ...segment.slice(1, -1).split(/[-_]/)] : segment.split(/[-_]/)));
  return method.toLowerCase() + words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');
}

/**
 * Every operation's `operationId` (`operationIdOf`), and OpenAPI links from each answer that
 * names a thing to the operations that take it (`withLinks`): so a client's tools (a stateful
 * test generator, a code generator) can follow an order, a job, a request or a withdrawal from
 * its creation or a list of them.
 */
export function withOperations<D extends { paths?: object; components?: object }>(document: D): D {
  const paths = (document.paths ?? {}) as Record<string, Record<string, Schema>>;
  for (const [path, item] of Object.entries(paths)) for (const [method, operation] of Object.entries(item)) operation.operationId ??= operationIdOf(method, path);
  return withLinks(document);
}
