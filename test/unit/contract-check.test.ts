/**
 * The contract check every in-process response passes (`test/support/contract.ts`) catches what
 * it is there to catch: an undocumented status, a field the schema does not declare, a null
 * where none is allowed, a body where none is documented, and a 404 or 405 out of shape.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openApiDocument } from '../../scripts/routes-table.js';
import { Contract, type Exchange, type OpenApiDocument } from '../support/contract.js';

const error = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const document: OpenApiDocument = {
  paths: {
    '/things/{id}': {
      get: {
        responses: {
          200: {
            description: 'a thing',
            content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'integer' }, note: { type: ['string', 'null'] }, name: { type: 'string' } }, required: ['id', 'note', 'name'] } } },
          },
          404: { description: 'none', ...error },
        },
      },
      delete: { responses: { 204: { description: 'gone' } } },
    },
  },
  components: {
    schemas: {
      Error: {
        type: 'object',
        properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} }, required: ['code', 'message'] } },
        required: ['error'],
      },
    },
  },
};

const contract = new Contract(document);
const exchange = (method: string, path: string, status: number, body: unknown, headers: Record<string, string> = {}): Exchange => ({
  method,
  path,
  status,
  headers: new Headers({ 'content-type': 'application/json', ...headers }),
  body: body === undefined ? '' : JSON.stringify(body),
});
const problems = (e: Exchange) => contract.problems(e);

describe('the contract check', () => {
  it('passes a documented answer, nullable fields null', () => {
    assert.deepEqual(problems(exchange('GET', '/things/7?x=1', 200, { id: 7, note: null, name: 'a' })), []);
    assert.deepEqual(problems(exchange('DELETE', '/things/7', 204, undefined)), []);
  });

  it('refuses a status the operation does not document', () => {
    assert.match(problems(exchange('GET', '/things/7', 409, { error: { code: 'conflict', message: 'no' } }))[0]!, /does not document 409/);
  });

  it('refuses an undeclared field, a wrong type and a null where none is allowed', () => {
    assert.match(problems(exchange('GET', '/things/7', 200, { id: 7, note: null, name: 'a', secret: 'x' })).join(), /additional properties \(secret\)/);
    assert.match(problems(exchange('GET', '/things/7', 200, { id: '7', note: null, name: 'a' })).join(), /body\/id must be integer/);
    assert.match(problems(exchange('GET', '/things/7', 200, { id: 7, note: null, name: null })).join(), /body\/name must be string/);
  });

  it('refuses a body where the document has none, and an error out of its shape', () => {
    assert.match(problems(exchange('DELETE', '/things/7', 204, { ok: true }))[0]!, /without a body/);
    assert.notDeepEqual(problems(exchange('GET', '/things/7', 404, { message: 'no' })), []);
  });

  it('holds an unknown path to 404 and a method the path does not take to 405 with Allow', () => {
    const notFound = { error: { code: 'not_found', message: 'no route' } };
    assert.deepEqual(problems(exchange('GET', '/nothing', 404, notFound)), []);
    assert.match(problems(exchange('GET', '/nothing', 200, {}))[0]!, /not 404/);
    const notAllowed = { error: { code: 'method_not_allowed', message: 'no', details: { allow: ['DELETE', 'GET', 'HEAD'] } } };
    assert.deepEqual(problems(exchange('PUT', '/things/7', 405, notAllowed, { allow: 'DELETE, GET, HEAD' })), []);
    assert.match(problems(exchange('PUT', '/things/7', 405, notAllowed, { allow: 'GET' }))[0]!, /Allow/);
    assert.match(problems(exchange('PUT', '/things/7', 200, {}))[0]!, /not 405/);
  });

  it('holds a refusal to the served document’s Error and to the README: a 400 names its fields, one shape of refused field', async () => {
    const served = new Contract((await openApiDocument()) as OpenApiDocument);
    const register = (status: number, error: unknown) => served.problems(exchange('POST', '/auth/register', status, { error }));
    const taken = { path: 'body.login', message: 'this login is taken', code: 'custom' };
    assert.deepEqual(register(409, { code: 'login_taken', message: 'body.login: this login is taken', details: { fields: [taken] } }), []);
    assert.deepEqual(register(400, { code: 'invalid_input', message: 'body.login: Too small', details: { fields: [{ path: 'body.login', message: 'Too small', code: 'too_small' }] } }), []);
    assert.deepEqual(register(422, { code: 'unknown_referral_code', message: 'no', details: { anything: 1 } }), [], 'other details are free');
    assert.deepEqual(register(422, { code: 'unknown_referral_code', message: 'no', details: {} }), [], 'nothing more to say: empty details');
    assert.notDeepEqual(register(422, { code: 'unknown_referral_code', message: 'no' }), [], 'details are always there');
    assert.match(register(400, { code: 'invalid_input', message: 'bad input', details: {} }).join(), /400 invalid_input without details\.fields/);
    assert.match(register(409, { code: 'login_taken', message: 'this login is taken', details: { fields: [taken] } }).join(), /does not start with body\.login/);
    assert.notDeepEqual(register(409, { code: 'login_taken', message: 'body.login: x', details: { fields: { login: 'x' } } }), [], 'fields as an object');
    assert.notDeepEqual(register(409, { code: 'login_taken', message: 'body.login: x', details: { fields: [] } }), [], 'an empty list');
    assert.notDeepEqual(register(409, { code: 'login_taken', message: 'body.login: x', details: { fields: [{ path: 'body.login', message: 'x' }] } }), [], 'a field without its code');
  });

  it('refuses a document with allOf, which objects checked as exact cannot be', () => {
    assert.throws(() => new Contract({ paths: {}, components: { schemas: { A: { allOf: [{ type: 'object' }] } } } }), /allOf/);
  });
});
