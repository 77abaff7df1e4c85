/**
 * Notification settings over the real API (K-70, K-45): every kind a user may route, with its
 * default (a new order: the app and email; anything else: the app only); choosing in the app,
 * email or both per kind; the categories whose new requests a seller hears about; and the
 * refusals of bad input. Every answer is checked against the OpenAPI document (`buildApp`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { callerFor, type Caller, type TestUser } from '../support/api.js';
import { buildApp, connectTemporal, createTestDatabase, type TestDatabase } from '../support/harness.js';
import { directAccount } from '../support/order-scenarios.js';

describe('GET and PUT /me/notification-settings', () => {
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  let user: TestUser;
  let categoryIds: number[];

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    call = callerFor(buildApp({ db: database.db, temporal }));
    user = await directAccount(database.db, 'notified');
    categoryIds = (await database.db.sql<{ id: number }[]>`select id from categories order by id limit 3`).map((r) => r.id);
  });
  after(async () => {
    await temporal?.connection.close();
    await database?.drop();
  });

  const get = async () => {
    const res = await call('GET', '/me/notification-settings', { token: user.token });
    assert.equal(res.status, 200);
    return res.body;
  };
  const put = (body: unknown) => call('PUT', '/me/notification-settings', { token: user.token, body });
  const channelsOf = (body: { kinds: { kind: string; inApp: boolean; email: boolean }[] }, kind: string) => {
    const k = body.kinds.find((x) => x.kind === kind)!;
    return [k.inApp, k.email];
  };

  it('lists every kind with its default: a new order, a new message and the reminder before a job’s auto-approval in the app and by email (K-70, W-13), the rest in the app only', async () => {
    const body = await get();
    const emailed = ['order_placed', 'new_message', 'job_approval_reminder'];
    for (const kind of emailed) assert.deepEqual(channelsOf(body, kind), [true, true], kind);
    for (const k of body.kinds.filter((x: { kind: string }) => !emailed.includes(x.kind))) assert.deepEqual([k.kind, k.inApp, k.email], [k.kind, true, false]);
    assert.ok(body.kinds.every((k: { label: string }) => k.label.length > 0));
    assert.ok(!body.kinds.some((k: { kind: string }) => k.kind === 'case_ready'), 'staff notices are always mailed: not a setting');
    assert.deepEqual(body.requestCategories, []);
  });

  it('routes the kinds it names and keeps the others; replaces the request categories (K-45)', async () => {
    const first = await put({ kinds: [{ kind: 'order_placed', inApp: false, email: true }, { kind: 'delivered', inApp: true, email: true }], requestCategoryIds: [categoryIds[0], categoryIds[1], categoryIds[1]] });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual([channelsOf(first.body, 'order_placed'), channelsOf(first.body, 'delivered'), channelsOf(first.body, 'late')], [[false, true], [true, true], [true, false]]);
    assert.deepEqual(first.body.requestCategories.map((c: { id: number }) => c.id).sort(), [categoryIds[0], categoryIds[1]].sort());

    const second = await put({ kinds: [{ kind: 'delivered', inApp: true, email: false }] });
    assert.deepEqual([channelsOf(second.body, 'order_placed'), channelsOf(second.body, 'delivered')], [[false, true], [true, false]]);
    assert.equal(second.body.requestCategories.length, 2, 'categories left out stay');
    const third = await put({ requestCategoryIds: [categoryIds[2]] });
    assert.deepEqual(third.body.requestCategories.map((c: { id: number }) => c.id), [categoryIds[2]]);
    assert.deepEqual(await get(), third.body);
    assert.deepEqual((await put({ requestCategoryIds: [] })).body.requestCategories, []);
  });

  it('refuses bad input with a JSON error and changes nothing', async () => {
    const before = await get();
    const cases: [unknown, number, string][] = [
      [{ kinds: [{ kind: 'order_placed', inApp: false, email: false }] }, 400, 'invalid_input'],
      [{ kinds: [{ kind: 'no_such_kind', inApp: true, email: true }] }, 400, 'invalid_input'],
      [{ kinds: [{ kind: 'case_ready', inApp: true, email: true }] }, 400, 'invalid_input'],
      [{ kinds: [{ kind: 'order_placed', inApp: 'yes', email: true }] }, 400, 'invalid_input'],
      [{ kinds: [{ kind: 'order_placed', inApp: true, email: true, sms: true }] }, 400, 'invalid_input'],
      [{ everything: true }, 400, 'invalid_input'],
      [{ requestCategoryIds: [0] }, 400, 'invalid_input'],
      [{ requestCategoryIds: ['1'] }, 400, 'invalid_input'],
      [{ requestCategoryIds: [999_999] }, 400, 'invalid_input'],
      [{ requestCategoryIds: [2_147_483_647] }, 400, 'invalid_input'],
      [[], 400, 'invalid_input'],
    ];
    for (const [body, status, code] of cases) {
      const res = await put(body);
      assert.deepEqual([res.status, res.body?.error?.code], [status, code], JSON.stringify({ body, got: res.body }));
    }
    const silent = await put({ kinds: [{ kind: 'order_placed', inApp: true, email: false }, { kind: 'delivered', inApp: false, email: false }] });
    assert.deepEqual(silent.body.error.details.fields.map((f: { path: string }) => f.path), ['body.kinds.1'], 'the kind with neither channel');
    const broken = await put('{"kinds": [');
    assert.deepEqual([broken.status, typeof broken.body.error.code], [400, 'string']);
    assert.deepEqual(await get(), before);
  });

  it('answers 401 without a session', async () => {
    for (const [method, body] of [['GET', undefined], ['PUT', { kinds: [] }]] as const) {
      const res = await call(method, '/me/notification-settings', { body });
      assert.deepEqual([res.status, res.body.error.code], [401, 'unauthenticated']);
    }
  });
});
