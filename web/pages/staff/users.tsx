/**
 * Admins' Users page (`/staff/users`): find a user by the start of their login (blocked and
 * unconfirmed accounts too), then grant or take a staff role, block them with a reason (every
 * session ends at once) or unblock them — the API's `/admin/users…` routes, over the same
 * services. An admin's own admin role has no remove button here: taking it would lock them out
 * of this page mid-task (another admin, or `npm run admin:grant`, can).
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import { staffRoles, type StaffRole } from '../../../services/accounts.js';
import { loginPrefixPattern, type AdminUser } from '../../../services/user-admin.js';
import { AppError } from '../../../workflows/lib/errors.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { parseForm, readForm, text, type FormData } from '../../forms.js';
import { page, redirect, type WebContext } from '../../page.js';
import { ActionButton, Time, type Viewer } from '../../ui.js';
import { errorsFor, pathId, RowSelect, RowTextArea, type RowErrors } from './controls.js';
import { staffAccess, staffOf } from './roles.js';

const LOGIN_PREFIX = loginPrefixPattern(1);
/** The search a form came from, to go back to (a login's start, or nothing). */
const searchOf = (value: unknown) => (typeof value === 'string' && LOGIN_PREFIX.test(value) ? value : '');
const backTo = (login: string) => (login ? `/staff/users?login=${login}` : '/staff/users');

const Grant = z.object({ role: z.enum(staffRoles, { error: 'choose a role' }) });
const Block = z.object({ reason: text(500) });

export function userAdminPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const { accounts } = deps.services;
  const show = async (c: WebContext, login: string, errors?: RowErrors, status: 200 | 400 = 200) => {
    const me = staffOf(c, staffAccess.users);
    const items = login ? await accounts.findUsers(login) : [];
    return page(c, deps, 'Users', (v) => <UserSearch viewer={v} meId={me.id} login={login} searched={c.req.query('login') !== undefined} items={items} errors={errors} />, status);
  };
  app.get('/staff/users', (c) => {
    const asked = c.req.query('login');
    if (asked !== undefined && asked !== '' && !LOGIN_PREFIX.test(asked)) {
      return show(c, '', { key: 'search', fields: { login: 'letters, digits or underscores, 1 to 32' }, form: { login: asked } }, 400);
    }
    return show(c, searchOf(asked));
  });
  /**
   * One user action: admins only, the user's id from the path, the form (with the search to go
   * back to), `act` answering the flash message or the page again with its refusal.
   */
  const action = (path: string, act: (c: WebContext, id: number, form: FormData, login: string) => Promise<string | Response>) =>
    app.post(path, async (c) => {
      staffOf(c, staffAccess.users);
      const id = pathId(c.req.param('id'));
      const form = await readForm(c);
      const login = searchOf(form.login);
      const done = await act(c, id, form, login);
      return typeof done === 'string' ? redirect(c, backTo(login), done) : done;
    });
  action('/staff/users/:id/roles', async (c, id, form, login) => {
    const parsed = parseForm(Grant, form);
    if (!parsed.ok) return show(c, login, { key: String(id), fields: parsed.errors, form }, 400);
    const user = await accounts.grantRole(id, parsed.data.role);
    return `Granted: ${user.login} is now ${parsed.data.role} too.`;
  });
  action('/staff/users/:id/roles/:role/remove', async (c, id) => {
    const role = Grant.shape.role.safeParse(c.req.param('role'));
    if (!role.success) throw new AppError('not_found', 'no such role');
    const user = await accounts.revokeRole(id, role.data, staffOf(c, staffAccess.users).id);
    return `Removed: ${user.login} is no longer ${role.data}.`;
  });
  action('/staff/users/:id/block', async (c, id, form, login) => {
    const parsed = parseForm(Block, form);
    if (!parsed.ok) return show(c, login, { key: String(id), fields: parsed.errors, form }, 400);
    await accounts.block(id, parsed.data.reason, staffOf(c, staffAccess.users).id);
    return 'Blocked: every session of that account has ended.';
  });
  action('/staff/users/:id/unblock', async (_c, id) => {
    await accounts.unblock(id);
    return 'Unblocked: the account can sign in again.';
  });
  return app;
}

const UserSearch: FC<{ viewer: Viewer; meId: number; login: string; searched: boolean; items: AdminUser[]; errors: RowErrors | undefined }> = (p) => {
  const searchError = errorsFor(p.errors, 'search');
  return (
    <>
      <p>
        <a href="/staff">← Staff</a>
      </p>
      <form method="get" action="/staff/users" class="inline" role="search" aria-label="find users">
        <p class="field">
          <label for="f-login">Login starts with</label>
          <input id="f-login" name="login" type="search" value={searchError ? String(searchError.form.login ?? '') : p.login} aria-invalid={searchError ? 'true' : undefined} aria-describedby={searchError ? 'f-login-error' : undefined} />
          {searchError ? (
            <span class="error" id="f-login-error" role="alert">
              {searchError.fields.login}
            </span>
          ) : null}
        </p>
        <button type="submit">Find</button>
      </form>
      {p.login && p.items.length === 0 ? <p class="muted">No user’s login starts with “{p.login}”.</p> : null}
      {!p.searched ? <p class="muted">Type the start of a login: blocked and unconfirmed accounts are found too.</p> : null}
      <ul class="queue">
        {p.items.map((u) => (
          <UserCard viewer={p.viewer} user={u} login={p.login} mine={u.id === p.meId} errors={errorsFor(p.errors, String(u.id))} />
        ))}
      </ul>
    </>
  );
};

const UserCard: FC<{ viewer: Viewer; user: AdminUser; login: string; mine: boolean; errors: RowErrors | undefined }> = ({ viewer, user, login, mine, errors }) => {
  const grantable = staffRoles.filter((r) => !user.roles.includes(r));
  const hidden = <input type="hidden" name="login" value={login} />;
  return (
    <li class="card user-card" id={`user-${user.id}`}>
      <h2>
        {user.login} · {user.email} {user.emailConfirmed ? null : <span class="status">unconfirmed</span>}
      </h2>
      <p>
        Joined <Time at={user.createdAt} zone={viewer.timeZone} />
        {user.emailConfirmed && !user.blocked ? (
          <>
            {' · '}
            <a href={`/sellers/${user.login}`}>Public profile</a>
          </>
        ) : null}
      </p>
      <div class="user-roles">
        {user.roles.length ? (
          <ul class="tags" aria-label={`${user.login}'s roles`}>
            {user.roles.map((r: StaffRole) => (
              <li data-role={r}>
                {r}{' '}
                {mine && r === 'admin' ? (
                  '(yours)'
                ) : (
                  <form method="post" action={`/staff/users/${user.id}/roles/${r}/remove`} class="inline">
                    <input type="hidden" name="_csrf" value={viewer.csrf} />
                    {hidden}
                    <button type="submit" class="link" aria-label={`Remove ${r} from ${user.login}`}>
                      remove
                    </button>
                  </form>
                )}
              </li>
            ))}
          </ul>
        ) : (
          <p>No staff role.</p>
        )}
      </div>
      {grantable.length ? (
        <form method="post" action={`/staff/users/${user.id}/roles`} class="inline" aria-label={`grant ${user.login} a role`}>
          <input type="hidden" name="_csrf" value={viewer.csrf} />
          {hidden}
          <RowSelect id={`role-${user.id}`} name="role" label="Grant a role" options={grantable.map((r) => [r, r])} error={errors?.fields.role} />
          <button type="submit">Grant</button>
        </form>
      ) : null}
      {user.blocked ? (
        <>
          <p class="status" data-blocked="true">
            Blocked since <Time at={user.blocked.at} zone={viewer.timeZone} />: {user.blocked.reason}
          </p>
          <ActionButton action={`/staff/users/${user.id}/unblock`} csrf={viewer.csrf} label="Unblock" name="login" value={login} />
        </>
      ) : mine ? null : (
        <form method="post" action={`/staff/users/${user.id}/block`} aria-label={`block ${user.login}`}>
          <input type="hidden" name="_csrf" value={viewer.csrf} />
          {hidden}
          <RowTextArea id={`block-reason-${user.id}`} name="reason" label="Why it is blocked (kept on the account)" value={String(errors?.form.reason ?? '')} error={errors?.fields.reason} />
          <button type="submit">Block the account</button>
        </form>
      )}
    </li>
  );
};
