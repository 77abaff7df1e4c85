/**
 * Who may open which staff page: the same roles as the JSON routes' `x-access` (api/routes), so
 * a page never shows what its route would refuse.
 */
import type { SessionUser, StaffRole } from '../../../services/accounts.js';
import { staffRoles } from '../../../services/accounts.js';
import { AppError } from '../../../workflows/lib/errors.js';
import { userOf, type WebContext } from '../../page.js';

export const staffAccess = {
  /** Any staff role sees the staff home. */
  any: [...staffRoles] as StaffRole[],
  /** `GET /moderation/queue`, `/moderation/feedback-answers` and their decisions. */
  moderation: ['moderator', 'admin'] as StaffRole[],
  /** `GET /arbitration/cases`, take, decision. */
  arbitration: ['arbiter', 'admin'] as StaffRole[],
  /** `GET /staff/attention` and resolve. */
  attention: ['support', 'admin'] as StaffRole[],
  /** `/staff/reports` and resolve, `/staff/standings`, `/staff/users/{id}/sanctions` and lift (K-58…K-65). */
  sanctions: ['support', 'admin'] as StaffRole[],
  /** `/staff/withdrawals` (hold, release, reject), `/staff/payout-batches`, `/staff/provider-events`, `/staff/top-ups/{id}/refund`. */
  money: ['support', 'admin'] as StaffRole[],
  /** `GET /staff/closures` and complete (W-20). */
  closures: ['support', 'admin'] as StaffRole[],
  /** `/staff/jobs` and a job's reassignment and refund decision (W-10, W-11). */
  jobs: ['support', 'admin'] as StaffRole[],
  /** `/staff/job-installs`: the install catalog (W-06). */
  installs: ['support', 'admin'] as StaffRole[],
  /** `/expert/queue`, `/expert/jobs`, claim, estimate, deliver (W-02, W-04). */
  expert: ['expert'] as StaffRole[],
  /** `GET /admin/users`, roles, block and unblock: the Users page. */
  users: ['admin'] as StaffRole[],
  /** `POST /admin/users/{id}/badges` and taking one back (K-36): the award form on a profile. */
  badges: ['admin'] as StaffRole[],
  /** `POST /staff/feedback/{orderId}/delete` (K-59). */
  feedbackDeletion: ['admin'] as StaffRole[],
};

export const holds = (user: SessionUser, roles: readonly StaffRole[]) => user.roles.some((r) => roles.includes(r));

/**
 * Whom a refused page is for, in the 403 page's words: "staff" when any role opens it, else the
 * roles that do ("this page is for an expert", "… for support or an admin"), so a staff member
 * with other roles knows whom to ask.
 */
export function pageIsFor(roles: readonly StaffRole[]): string {
  if (staffRoles.every((r) => roles.includes(r))) return 'this page is for staff';
  const named = roles.map((r) => (r === 'support' ? 'support' : `${/^[aeiou]/.test(r) ? 'an' : 'a'} ${r}`));
  return `this page is for ${named.length > 1 ? `${named.slice(0, -1).join(', ')} or ${named.at(-1)}` : named[0]}`;
}

/** The signed-in user when they hold one of `roles`; otherwise the 403 page (sign-in first when signed out). */
export function staffOf(c: WebContext, roles: readonly StaffRole[]): SessionUser {
  const user = userOf(c);
  if (!holds(user, roles)) throw new AppError('forbidden', pageIsFor(roles));
  return user;
}
