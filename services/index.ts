/**
 * The API's side of gigflow, built once from its dependencies: one service per area, each
 * from its own module. The HTTP routes (and later the web pages) call these, never the
 * database or Temporal directly; the only code here that talks to Temporal is the workflow
 * gateway. Production (`api/server.ts`), tests and benchmarks build it the same way.
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client.js';
import { createLedger } from '../db/ledger.js';
import type { OrderPolicy } from '../workflows/order/messages.js';
import { orderPolicy } from '../workflows/order/policy.js';
import type { RequestPolicy } from '../workflows/request/messages.js';
import type { StandingPolicy } from '../workflows/standing/messages.js';
import { createAccountClosures } from './account-closures.js';
import { createAccounts } from './accounts.js';
import { temporaryAttachmentStore, type AttachmentStore } from './attachment-store.js';
import { createAttachments } from './attachments.js';
import { createAttention } from './attention.js';
import { createCart } from './cart.js';
import { createCodecServer } from './codec-server.js';
import { createDataExport } from './data-export.js';
import { createConversations } from './conversations.js';
import type { Clock } from './clock.js';
import { outboxMail } from './dev-mail.js';
import { createFailedMail } from './failed-mail.js';
import { createFavorites } from './favorites.js';
import { createFeedback } from './feedback.js';
import { createIndividualOffers } from './individual-offers.js';
import { checkHealth } from './health.js';
import { createMetricsService } from './metrics.js';
import { createInvoicing } from './invoicing.js';
import { createJobInstalls } from './job-installs.js';
import { createJobs, type CreateAccountOnSubmission } from './jobs.js';
import type { JobPolicy } from '../workflows/job/policy.js';
import { createModeration } from './moderation.js';
import { createNotificationSettings } from './notification-settings.js';
import { createNotifications } from './notifications.js';
import { createOffers } from './offers.js';
import { createOrderGroups } from './order-groups.js';
import { createOrders } from './orders.js';
import type { Providers } from '../payments/provider.js';
import { createPayoutDetails } from './payout-details.js';
import { createProviderWebhooks } from './provider-webhooks.js';
import { createPlacement } from './placement.js';
import { createPortfolio } from './portfolio.js';
import { createReferrals } from './referrals.js';
import { createAffiliates } from './affiliates.js';
import { createAffiliateWallet } from './affiliate-wallet.js';
import { createRequests } from './requests.js';
import { createSanctions } from './sanctions.js';
import { createSiteActivity } from './site-activity.js';
import { createBadges } from './badges.js';
import { createSearch } from './search.js';
import { createSellers } from './sellers.js';
import { createWallet } from './wallet.js';
import { createWithdrawals } from './withdrawals.js';
import { createWorkflowGateway } from './workflow-gateway.js';
import type { Passwords } from './passwords.js';

export interface ServiceDeps {
  db: Db;
  temporal: Client;
  clock: Clock;
  /** Task queue the API starts workflows on. */
  taskQueue: string;
  /** The payment providers money goes in and out through (the local stand-ins of `providers/` in development and tests). */
  providers: Providers;
  /** The web client's public address: providers send payers back to its pages. */
  webUrl: string;
  /** The rules new orders start with; tests shorten the durations to run timers on the dev server. Default: the policy module's. */
  orderPolicy?: OrderPolicy;
  /** The rules of the standings staff sanctions start; tests shorten them. Default: the policy module's. */
  standingPolicy?: StandingPolicy;
  /** Where attachments' bytes go (K-69). Default: files under the system's temporary folder (tests, benchmarks). */
  attachmentStore?: AttachmentStore;
  /** The rules new service requests start with; tests shorten them. Default: the policy module's. */
  requestPolicy?: RequestPolicy;
  /** W-01: also run after an account created on submission is activated (tests observe or fail it). */
  onActivated?: (userId: number) => Promise<void>;
  /** The rules new estimated jobs start with; tests shorten them. Default: `workflows/job/policy.ts`'s. */
  jobPolicy?: JobPolicy;
  /** W-01: the account an anonymous "Order a Job" creates (default: the accounts' own `createAccountOnSubmission`; tests may replace it). */
  createAccountOnSubmission?: CreateAccountOnSubmission;
  /** How passwords are hashed and checked. Default: argon2id (`passwords.ts`). */
  passwords?: Passwords;
}

export function createServices(deps: ServiceDeps) {
  const { db, clock } = deps;
  const workflows = createWorkflowGateway({ temporal: deps.temporal, taskQueue: deps.taskQueue, ...(deps.standingPolicy ? { standingPolicy: deps.standingPolicy } : {}) });
  const ledger = createLedger(db);
  const accounts = createAccounts({ db, clock, webUrl: deps.webUrl, onActivated: afterActivation, passwords: deps.passwords });
  /**
   * W-01: what an activated account releases (its transaction committed; safe to run twice, a
   * failure goes to staff's attention list). The job's release of jobs waiting for the verified
   * address is called here.
   */
  async function afterActivation(userId: number): Promise<void> {
    await jobs.releaseActivated(userId);
    await deps.onActivated?.(userId);
  }
  const jobs = createJobs({
    db,
    clock,
    workflows,
    ...(deps.jobPolicy ? { rules: deps.jobPolicy } : {}),
    // W-01: the form's signed-out client gets an account inside the job's own transaction.
    createAccountOnSubmission: deps.createAccountOnSubmission ?? ((tx, input) => accounts.createAccountOnSubmission(tx, input)),
  });
  const placement = createPlacement({ db, clock, ledger, workflows, rules: deps.orderPolicy ?? orderPolicy() });
  const individualOffers = createIndividualOffers({ db, clock, placement, workflows });
  const { providers, webUrl } = deps;
  const wallet = createWallet({ db, ledger, providers, clock, webUrl });
  return {
    accounts,
    wallet,
    withdrawals: createWithdrawals({ db, ledger, clock, providers, workflows }),
    payoutDetails: createPayoutDetails({ db, clock, providers, webUrl }),
    webhooks: createProviderWebhooks({ db, ledger, providers, clock, workflows }),
    offers: createOffers({ db, clock, workflows }),
    moderation: createModeration({ db, clock, workflows }),
    cart: createCart({ db, clock, placement }),
    search: createSearch({ db, clock }),
    siteActivity: createSiteActivity({ db, clock }),
    badges: createBadges({ db, clock }),
    sellers: createSellers({ db, clock }),
    favorites: createFavorites({ db, clock }),
    feedback: createFeedback({ db, clock }),
    placement,
    referrals: createReferrals({ db, clock, webUrl }),
    affiliates: createAffiliates({ db, clock, webUrl }),
    affiliateWallet: createAffiliateWallet({ db, clock }),
    orders: createOrders({ db, workflows }),
    notifications: createNotifications({ db, clock }),
    notificationSettings: createNotificationSettings({ db, clock }),
    failedMail: createFailedMail(db),
    attention: createAttention({ db, workflows }),
    sanctions: createSanctions({ db, clock, workflows }),
    conversations: createConversations({ db, clock, workflows }),

    individualOffers,
    orderGroups: createOrderGroups({ db, clock, placement }),
    portfolio: createPortfolio({ db, clock }),
    invoicing: createInvoicing({ db, clock }),
    accountClosures: createAccountClosures({ db, clock, expireTopUps: wallet.expireStale }),
    dataExport: createDataExport({ db, clock }),
    attachments: createAttachments({ db, clock, store: deps.attachmentStore ?? temporaryAttachmentStore() }),
    requests: createRequests({ db, clock, workflows, individualOffers, ...(deps.requestPolicy ? { rules: deps.requestPolicy } : {}) }),
    jobs,
    jobInstalls: createJobInstalls({ db }),
    health: () => checkHealth({ db, workflows }),
    metrics: createMetricsService(db),
    codecServer: createCodecServer(deps.temporal),
    /** Development only: the mail outbox. */
    devMail: (to?: string) => outboxMail(db, to),
  };
}

export type Services = ReturnType<typeof createServices>;
