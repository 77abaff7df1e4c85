/**
 * OpenAPI `links` (see `withLinks`): which answers name a thing that which operations take, so
 * that a client's tools — a stateful test generator above all — can chain real requests instead
 * of guessing ids that only reach 404.
 *
 * A thing is named by its collection: `/orders`, `/offers`, `/withdrawals`… A path's collection
 * is its last segment before a `{parameter}` (or its end), without the prefix of the caller's or
 * staff's view of it: `/me/invoices`, `/staff/withdrawals`, `/arbitration/orders/{id}/take` and
 * `/me/cart/{id}` are of `/invoices`, `/withdrawals`, `/orders` and `/cart`. Its noun is the
 * collection's name, singular and camel-cased: `offer`, `topUp`, `individualOffer`.
 *
 * Where an answer names a thing:
 * - a creation (`POST` on a collection), its id field: `id`, else `<noun>Id` (`orderId`);
 * - else a list (`GET` on a collection, or a `POST` answering one, as adding to the cart answers the
 *   cart), its first item's `id` (a tree's, the categories', its first item's first child's);
 * - and, in either, every other field `<noun>Id` of a collection (`offerId` of a cart line, the
 *   moderation queue's `offerId`, a standing's `userId`).
 *
 * Which operations take it:
 * - those on `<collection>/{id}…`, staff's too, whose only path parameter is that id;
 * - those whose only path parameter is `{<noun>Id}` (`/me/favorites/{offerId}`);
 * - those on a path without parameters whose JSON body has a field `<noun>Id`
 *   (`POST /me/cart`'s `offerId`): the link's `requestBody` fills that field.
 */
type Schema = Record<string, unknown>;
type Paths = Record<string, Record<string, Schema>>;

const COMPONENT = '#/components/schemas/';
const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);
const hasType = (s: Schema, type: string) => s.type === type || (Array.isArray(s.type) && s.type.includes(type));
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** The caller's and staff's views of a collection: `/me/invoices` is of `/invoices`. */
const VIEW_PREFIX = /^\/(me|staff|admin|arbitration|moderation|expert)(?=\/)/;

/** `/offers` → `offer`, `/top-ups` → `topUp`, `/categories` → `category`. */
export function nounOf(collection: string): string {
  const name = collection.split('/').pop() ?? '';
  return name
    .replace(/ies$/, 'y')
    .replace(/s$/, '')
    .replace(/-(.)/g, (_, c: string) => c.toUpperCase());
}

/** A path's collection and, when it names one thing, that thing's parameter: `/staff/withdrawals/{id}/hold` → `/withdrawals`, `id`. */
function collectionOf(path: string): { collection: string; parameter?: string } {
  const bare = path.replace(VIEW_PREFIX, '');
  const at = bare.indexOf('/{');
  if (at < 0) return { collection: bare };
  return { collection: bare.slice(0, at), parameter: bare.slice(at + 2, bare.indexOf('}', at)) };
}

const parametersOf = (path: string) => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

class Components {
  constructor(private readonly schemas: Record<string, Schema>) {}
  resolve(schema: unknown): Schema | undefined {
    if (!isSchema(schema)) return undefined;
    return typeof schema.$ref === 'string' && schema.$ref.startsWith(COMPONENT) ? this.schemas[schema.$ref.slice(COMPONENT.length)] : schema;
  }
  properties(schema: unknown): Schema {
    const resolved = this.resolve(schema);
    return resolved && isSchema(resolved.properties) ? resolved.properties : {};
  }
  /** An id a link can pass on: an integer or a string, never null (a link to `/orders/null` reaches nothing). */
  isId(schema: unknown): boolean {
    const resolved = this.resolve(schema);
    return resolved !== undefined && (resolved.type === 'integer' || resolved.type === 'string');
  }
}

/** A field of an answer that names a thing of `collection`, as a runtime expression. */
type Naming = { collection: string; pointer: string };

/** What an answer of `method path` names (see the module's header). */
function namingsOf(method: string, path: string, schema: unknown, collections: Set<string>, components: Components): Naming[] {
  if (path.includes('{') || (method !== 'get' && method !== 'post')) return [];
  const { collection } = collectionOf(path);
  const resolved = components.resolve(schema);
  if (resolved === undefined) return [];
  const fieldsOf = (object: unknown, at: string, own: string | undefined): Naming[] => {
    const properties = components.properties(object);
    const named = Object.keys(properties)
      .filter((name) => name !== own && name.endsWith('Id') && components.isId(properties[name]))
      .flatMap((name) => [...collections].filter((c) => nounOf(c) === name.slice(0, -2)).map((c) => ({ collection: c, pointer: `${at}/${name}` })));
    return own === undefined ? named : [{ collection, pointer: `${at}/${own}` }, ...named];
  };
  const ownId = (object: unknown, candidates: string[]) => candidates.find((name) => components.isId(components.properties(object)[name]));
  const creationId = method === 'post' ? ownId(resolved, ['id', `${nounOf(collection)}Id`]) : undefined;
  if (creationId !== undefined) return fieldsOf(resolved, '', creationId);
  const listed = hasType(resolved, 'array') ? { items: resolved.items, at: '/0' } : { items: components.resolve(components.properties(resolved).items)?.items, at: '/items/0' };
  if (listed.items === undefined) return method === 'post' ? fieldsOf(resolved, '', undefined) : [];
  // A tree (items whose `children` are items of the same kind, the categories) by its first
  // item's first child: offers and requests go in a subcategory, not a top one.
  const children = components.properties(listed.items).children;
  const tree = isSchema(children) && isSchema(children.items) && children.items.$ref !== undefined && children.items.$ref === (listed.items as Schema).$ref;
  const first = tree ? { items: listed.items, at: `${listed.at}/children/0` } : listed;
  return fieldsOf(first.items, first.at, ownId(first.items, ['id']));
}

type Link = { operationId: string; parameters?: Record<string, string>; requestBody?: Record<string, string>; description: string };

/** The links from a naming to every operation that takes its thing. */
function linksTo(naming: Naming, paths: Paths, components: Components, source: Schema): [string, Link][] {
  const expression = `$response.body#${naming.pointer}`;
  const field = naming.pointer.split('/').pop()!;
  const noun = nounOf(naming.collection);
  const links: [string, Link][] = [];
  for (const [path, item] of Object.entries(paths)) {
    const parameters = parametersOf(path);
    const { collection, parameter } = collectionOf(path);
    const byPath = parameters.length === 1 && ((collection === naming.collection && parameter === 'id') || parameters[0] === `${noun}Id`);
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.includes(method) || operation === source) continue;
      const operationId = operation.operationId as string;
      if (byPath) {
        links.push([operationId, { operationId, parameters: { [`path.${parameters[0]}`]: expression }, description: `\`${field}\` of this answer is \`{${parameters[0]}}\` of \`${path}\`` }]);
      } else if (parameters.length === 0 && takesInBody(operation, `${noun}Id`, components)) {
        links.push([operationId, { operationId, requestBody: { [`${noun}Id`]: expression }, description: `\`${field}\` of this answer is \`${noun}Id\` of the body of \`${method.toUpperCase()} ${path}\`` }]);
      }
    }
  }
  return links;
}

/** Whether `operation`'s JSON body has the id field `field` (in every shape, if it has several). */
function takesInBody(operation: Schema, field: string, components: Components): boolean {
  const body = components.resolve(operation.requestBody);
  const content = body && isSchema(body.content) ? body.content['application/json'] : undefined;
  const has = (schema: unknown): boolean => {
    const resolved = components.resolve(schema);
    const shapes = resolved?.anyOf ?? resolved?.oneOf;
    return Array.isArray(shapes) ? shapes.length > 0 && shapes.every(has) : components.isId(components.properties(resolved)[field]);
  };
  return isSchema(content) && has(content.schema);
}

/**
 * OpenAPI links from every answer that names a thing to the operations that take it (see the
 * module's header), filled from the answer: `POST /orders` → `/orders/{id}` and
 * `/admin/orders/{id}/cancel` by `orderId`, `GET /me/invoices` → `/invoices/{id}/pdf` by the
 * first invoice's `id`, `POST /offers` → `POST /me/cart` with the offer's `id` as the body's `offerId`.
 */
export function withLinks<D extends { paths?: object; components?: object }>(document: D): D {
  const paths = (document.paths ?? {}) as Paths;
  const schemas = isSchema(document.components) ? document.components.schemas : undefined;
  const components = new Components((isSchema(schemas) ? schemas : {}) as Record<string, Schema>);
  const collections = new Set(Object.keys(paths).map((path) => collectionOf(path).collection));
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const responses = operation.responses;
      if (!isSchema(responses)) continue;
      for (const status of ['200', '201']) {
        const response = responses[status];
        const content = isSchema(response) && isSchema(response.content) ? response.content['application/json'] : undefined;
        if (!isSchema(response) || !isSchema(content)) continue;
        const links = namingsOf(method, path, content.schema, collections, components).flatMap((naming) => linksTo(naming, paths, components, operation));
        const named = new Map<string, Link>();
        for (const [name, link] of links) named.set(named.has(name) ? `${name}By${Object.values(link.parameters ?? link.requestBody ?? {})[0]!.split('/').pop()}` : name, link);
        if (named.size > 0) response.links = Object.fromEntries(named);
      }
    }
  }
  return document;
}
