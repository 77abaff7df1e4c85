/**
 * K-36 badges on a profile: what each is and what earned it (an awarded one lists what each
 * award was for). An admin sees, below them, the form that awards an idea, a bug report or a
 * contest, and a button to take each award back: `POST /sellers/:login/badges` and
 * `…/badges/:awardId/revoke`, the same service and rules as the API's `/admin/users/{id}/badges`.
 */
import type { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import { awardedBadgeKinds, type Badge } from '../../../services/badges.js';
import { badgeRules } from '../../../services/policy.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { parseForm, readForm, refusalOf, text, type FormData } from '../../forms.js';
import { redirect, type WebContext } from '../../page.js';
import { ActionButton, Field, Form, Select, Time, type FieldErrors, type Viewer } from '../../ui.js';
import { pathId } from '../staff/controls.js';
import { staffAccess, staffOf } from '../staff/roles.js';

const kindLabels: Record<(typeof awardedBadgeKinds)[number], string> = { idea: 'Idea author: an idea adopted', bug_report: 'Bug hunter: a bug report confirmed', contest: 'Contest winner: a contest won' };

/** What the award form shows again after a refusal. */
export interface AwardShown {
  form: FormData;
  errors: FieldErrors;
  message?: string;
}

const AwardForm: FC<{ login: string; viewer: Viewer; shown: AwardShown | undefined }> = ({ login, viewer, shown }) => (
  <Form action={`/sellers/${login}/badges`} csrf={viewer.csrf} id="award-badge" label="award a badge" error={shown?.message}>
    <h3>Award a badge</h3>
    <Select name="kind" label="Badge" value={String(shown?.form.kind ?? 'idea')} errors={shown?.errors} options={awardedBadgeKinds.map((k) => [k, kindLabels[k]])} />
    <Field name="reason" label="What it is for (shown with the badge)" value={String(shown?.form.reason ?? '')} errors={shown?.errors} required hint={`at most ${badgeRules.reasonMaxLength} characters, e.g. “Suggested saved searches”`} />
    <button type="submit">Award</button>
  </Form>
);

/** The profile's badges; with `admin`, the award form and a take-back button on each award. */
export const Badges: FC<{ login: string; badges: Badge[]; viewer: Viewer; admin: boolean; shown?: AwardShown }> = ({ login, badges, viewer, admin, shown }) =>
  badges.length || admin ? (
    <section class="card badges" aria-labelledby="badges-heading" id="badges">
      <h2 id="badges-heading">Badges</h2>
      {badges.length ? (
        <ul class="badge-list">
          {badges.map((b) => (
            <li data-kind={b.kind}>
              <strong class="badge-name">{b.name}</strong> <span class="muted">{b.detail}</span>
              {b.awards.length ? (
                <ul>
                  {b.awards.map((a) => (
                    <li data-award-id={String(a.id)}>
                      {a.reason} · <Time at={a.awardedAt} zone={viewer.timeZone} />
                      {admin ? (
                        <>
                          {' · '}
                          <ActionButton action={`/sellers/${login}/badges/${a.id}/revoke`} csrf={viewer.csrf} label="Take back" class="link" />
                        </>
                      ) : null}
                    </li>
                  ))}
                </ul>
              ) : null}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">No badges yet.</p>
      )}
      {admin ? <AwardForm login={login} viewer={viewer} shown={shown} /> : null}
    </section>
  ) : null;

const Award = z.object({ kind: z.enum(awardedBadgeKinds, { error: 'choose a badge' }), reason: text(badgeRules.reasonMaxLength) });

/** The admin's award and take-back; `show` renders the profile again with a refused form. */
export function badgeForms(app: Hono<WebEnv>, deps: WebDeps, show: (c: WebContext, shown: AwardShown, status: 400 | 404 | 409 | 422) => Promise<Response>) {
  const { badges, sellers } = deps.services;
  app.post('/sellers/:login{[A-Za-z0-9_]{1,32}}/badges', async (c) => {
    const admin = staffOf(c, staffAccess.badges);
    const login = c.req.param('login');
    const form = await readForm(c);
    const parsed = parseForm(Award, form);
    if (!parsed.ok) return show(c, { form, errors: parsed.errors }, 400);
    try {
      const { seller } = await sellers.profile(login, admin.id);
      await badges.award(admin.id, seller.id, parsed.data);
      return redirect(c, `/sellers/${seller.login}#badges`, `Awarded to ${seller.login}: ${parsed.data.reason}.`);
    } catch (err) {
      const r = refusalOf(err);
      return show(c, { form, errors: r.errors, message: r.message }, r.status === 409 ? 409 : r.status === 404 ? 404 : 400);
    }
  });
  app.post('/sellers/:login{[A-Za-z0-9_]{1,32}}/badges/:awardId/revoke', async (c) => {
    const admin = staffOf(c, staffAccess.badges);
    const { seller } = await sellers.profile(c.req.param('login'), admin.id);
    await badges.revoke(admin.id, seller.id, pathId(c.req.param('awardId')));
    return redirect(c, `/sellers/${seller.login}#badges`, `Taken back from ${seller.login}.`);
  });
}
