/**
 * The notification centre (K-70): newest first, unread marked, mark read.
 * Each links to its order (or the job, request, withdrawal… it is about); "mark all read" and each item's "mark read" are the two choices
 * of `POST /notifications/read` (never an empty request meaning "all").
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { NotificationItem } from '../../services/notifications.js';
import { AppError } from '../../workflows/lib/errors.js';
import type { WebDeps, WebEnv } from '../context.js';
import { idOf } from '../forms.js';
import { page, query, redirect, userOf } from '../page.js';
import { ActionButton, Pager, Stamped, Time } from '../ui.js';

/** What a notification's link opens, by its page (`NotificationItem.page`); the notification centre itself needs none. */
const PAGE_LABELS: [RegExp, (id: string | undefined) => string][] = [
  [/^\/orders\/(\d+)$/, (id) => `Open order #${id}`],
  [/^\/jobs\/(\d+)$/, (id) => `Open job #${id}`],
  [/^\/requests\/(\d+)$/, (id) => `Open request #${id}`],
  [/^\/balance\/withdrawals\/(\d+)$/, (id) => `Open withdrawal #${id}`],
  [/^\/standing$/, () => 'Your standing'],
  [/^\/messages$/, () => 'Messages'],
  [/^\/individual-offers$/, () => 'Individual offers'],
  [/^\/profile$/, () => 'Your profile'],
];

function pageLabel(page: string): string | undefined {
  for (const [pattern, label] of PAGE_LABELS) {
    const match = page.match(pattern);
    if (match) return label(match[1]);
  }
  return undefined;
}

const Item: FC<{ item: NotificationItem; csrf: string }> = ({ item, csrf }) => {
  const label = pageLabel(item.page);
  return (
    <li class={item.read ? 'card notification' : 'card notification unread'} id={`notification-${item.id}`}>
      <p>
        {item.read ? null : <strong class="badge-unread">Unread</strong>} <Time at={item.createdAt} />
      </p>
      <p>
        <Stamped text={item.text} />
      </p>
      <p>
        {label ? <a href={item.page}>{label}</a> : null}{' '}
        {item.read ? null : <ActionButton action={`/notifications/${item.id}/read`} csrf={csrf} label="Mark read" class="secondary" />}
      </p>
    </li>
  );
};

export function notificationPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const { notifications } = deps.services;
  app.get('/notifications', async (c) => {
    const user = userOf(c);
    const cursor = query(c, 'cursor');
    const list = await notifications.list(user.id, { unreadOnly: false, cursor: idOf(cursor), limit: 20 });
    return page(c, deps, 'Notifications', (v) => (
      <>
        <p>
          <span id="unread-count">{list.unreadCount} unread</span>{' '}
          {list.unreadCount ? <ActionButton action="/notifications/read-all" csrf={v.csrf} label="Mark all read" /> : null}
        </p>
        {list.items.length === 0 ? (
          <p>No notifications yet.</p>
        ) : (
          <ol class="notifications" id="notifications">
            {list.items.map((item) => (
              <Item item={item} csrf={v.csrf} />
            ))}
          </ol>
        )}
        <Pager next={list.nextCursor ? `/notifications?cursor=${list.nextCursor}` : null} nextLabel="Older →" />
      </>
    ));
  });
  app.post('/notifications/read-all', async (c) => {
    const { unreadCount } = await notifications.markRead(userOf(c).id, 'all');
    return redirect(c, '/notifications', `All marked read (${unreadCount} unread).`);
  });
  app.post('/notifications/:id/read', async (c) => {
    const id = idOf(c.req.param('id'));
    if (id === undefined) throw new AppError('not_found', 'no such notification');
    await notifications.markRead(userOf(c).id, [id]);
    return redirect(c, '/notifications', 'Marked read.');
  });
  return app;
}
