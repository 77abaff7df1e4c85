/**
 * A client for the real Hono app, called in-process, and the steps a person takes to get an
 * account (register, read the code from the dev outbox, confirm, sign in).
 */
import { spawnSync } from 'node:child_process';
import { checkout, entryArgs } from './root.js';
import type { App } from '../../api/app.js';
import { checkedByContract } from './contract.js';

export interface Call {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Headers;
}

export type Caller = (method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Call>;

/**
 * Calls `app` in-process; every response is checked against the document the app serves
 * (`./contract.ts`). A `FormData` body goes as multipart (an upload); a JSON answer is parsed,
 * any other (a downloaded file) is given as its bytes.
 */
export function callerFor(app: App): Caller {
  checkedByContract(app);
  return async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const multipart = opts.body instanceof FormData;
    if (opts.body !== undefined && !multipart) headers['content-type'] = 'application/json';
    const res = await app.request(path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : multipart ? (opts.body as FormData) : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
    });
    if (!/json/.test(res.headers.get('content-type') ?? '') && res.status < 300) return { status: res.status, body: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
}

export const PASSWORD = 'correct horse battery';

export interface TestUser {
  id: number;
  login: string;
  email: string;
  token: string;
}

/** The newest confirmation or reset code mailed to `email`, read as a developer would: from the dev outbox. */
export async function codeMailedTo(call: Caller, email: string): Promise<string> {
  const { body } = await call('GET', `/dev/outbox?to=${encodeURIComponent(email)}`);
  const message = body.items[0];
  if (!message) throw new Error(`no mail to ${email}`);
  return /(?:confirmation|reset) code: (\S+)/.exec(message.body)![1]!;
}

let counter = 0;
/** Registers, confirms the email (unless told not to) and signs in. */
export async function signUp(call: Caller, prefix = 'user', opts: { confirm?: boolean } = {}): Promise<TestUser> {
  const login = `${prefix}_${process.pid}_${++counter}`.slice(0, 32);
  const email = `${login}@example.com`;
  const reg = await call('POST', '/auth/register', { body: { login, email, password: PASSWORD } });
  if (reg.status !== 201) throw new Error(`register ${login}: ${reg.status} ${JSON.stringify(reg.body)}`);
  if (opts.confirm !== false) {
    const confirmed = await call('POST', '/auth/confirm-email', { body: { token: await codeMailedTo(call, email) } });
    if (confirmed.status !== 200) throw new Error(`confirm ${login}: ${confirmed.status}`);
  }
  const session = await call('POST', '/auth/login', { body: { login, password: PASSWORD } });
  if (session.status !== 200) throw new Error(`login ${login}: ${session.status} ${JSON.stringify(session.body)}`);
  return { id: reg.body.id, login, email, token: session.body.token };
}

/** Signs in again: after a test moves its clock past the session lifetime, the old token is expired. */
export async function signIn(call: Caller, user: TestUser): Promise<TestUser> {
  const session = await call('POST', '/auth/login', { body: { login: user.login, password: PASSWORD } });
  if (session.status !== 200) throw new Error(`login ${user.login}: ${session.status} ${JSON.stringify(session.body)}`);
  return { ...user, token: session.body.token };
}

/** A clock tests move by hand. */
export function manualClock(start = new Date('2026-11-02T10:00:00Z')) {
  let t = start.getTime();
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
  };
}

/** `npm run admin:grant -- <login>` against a test database: how the first admin is made. */
export function grantAdminByCli(databaseUrl: string, login: string) {
  return spawnSync(process.execPath, [...entryArgs('scripts/grant-admin.ts'), login], {
    cwd: checkout,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl },
  });
}
