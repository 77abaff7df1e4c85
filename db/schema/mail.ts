import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { categories } from './catalog.js';
import { users } from './users.js';

/**
 * The notification kinds a user may route (K-70), with the words the settings page shows. Staff
 * notices (`case_ready`, `arbitration_overdue`) are not among them: they always reach staff by
 * email too (activities/orders.ts).
 */
export const notificationKinds = {
  order_placed: 'A new order for your offer',
  new_message: 'A new message',
  work_started: 'The seller started work',
  requirements: 'The buyer submitted the requirements',
  question: 'The seller asks a question',
  progress: 'A progress report',
  progress_reminder: 'A reminder to report progress',
  delivered: 'The work is delivered',
  review_reminder: 'A reminder to review a delivery',
  revision: 'The buyer asks for a revision',
  late: 'An order is late',
  cancellation_requested: 'A cancellation is requested',
  cancellation_declined: 'A cancellation request is declined',
  cancellation_withdrawn: 'A cancellation request is withdrawn',
  dispute_opened: 'A dispute is opened',
  dispute_answered: 'A dispute is answered',
  case_taken: 'An arbiter took a case',
  dispute_decided: 'A dispute is decided',
  order_completed: 'An order is completed',
  order_cancelled: 'An order is cancelled',
  feedback_answered: 'The seller answered your feedback',
  feedback_answer_published: 'Your answer to feedback is published',
  feedback_answer_rejected: 'Your answer to feedback is rejected',
  feedback_deleted: 'Feedback is deleted',
  seller_level: 'Your seller level changed',
  badge_awarded: 'A badge awarded to you (K-36)',
  referral_commission: 'A referral commission',
  withdrawal_held: 'A withdrawal is on hold',
  withdrawal_released: 'A withdrawal is released',
  withdrawal_paid: 'A withdrawal is paid out',
  withdrawal_failed: 'A withdrawal failed',
  withdrawal_cancelled: 'A withdrawal is cancelled',
  withdrawal_rejected: 'A withdrawal is rejected',
  standing_warning: 'A warning about the rules',
  standing_offers_blocked: 'Your offers are blocked',
  standing_account_blocked: 'Your account is blocked',
  standing_lifted: 'A block is lifted',
  individual_offer: 'An individual offer for you',
  individual_offer_answered: 'An individual offer is declined or withdrawn',
  individual_offer_expired: 'An individual offer expired',
  new_request: 'A new service request in your categories',
  request_approved: 'Your service request is live',
  request_rejected: 'Your service request is rejected',
  request_answered: 'A seller answered your service request',
  request_expired: 'Your service request expired',
  job_claimed: 'An expert took your job',
  job_estimated: 'Your job is estimated',
  job_estimate_rejected: 'The client rejected your estimate',
  job_paid: 'A job you estimated is paid',
  job_delivered: 'An expert delivered your job',
  job_approval_reminder: 'A reminder before a job is approved automatically',
  job_approved: 'A job is approved',
  job_reassigned: 'A job changed expert',
  job_cancellation_requested: 'The client asks to cancel a job',
  job_cancellation_refused: 'A job cancellation is refused',
  job_cancelled: 'A job is cancelled',
  job_expired: 'A job expired',
} as const;
export type NotificationKind = keyof typeof notificationKinds;

/**
 * K-70: the kinds that reach the user by email as well as in the app until they choose
 * otherwise (a new order: the seller's most urgent news; a new message, once per conversation
 * until read, migration 0021; W-13: the reminder before a job is approved automatically, which
 * the client must not miss, migration 0030). Every other kind: in the app only. The
 * `notification_channels` function (migrations 0017, 0021, 0030) holds the same list: change both.
 */
export const emailedByDefault: readonly NotificationKind[] = ['order_placed', 'new_message', 'job_approval_reminder'];

/**
 * A user's choice of where one kind of notification reaches them (K-70): in the notification
 * centre, by email to their confirmed address, or both. No row: the kind's default. Applied to
 * every notification as it is inserted, by the `notifications_route` trigger (migration 0017).
 */
export const notificationSettings = pgTable(
  'notification_settings',
  {
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    kind: text('kind').notNull(),
    inApp: boolean('in_app').notNull(),
    email: boolean('email').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.kind] }), check('notification_settings_some_channel', sql`${t.inApp} or ${t.email}`)],
);

/** K-45: the categories whose new service requests a seller wants to hear about. */
export const sellerRequestCategories = pgTable(
  'seller_request_categories',
  {
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    categoryId: integer('category_id').notNull().references(() => categories.id),
  },
  (t) => [primaryKey({ columns: [t.userId, t.categoryId] }), index('seller_request_categories_category_idx').on(t.categoryId)],
);
