/**
 * The order page's read-only parts: the status panel (status, progress in 10 % squares,
 * K-13; who acts next, by when, and what happens if nobody does; the reminders apart), the
 * details, the deliveries and requests, and the timeline.
 */
import type { FC } from 'hono/jsx';
import type { OrderDetails } from '../../../services/orders.js';
import { cancellationReasonWords, type OrderView, type PendingDeadline, type Viewer as OrderViewer } from '../../../workflows/order/messages.js';
import { AttachmentList } from '../attachments.js';
import { Countdown, Money, sentenceCase, Stamped, Time } from '../../ui.js';
import { dutyOf, outcomeText, partyLabel, ruleOf, statusLabel, words } from './labels.js';

/** What the page was rendered from: when the order's status or allowed actions differ, its forms are stale. */
export const stateKey = (view: OrderView) => `${view.status}:${view.allowedActions.join(',')}`;

/** K-13: ten squares, one per 10 %. */
export const Progress: FC<{ percent: number }> = ({ percent }) => (
  <div class="progress" role="img" aria-label={`Progress: ${percent} %`}>
    {Array.from({ length: 10 }, (_, i) => (
      <span class={(i + 1) * 10 <= percent ? 'done' : undefined}></span>
    ))}
    {/* Said in words too: ten empty squares alone read as a broken widget. */}
    <small class="muted" aria-hidden="true">
      {percent} % done
    </small>
  </div>
);

const you = (deadline: PendingDeadline, role: OrderViewer) => deadline.party === role;

/** Who must act, by when (countdown and the absolute time), and what happens otherwise. */
export const NextAction: FC<{ view: OrderView; role: OrderViewer }> = ({ view, role }) => {
  const next = view.nextDeadline;
  return (
    <section class="next-action" aria-labelledby="next-h" id="next-action">
      <h2 id="next-h">Who acts next</h2>
      {next ? (
        <>
          <p>
            <strong id="next-party">{you(next, role) ? 'You' : partyLabel[next.party]}</strong>
            {you(next, role) ? ` (the ${next.party})` : ''} must {dutyOf[next.kind]} by <Time at={next.at} />:{' '}
            <Countdown at={next.at} />.
          </p>
          <p id="next-outcome">
            If nobody does: {outcomeText(next.outcome)}. <small class="muted">({ruleOf[next.kind]})</small>
          </p>
        </>
      ) : (
        <p>Nobody: the order is {statusLabel[view.status].toLowerCase()}.</p>
      )}
    </section>
  );
};

export const Reminders: FC<{ reminders: PendingDeadline[] }> = ({ reminders }) =>
  reminders.length === 0 ? null : (
    <section aria-labelledby="reminders-h" id="reminders">
      <h3 id="reminders-h">Reminders</h3>
      <ul>
        {reminders.map((r) => (
          <li>
            <Time at={r.at} />: {partyLabel[r.party].toLowerCase()} is reminded to {dutyOf[r.kind]} ({ruleOf[r.kind]}; nothing else changes)
          </li>
        ))}
      </ul>
    </section>
  );

/** The part of the page that polls itself (htmx) while the order is open; without JS it is simply the page's. */
export const StatusPanel: FC<{ view: OrderView; role: OrderViewer; seen: string }> = ({ view, role, seen }) => {
  const open = view.closure === null && view.status !== 'void';
  const poll = `/orders/${view.orderId}/panel?seen=${encodeURIComponent(seen)}`;
  return (
    <div id="status-panel" hx-get={open ? poll : undefined} hx-trigger={open ? 'every 5s' : undefined} hx-swap="outerHTML">
      {seen !== stateKey(view) ? (
        <p class="flash" role="status">
          The order has changed. <a href={`/orders/${view.orderId}`}>Reload the page</a> to see what you can do now.
        </p>
      ) : null}
      <p>
        Status: <span class="status" id="order-status">{statusLabel[view.status]}</span>
        {view.deadline && open ? (
          <>
            {' '}
            · work due <Time at={view.deadline} />
          </>
        ) : null}
      </p>
      {view.progress || view.workStartedAt ? (
        <>
          <Progress percent={view.progress?.percent ?? 0} />
          {view.progress ? (
            <p id="progress-comment">
              {view.progress.percent} %: {view.progress.comment} <small class="muted">(<Time at={view.progress.at} />)</small>
            </p>
          ) : null}
        </>
      ) : null}
      <NextAction view={view} role={role} />
      <Reminders reminders={view.reminders} />
    </div>
  );
};

/** As the offer page names it: "Standard package: 3 concepts, Source files" (K-03: what the tier includes). */
const lineText = (line: OrderView['line']) =>
  line.kind === 'package'
    ? `${sentenceCase(line.tier)} package${line.includes.length ? `: ${line.includes.join(', ')}` : ''}`
    : `${line.units} × basic${line.options.length ? ` + ${line.options.map((o) => o.title).join(', ')}` : ''}`;

export const Details: FC<{ view: OrderView; role: OrderViewer }> = ({ view, role }) => (
  <section aria-labelledby="details-h">
    <h2 id="details-h">Details</h2>
    <dl>
      <dt>Service</dt>
      <dd>
        <a href={`/offers/${view.offer.offerId}`}>{view.offer.title}</a>
      </dd>
      <dt>Ordered</dt>
      <dd>{lineText(view.line)}</dd>
      <dt>Buyer</dt>
      <dd>{view.buyer.login}</dd>
      <dt>Seller</dt>
      <dd>{view.seller.login}</dd>
      <dt>Total</dt>
      <dd>
        <Money cents={view.amounts.totalCents} />
      </dd>
      {role === 'buyer' ? null : (
        <>
          <dt>Seller earns</dt>
          <dd>
            <Money cents={view.amounts.sellerEarningsCents} />
          </dd>
        </>
      )}
      <dt>Placed</dt>
      <dd>
        <Time at={view.placedAt} />
      </dd>
      <dt>Lead time</dt>
      <dd>{Math.round(view.leadTimeMs / 3_600_000 / 24)} d</dd>
    </dl>
    <h3>Instructions for the buyer</h3>
    <p class="pre">{view.offer.instructions || '—'}</p>
    <h3>Requirements</h3>
    <p class="pre" id="requirements">{view.requirements ?? 'Not sent yet.'}</p>
  </section>
);

/** Each delivery: its message, links and files (K-69: downloads for both parties). */
export const Deliveries: FC<{ view: OrderDetails }> = ({ view }) =>
  view.deliveries.length === 0 ? null : (
    <section aria-labelledby="deliveries-h" id="deliveries">
      <h2 id="deliveries-h">Deliveries</h2>
      <ol>
        {view.deliveries.map((d) => (
          <li>
            <Time at={d.at} />
            <p class="pre">{d.text}</p>
            {d.links.length ? (
              <ul>
                {d.links.map((link) => (
                  <li>
                    <a href={link} rel="noopener noreferrer nofollow">
                      {link}
                    </a>
                  </li>
                ))}
              </ul>
            ) : null}
            <AttachmentList files={d.attachments} />
          </li>
        ))}
      </ol>
      {view.revisionCount ? <p>Revisions asked for: {view.revisionCount}</p> : null}
    </section>
  );

/** The open cancellation request (K-18), the question to the buyer, the dispute (K-23), how it ended. */
export const Requests: FC<{ view: OrderView }> = ({ view }) => (
  <>
    {view.question ? (
      <section aria-labelledby="question-h">
        <h2 id="question-h">The seller’s question</h2>
        <p class="pre">{view.question.text}</p>
        <p class="muted">{view.question.answeredAt ? 'Answered.' : 'Waiting for the buyer’s answer: a message in the order’s conversation, or the requirements (K-20).'}</p>
      </section>
    ) : null}
    {view.cancellation ? (
      <section aria-labelledby="cancellation-h" id="cancellation">
        <h2 id="cancellation-h">Cancellation requested</h2>
        <p>
          By the {view.cancellation.by}, <Time at={view.cancellation.at} />: {cancellationReasonWords[view.cancellation.reason]}
          {view.cancellation.sufficient ? ' (a sufficient reason)' : ' (an insufficient reason: it counts against the seller, K-19)'}.
        </p>
        {view.cancellation.comment ? <p class="pre">{view.cancellation.comment}</p> : null}
      </section>
    ) : null}
    {view.dispute ? (
      <section aria-labelledby="dispute-h">
        <h2 id="dispute-h">Dispute</h2>
        <p>
          Opened by the {view.dispute.openedBy}, <Time at={view.dispute.openedAt} />: {view.dispute.statement}
        </p>
        <p>{view.dispute.answer ? `Answer: ${view.dispute.answer}` : 'Not answered yet.'}</p>
      </section>
    ) : null}
    {view.closure ? (
      <p id="closure">
        Ended <Time at={view.closure.at} /> ({words(view.closure.reason)}): <Money cents={view.closure.toSellerCents} /> to the seller,{' '}
        <Money cents={view.closure.refundedCents} /> refunded.
      </p>
    ) : null}
  </>
);

const actor: Record<OrderView['timeline'][number]['by'], string> = { buyer: 'Buyer', seller: 'Seller', staff: 'Staff', system: 'gigflow' };

export const Timeline: FC<{ view: OrderView }> = ({ view }) => (
  <section aria-labelledby="timeline-h">
    <h2 id="timeline-h">Timeline</h2>
    <ol class="timeline" id="timeline">
      {view.timeline.map((e) => (
        <li>
          <Time at={e.at} /> · <strong>{actor[e.by]}</strong>: <Stamped text={e.text} />
        </li>
      ))}
    </ol>
  </section>
);
