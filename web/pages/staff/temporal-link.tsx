/**
 * A staff member's link from an order or an offer's moderation to its workflow in the Temporal
 * Web UI. Shown to staff only; without a configured UI address it renders nothing. The order
 * page uses it too.
 */
import type { FC } from 'hono/jsx';
import { moderationWorkflowId } from '../../../workflows/moderation/messages.js';
import { orderWorkflowId } from '../../../workflows/order/messages.js';
import type { WebDeps } from '../../context.js';

/** The workflow's page in the Temporal Web UI, or undefined when no UI is configured. */
export function workflowUrl(deps: Pick<WebDeps, 'temporalUiUrl' | 'namespace'>, workflowId: string): string | undefined {
  if (!deps.temporalUiUrl) return undefined;
  const base = deps.temporalUiUrl.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(deps.namespace ?? 'default')}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Which workflow: an order's (`order-<id>`), a moderation submission's, or one named by its id. */
export type WorkflowRef = { orderId: number } | { offerId: number; revision: number } | { workflowId: string };

export const workflowIdOf = (ref: WorkflowRef): string =>
  'orderId' in ref ? orderWorkflowId(ref.orderId) : 'offerId' in ref ? moderationWorkflowId(ref.offerId, ref.revision) : ref.workflowId;

/** "Workflow in Temporal": opens the workflow's history in the Temporal Web UI (staff only). */
export const TemporalLink: FC<{ deps: Pick<WebDeps, 'temporalUiUrl' | 'namespace'>; to: WorkflowRef; label?: string }> = ({ deps, to, label }) => {
  const workflowId = workflowIdOf(to);
  const href = workflowUrl(deps, workflowId);
  if (!href) return null;
  return (
    <a class="temporal-link" href={href} target="_blank" rel="noopener noreferrer" data-workflow-id={workflowId}>
      {label ?? `Workflow ${workflowId} in Temporal`}
    </a>
  );
};

/**
 * Staff's link from an offer page to every workflow about the offer in the Temporal Web UI (its
 * moderation submissions and its orders), found by the `GigflowOfferId` search attribute.
 */
export const OfferWorkflowsLink: FC<{ deps: Pick<WebDeps, 'temporalUiUrl' | 'namespace'>; offerId: number }> = ({ deps, offerId }) => {
  if (!deps.temporalUiUrl) return null;
  const base = deps.temporalUiUrl.replace(/\/+$/, '');
  const query = encodeURIComponent(`GigflowOfferId="${offerId}"`);
  return (
    <a class="temporal-link" href={`${base}/namespaces/${encodeURIComponent(deps.namespace ?? 'default')}/workflows?query=${query}`} target="_blank" rel="noopener noreferrer">
      This offer’s workflows in Temporal
    </a>
  );
};
