/**
 * Who may call what. Every route declares its access with `secured(access, route)`: the
 * declaration guards the route and is published in the OpenAPI document as `x-access`, which
 * the README's route table and the authorization matrix test are built from.
 */
import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { SessionUser, StaffRole } from '../services/accounts.js';
import { AppError } from '../workflows/lib/errors.js';
import type { AppEnv } from './context.js';
import { jsonOnly, multipartOnly, noBody, noQuery, refuseUnstorable, requireBody } from './door.js';
import { commonResponses } from './schemas.js';

export type Access =
  /** Anyone, signed in or not. */
  | { kind: 'public' }
  /** A signed-in user, acting on their own account (`/me/…`). */
  | { kind: 'user' }
  /** A signed-in user, on a resource that must be theirs: another's answers 404, as an unknown one does. */
  | { kind: 'owner' }
  /**
   * A signed-in party of the resource (an order's buyer or seller), or staff with one of these
   * roles; anyone else gets 404, as for an unknown resource. The handler checks the party.
   */
  | { kind: 'party'; staff: StaffRole[] }
  /** A signed-in user holding one of these staff roles. */
  | { kind: 'staff'; roles: StaffRole[] }
  /** Development only: the route does not exist in production. */
  | { kind: 'dev' };

export const access = {
  public: { kind: 'public' },
  user: { kind: 'user' },
  owner: { kind: 'owner' },
  dev: { kind: 'dev' },
  staff: (...roles: StaffRole[]): Access => ({ kind: 'staff', roles }),
  party: (...staff: StaffRole[]): Access => ({ kind: 'party', staff }),
} as const satisfies Record<string, Access | ((...roles: StaffRole[]) => Access)>;

export function describeAccess(a: Access): string {
  if (a.kind === 'staff') return `staff:${a.roles.join('|')}`;
  if (a.kind === 'party') return a.staff.length ? `party+staff:${a.staff.join('|')}` : 'party';
  return a.kind;
}

/**
 * Declares a route with its access: the guard runs before any input is read; then the door's
 * checks every route shares (a body where one is required, in JSON, storable text), then the
 * route's own schemas. The answers those checks give are documented with every route
 * (`commonResponses`), beside the route's own. A route whose body is `multipart/form-data` (an
 * upload) takes only that, and reads its body itself.
 */
export function secured<R extends Omit<RouteConfig, 'middleware'>>(a: Access, route: R) {
  const open = a.kind === 'public' || a.kind === 'dev';
  const multipart = route.request?.body?.content?.['multipart/form-data'] !== undefined;
  return createRoute({
    ...route,
    responses: { ...commonResponses(!open), ...route.responses },
    middleware: [
      guard(a),
      ...(route.request?.body?.required ? [requireBody()] : []),
      multipart ? multipartOnly() : jsonOnly(),
      refuseUnstorable(!multipart),
      // An operation that declares no query or no body refuses one, as a declared schema refuses a field it does not name.
      ...(route.request?.query ? [] : [noQuery()]),
      ...(route.request?.body ? [] : [noBody()]),
    ],
    ...(open ? {} : { security: [{ bearer: [] }] }),
    'x-access': describeAccess(a),
  });
}

/** What a sanction-blocked account may still call: read why and until when, and sign out. */
const OPEN_WHILE_SANCTIONED = new Set(['GET /me/standing', 'POST /auth/logout']);

function guard(a: Access): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (a.kind !== 'public' && a.kind !== 'dev') {
      if (c.var.blocked) throw new AppError('account_blocked', 'this account is blocked');
      const user = c.var.user;
      if (!user) throw new AppError('unauthenticated', 'sign in first: send `Authorization: Bearer <token>`');
      const sanction = c.var.sanctioned;
      if (sanction && !OPEN_WHILE_SANCTIONED.has(`${c.req.method} ${c.req.routePath}`)) {
        throw new AppError('account_blocked', `this account is blocked until ${sanction.until}: ${sanction.reason}`, { reason: sanction.reason, until: sanction.until });
      }
      if (a.kind === 'staff' && !a.roles.some((role) => user.roles.includes(role))) {
        throw new AppError('forbidden', `this needs one of the roles: ${a.roles.join(', ')}`);
      }
    }
    await next();
  };
}

/** The signed-in caller; only for routes whose access is not public. */
export function callerOf(c: { var: { user?: SessionUser } }): SessionUser {
  if (!c.var.user) throw new AppError('unauthenticated', 'sign in first');
  return c.var.user;
}
