/**
 * The web client's building blocks: the page layout (header with the user's links, balance and
 * unread badge), forms that carry the CSRF token and show each field's error beside it, money,
 * times in the viewer's zone, and live countdowns. Pages compose these; none writes raw HTML.
 */
import { createContext, useContext, type Child, type FC, type PropsWithChildren } from 'hono/jsx';
import type { SiteActivity } from '../services/site-activity.js';
import type { SessionUser } from '../services/accounts.js';
import { formatInstant, instantsIn } from '../workflows/lib/zoned-time.js';

/** What every page's header shows about the viewer. */
export interface Viewer {
  user?: SessionUser;
  csrf: string;
  /**
   * The viewer's profile time zone: the server writes every time in it, and the page script keeps
   * it (a zone the user saved wins over the browser's). `UTC` (the default) or none: the server
   * writes UTC and the page script the browser's zone.
   */
  timeZone?: string;
  balanceCents?: number;
  unread?: number;
  /** Unread messages in all the viewer's conversations (issue 17). */
  unreadMessages?: number;
  /** W-21: the path to come back to after the cookie notice, while the browser has not answered it. */
  cookieNotice?: string;
  /** K-70: the header's live counters (users online, the last order). */
  activity?: SiteActivity;
}

export type FieldErrors = Record<string, string>;

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
/** `$10.00`: every amount of money on every page. */
export const money = (cents: number) => usd.format(cents / 100);

export const Money: FC<{ cents: number }> = ({ cents }) => <data value={String(cents)}>{money(cents)}</data>;

/** `4 Dec 2026, 15:20 UTC` in the given zone (the server's rendering; the browser re-renders it in the viewer's). */
export const formatTime = (iso: string, timeZone = 'UTC'): string => formatInstant(iso, timeZone);

/**
 * The viewer's saved zone for every `<Time>` inside the layout that names none, so a page written
 * without JavaScript shows the zone the user chose, not UTC (the layout provides it).
 */
const ViewerZone = createContext<string | undefined>(undefined);

/** A moment: text in the viewer's zone (the one given, else the layout's viewer's), the absolute time (UTC, ISO) on hover. */
export const Time: FC<{ at: string; zone?: string }> = ({ at, zone }) => {
  const saved = useContext(ViewerZone);
  const shown = zone ?? saved;
  return (
    <time datetime={at} title={at} data-zone={shown && shown !== 'UTC' ? shown : undefined}>
      {formatTime(at, shown)}
    </time>
  );
};

/**
 * A text the system wrote (a notification, a timeline entry, a note), its instants shown like
 * every other time on the site: the stored rows keep the workflows' ISO stamps, and old rows
 * render the same way as new ones.
 */
export const Stamped: FC<{ text: string; zone?: string }> = ({ text, zone }) => (
  <>{instantsIn(text).map((part) => (typeof part === 'string' ? part : <Time at={part.at} zone={zone} />))}</>
);

/** A live countdown to `at` ("23 h 59 min left"); the page script ticks it without a reload. */
export const Countdown: FC<{ at: string }> = ({ at }) => (
  <span class="countdown" data-countdown={at} title={at} role="timer">
    {remaining(Date.parse(at) - Date.now())}
  </span>
);

export function remaining(ms: number): string {
  if (ms <= 0) return 'due now';
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days} d ${hours} h left`;
  if (hours > 0) return `${hours} h ${minutes % 60} min left`;
  return `${Math.max(minutes, 1)} min left`;
}

/** A form that posts back with this browser's CSRF token; its error (not a field's) shows on top. */
/** No row to show: children that are only empty lists, `null`, `false` or `undefined`. */
const noRows = (children: unknown): boolean =>
  children === null || children === undefined || children === false || (Array.isArray(children) && children.every(noRows));

/**
 * A table of rows that scrolls on its own on a narrow screen: focusable and named for screen
 * readers (`label`), with a caption for them and its column heads (a falsy head is left out).
 * With `empty`, a table with no rows is that sentence instead (`#<id>-empty`): a user reads "No
 * invoices yet", not column headers over nothing.
 */
export const DataTable: FC<PropsWithChildren<{ id?: string; label: string; caption: string; columns: (string | false | null | undefined)[]; stacked?: boolean; empty?: string }>> = ({
  id,
  label,
  caption,
  columns,
  stacked,
  empty,
  children,
}) =>
  empty !== undefined && noRows(children) ? (
    <p class="muted" id={id ? `${id}-empty` : undefined}>
      {empty}
    </p>
  ) : (
    <div class="table-wrap" tabindex={0} role="region" aria-label={label}>
      <table id={id} class={stacked ? 'stacked' : undefined}>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.filter((h): h is string => Boolean(h)).map((h) => (
              <th scope="col">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );

export const Form: FC<PropsWithChildren<{ action: string; csrf: string; error?: string; id?: string; class?: string; label?: string; enctype?: 'multipart/form-data' }>> = (p) => (
  <form method="post" action={p.action} id={p.id} class={p.class} aria-label={p.label} enctype={p.enctype} novalidate>
    <input type="hidden" name="_csrf" value={p.csrf} />
    {p.error ? (
      <p class="error form-error" role="alert">
        <Stamped text={p.error} />
      </p>
    ) : null}
    {p.children}
  </form>
);

interface FieldProps {
  name: string;
  /** The element's id, `f-<name>` unless a page holds several forms with this field (then ids of their own). */
  id?: string;
  label: string;
  errors?: FieldErrors;
  value?: string | number | null;
  type?: string;
  required?: boolean;
  hint?: string;
  autocomplete?: string;
  min?: number;
  max?: number;
  step?: number;
  placeholder?: string;
}

/** A labelled input with its hint and its error beside it (`aria-describedby`, `aria-invalid`). */
export const Field: FC<FieldProps> = (p) => {
  const id = p.id ?? `f-${p.name}`;
  const error = p.errors?.[p.name];
  return (
    <p class="field">
      <label for={id}>{p.label}</label>
      <input
        id={id}
        name={p.name}
        type={p.type ?? 'text'}
        value={p.value === null || p.value === undefined ? undefined : String(p.value)}
        required={p.required}
        autocomplete={p.autocomplete}
        min={p.min}
        max={p.max}
        step={p.step}
        placeholder={p.placeholder}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={[p.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined}
      />
      {p.hint ? <small id={`${id}-hint`}>{p.hint}</small> : null}
      <FieldError id={`${id}-error`} error={error} />
    </p>
  );
};

export const TextArea: FC<Omit<FieldProps, 'type'> & { rows?: number }> = (p) => {
  const id = p.id ?? `f-${p.name}`;
  const error = p.errors?.[p.name];
  return (
    <p class="field">
      <label for={id}>{p.label}</label>
      <textarea
        id={id}
        name={p.name}
        rows={p.rows ?? 4}
        required={p.required}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={[p.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined}
      >
        {p.value ?? ''}
      </textarea>
      {p.hint ? <small id={`${id}-hint`}>{p.hint}</small> : null}
      <FieldError id={`${id}-error`} error={error} />
    </p>
  );
};

export const Select: FC<Omit<FieldProps, 'type'> & { options: [value: string, label: string][] }> = (p) => {
  const id = `f-${p.name}`;
  const error = p.errors?.[p.name];
  return (
    <p class="field">
      <label for={id}>{p.label}</label>
      <select id={id} name={p.name} aria-invalid={error ? 'true' : undefined} aria-describedby={error ? `${id}-error` : undefined}>
        {p.options.map(([value, label]) => (
          <option value={value} selected={String(p.value ?? '') === value}>
            {label}
          </option>
        ))}
      </select>
      <FieldError id={`${id}-error`} error={error} />
    </p>
  );
};

/** A labelled checkbox (`f-<name>`) with its error beside it, as `Field` does for inputs; `required`: the browser sends its form only ticked. */
export const Checkbox: FC<{ name: string; label: string; checked: boolean; errors?: FieldErrors; required?: boolean }> = (p) => {
  const id = `f-${p.name}`;
  const error = p.errors?.[p.name];
  return (
    <p class="field">
      <label class="choice">
        <input type="checkbox" name={p.name} id={id} checked={p.checked} required={p.required} aria-invalid={error ? 'true' : undefined} aria-describedby={error ? `${id}-error` : undefined} /> {p.label}
      </label>
      <FieldError id={`${id}-error`} error={error} />
    </p>
  );
};

/** The text with its first letter capitalised: `enter an amount` → `Enter an amount`, `basic` → `Basic`. */
export const sentenceCase = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * A field's error beside it, in sentence case whoever wrote it: the form's own parse ("enter an
 * amount in dollars") and the service's refusal ("no such category") read alike on every page.
 */
export const FieldError: FC<{ id: string; error?: string }> = ({ id, error }) =>
  error ? (
    <span class="error" id={id} role="alert">
      {sentenceCase(error)}
    </span>
  ) : null;

/** A one-button form (an action on an order, sign-out…). */
export const ActionButton: FC<{ action: string; csrf: string; label: string; name?: string; value?: string; class?: string }> = (p) => (
  <form method="post" action={p.action} class="inline">
    <input type="hidden" name="_csrf" value={p.csrf} />
    {p.name ? <input type="hidden" name={p.name} value={p.value} /> : null}
    <button type="submit" class={p.class}>
      {p.label}
    </button>
  </form>
);

/** Previous/next links of a keyset-paginated list. */
export const Pager: FC<{ next?: string | null; nextLabel?: string }> = ({ next, nextLabel }) =>
  next ? (
    <nav class="pager" aria-label="pages">
      <a href={next} rel="next">
        {nextLabel ?? 'Next page →'}
      </a>
    </nav>
  ) : null;

/** The header's links for a visitor: ordering a job needs no account (W-01). */
const SignedOutLinks: FC = () => (
  <>
    <li>
      <a href="/jobs/new">Order a job</a>
    </li>
    <li>
      <a href="/sign-in">Sign in</a>
    </li>
    <li>
      <a href="/sign-up">Sign up</a>
    </li>
  </>
);

const Header: FC<{ viewer: Viewer }> = ({ viewer }) => {
  const { user } = viewer;
  // Every role a user holds opens some staff page (support included; an expert's is the job queue).
  const staff = (user?.roles.length ?? 0) > 0;
  return (
    <header class="site">
      <a class="brand" href="/">
        gigflow
      </a>
      <form class="quick-search" method="get" action="/search" role="search">
        <label for="q-top" class="visually-hidden">
          Search services
        </label>
        <input id="q-top" name="q" type="search" placeholder="I need…" />
        <button type="submit">Search</button>
      </form>
      <nav aria-label="main">
        <ul>
          <li>
            <a href="/search">Services</a>
          </li>
          {user ? (
            <>
              <li>
                <a href="/orders">My orders</a>
              </li>
              <li>
                <a href="/jobs">Jobs</a>
              </li>
              <li>
                <a href="/cart">Cart</a>
              </li>
              <li>
                <a href="/favorites">Favorites</a>
              </li>
              <li>
                <a href="/seller">Selling</a>
              </li>
              <li>
                <a href="/balance" id="header-balance">
                  Balance {viewer.balanceCents === undefined ? null : <Money cents={viewer.balanceCents} />}
                </a>
              </li>
              <MessagesLink count={viewer.unreadMessages ?? 0} />
              <li>
                <a href="/notifications" id="header-notifications">
                  Notifications{' '}
                  {viewer.unread ? (
                    <span class="badge" aria-label={`${viewer.unread} unread`}>
                      {viewer.unread}
                    </span>
                  ) : null}
                </a>
              </li>
              {staff ? (
                <li>
                  <a href="/staff">Staff</a>
                </li>
              ) : null}
              <li>
                <a href="/settings">{user.login}</a>
              </li>
              <li>
                <ActionButton action="/sign-out" csrf={viewer.csrf} label="Sign out" class="link" />
              </li>
            </>
          ) : (
            <SignedOutLinks />
          )}
        </ul>
      </nav>
      {viewer.activity ? <ActivityLine activity={viewer.activity} /> : null}
    </header>
  );
};

/** How long ago an instant was, as a header says it: "just now", "3 min ago", "2 h ago", "4 days ago". */
export function agoText(at: string, nowMs: number): string {
  const minutes = Math.floor(Math.max(0, nowMs - Date.parse(at)) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h ago`;
  const days = Math.floor(minutes / (24 * 60));
  return `${days} ${days === 1 ? 'day' : 'days'} ago`;
}

/** K-70: "12 users online · last order 3 min ago", under the header's links on every page. */
const ActivityLine: FC<{ activity: SiteActivity }> = ({ activity }) => (
  <p class="site-activity" id="site-activity" title={`signed-in users active within the last ${activity.onlineWithinMinutes} minutes`}>
    <span id="users-online">{`${activity.usersOnline} ${activity.usersOnline === 1 ? 'user' : 'users'} online`}</span>
    {activity.lastOrderAt ? (
      <>
        {' · '}
        <span id="last-order" title={activity.lastOrderAt}>{`last order ${agoText(activity.lastOrderAt, Date.now())}`}</span>
      </>
    ) : null}
  </p>
);

/**
 * The header's count of unread messages. Always present (empty at 0), so the messages pages'
 * polled fragments can replace it out of band (`hx-swap-oob`) without a reload.
 */
export const MessagesBadge: FC<{ count: number; oob?: boolean }> = ({ count, oob }) => (
  <span id="messages-badge" class={count ? 'badge' : undefined} aria-label={count ? `${count} unread messages` : undefined} hx-swap-oob={oob ? 'true' : undefined}>
    {count ? String(count) : ''}
  </span>
);

const MessagesLink: FC<{ count: number }> = ({ count }) => (
  <li>
    <a href="/messages" id="header-messages">
      Messages <MessagesBadge count={count} />
    </a>
  </li>
);

/** The page: header, main content with its heading, and the scripts (htmx, the page script) from our own origin. */
export const Layout: FC<PropsWithChildren<{ title: string; viewer: Viewer; flash?: Child }>> = ({ title, viewer, flash, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="csrf-token" content={viewer.csrf} />
      <title>{`${title} · gigflow`}</title>
      <link rel="stylesheet" href="/assets/app.css" />
      <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
      <script src="/assets/htmx.min.js" defer></script>
      <script src="/assets/app.js" defer></script>
    </head>
    <body data-zone={viewer.timeZone && viewer.timeZone !== 'UTC' ? viewer.timeZone : undefined}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <Header viewer={viewer} />
      <main id="main">
        {flash ? (
          <p class="flash" role="status">
            {flash}
          </p>
        ) : null}
        <h1>{title}</h1>
        <ViewerZone.Provider value={viewer.timeZone}>{children}</ViewerZone.Provider>
      </main>
      {viewer.cookieNotice !== undefined ? (
        <aside class="cookie-notice" aria-label="cookie notice">
          <p>
            We use cookies to keep you signed in and, if you accept, to remember the affiliate link you first came through (3 months). <a href="/cookie-consent">More</a>
          </p>
          <ConsentForm csrf={viewer.csrf} next={viewer.cookieNotice} />
        </aside>
      ) : null}
      <footer class="site">
        <p>
          gigflow · <a href="/search">Services</a>
        </p>
      </footer>
    </body>
  </html>
);

/** W-21: the cookie notice every page shows until the browser answers it. */
export const ConsentForm = ({ csrf, next }: { csrf: string; next: string }) => (
  <form method="post" action="/cookie-consent" class="cookie-consent" aria-label="cookie consent">
    <input type="hidden" name="_csrf" value={csrf} />
    <input type="hidden" name="next" value={next} />
    <button type="submit" name="choice" value="accept">
      Accept cookies
    </button>{' '}
    <button type="submit" name="choice" value="decline">
      Decline cookies
    </button>
  </form>
);
