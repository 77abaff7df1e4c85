/**
 * Deflate's preset dictionary for the payloads gigflow stores in Temporal (issue 19 §3): text
 * that deflate may refer back to as if it had come just before the payload, so that what every
 * order's payloads share — their keys, policy, statuses, deadline and timeline phrasing — costs
 * a few bytes a payload instead of being spelled out in each. An order's view (1.6–1.9 KB of
 * JSON) is stored in 420–500 bytes with it, against 790–860 deflated alone.
 *
 * It is made from an invented order's input and two of its views (in progress, completed), as
 * `workflows/order/` wrote them when it was made; it need not follow their changes (a key it
 * lacks is only spelled out). **Never edit it**: every payload deflated with it names its id
 * (`orders-1`), and decodes only with exactly these bytes (test/unit/payload-codec.test.ts pins
 * their SHA-256). A better one is added under a new id and made the one that deflates; the old
 * stays for the payloads written with it.
 */

/** The documents, as JSON.stringify writes each (in this order, without spaces), concatenated. */
const ordersOne: readonly unknown[] = [
  {
    orderId: 90817,
    buyer: {
      id: 3107,
      login: 'anna_k'
    },
    seller: {
      id: 2291,
      login: 'boris.design'
    },
    offer: {
      offerId: 5512,
      title: 'I will write a blog post about your product',
      categoryId: 4,
      basePriceCents: 1500,
      baseLeadTimeDays: 2,
      instructions: 'Send me the product page.',
      unitVolume: '500 words'
    },
    line: {
      kind: 'package',
      units: 2,
      options: []
    },
    totalCents: 3000,
    leadTimeMs: 172800000,
    placedAt: '2025-03-14T09:26:53.589Z',
    requirements: null,
    policy: {
      version: 3,
      commissionBps: 2000,
      startWithinMs: 86400000,
      freeCancelMs: 1200000,
      progressReminderMs: 259200000,
      reviewMs: 259200000,
      reviewReminderBeforeMs: 86400000,
      revisionMs: 172800000,
      inactivityMs: 1209600000,
      cancellationAnswerMs: 172800000,
      noContactAfterMs: 86400000,
      disputeAnswerMs: 172800000,
      arbitrationBusinessDays: 5,
      maxReturnToWorkDays: 30,
      cancellationPausesWindows: true,
      splitStatus: true,
      decisiveSearchDeadline: true
    }
  },
  {
    orderId: 90817,
    status: 'in_progress',
    buyer: {
      id: 3107,
      login: 'anna_k'
    },
    seller: {
      id: 2291,
      login: 'boris.design'
    },
    offer: {
      offerId: 5512,
      title: 'I will write a blog post about your product',
      categoryId: 4,
      basePriceCents: 1500,
      baseLeadTimeDays: 2,
      instructions: 'Send me the product page.',
      unitVolume: '500 words'
    },
    line: {
      kind: 'package',
      units: 2,
      options: []
    },
    amounts: {
      totalCents: 3000,
      sellerEarningsCents: 2400,
      commissionCents: 600
    },
    leadTimeMs: 172800000,
    placedAt: '2025-03-14T09:26:53.589Z',
    requirements: null,
    workClockStartedAt: '2025-03-14T11:36:30.712Z',
    workStartedAt: '2025-03-14T11:36:30.712Z',
    deadline: '2025-03-16T11:36:30.712Z',
    progress: null,
    question: null,
    deliveries: [],
    revisionCount: 0,
    cancellation: null,
    declinedCancellation: null,
    dispute: null,
    closure: null,
    deadlines: [
      {
        kind: 'work_deadline',
        at: '2025-03-16T11:36:30.712Z',
        party: 'seller',
        outcome: 'the order becomes late at 2025-03-16T11:36:30.712Z'
      },
      {
        kind: 'inactivity',
        at: '2025-03-28T11:36:30.712Z',
        party: 'seller',
        outcome: 'cancel and refund the buyer for inactivity at 2025-03-28T11:36:30.712Z'
      }
    ],
    nextDeadline: {
      kind: 'work_deadline',
      at: '2025-03-16T11:36:30.712Z',
      party: 'seller',
      outcome: 'the order becomes late at 2025-03-16T11:36:30.712Z'
    },
    reminders: [
      {
        kind: 'progress_reminder',
        at: '2025-03-17T11:36:30.712Z',
        party: 'seller',
        outcome: 'remind the seller to report progress at 2025-03-17T11:36:30.712Z'
      }
    ],
    allowedActions: [
      'ask_buyer',
      'report_progress',
      'deliver',
      'request_cancellation'
    ],
    timeline: [
      {
        at: '2025-03-14T09:26:53.589Z',
        by: 'buyer',
        event: 'placed',
        text: 'Ordered “I will write a blog post about your product” for $30.00'
      },
      {
        at: '2025-03-14T11:36:30.712Z',
        by: 'seller',
        event: 'work_started',
        text: 'Work started; due 2025-03-16T11:36:30.712Z'
      }
    ],
    lastActivityAt: '2025-03-14T11:36:30.712Z',
    policyVersion: 3
  },
  {
    orderId: 90817,
    status: 'completed',
    buyer: {
      id: 3107,
      login: 'anna_k'
    },
    seller: {
      id: 2291,
      login: 'boris.design'
    },
    offer: {
      offerId: 5512,
      title: 'I will write a blog post about your product',
      categoryId: 4,
      basePriceCents: 1500,
      baseLeadTimeDays: 2,
      instructions: 'Send me the product page.',
      unitVolume: '500 words'
    },
    line: {
      kind: 'package',
      units: 2,
      options: []
    },
    amounts: {
      totalCents: 3000,
      sellerEarningsCents: 2400,
      commissionCents: 600
    },
    leadTimeMs: 172800000,
    placedAt: '2025-03-14T09:26:53.589Z',
    requirements: null,
    workClockStartedAt: '2025-03-14T11:36:30.712Z',
    workStartedAt: '2025-03-14T11:36:30.712Z',
    deadline: '2025-03-16T11:36:30.712Z',
    progress: null,
    question: null,
    deliveries: [
      {
        at: '2025-03-14T13:46:07.835Z',
        text: 'Here it is.',
        links: [
          'https://example.org/post.docx'
        ]
      }
    ],
    revisionCount: 0,
    cancellation: null,
    declinedCancellation: null,
    dispute: null,
    closure: {
      kind: 'completed',
      reason: 'accepted',
      at: '2025-03-14T15:55:44.958Z',
      feedbackAllowed: true,
      toSellerCents: 2400,
      commissionCents: 600,
      refundedCents: 0
    },
    deadlines: [],
    nextDeadline: null,
    reminders: [],
    allowedActions: [],
    timeline: [
      {
        at: '2025-03-14T09:26:53.589Z',
        by: 'buyer',
        event: 'placed',
        text: 'Ordered “I will write a blog post about your product” for $30.00'
      },
      {
        at: '2025-03-14T11:36:30.712Z',
        by: 'seller',
        event: 'work_started',
        text: 'Work started; due 2025-03-16T11:36:30.712Z'
      },
      {
        at: '2025-03-14T13:46:07.835Z',
        by: 'seller',
        event: 'delivered',
        text: 'Delivered (1 links)'
      },
      {
        at: '2025-03-14T15:55:44.958Z',
        by: 'buyer',
        event: 'completed',
        text: 'The buyer accepted the work.'
      }
    ],
    lastActivityAt: '2025-03-14T15:55:44.958Z',
    policyVersion: 3
  }
];

/** Every dictionary an envelope may name, by id. */
export const DEFLATE_DICTIONARIES: ReadonlyMap<string, Buffer> = new Map([['orders-1', Buffer.from(ordersOne.map((doc) => JSON.stringify(doc)).join(''), 'utf8')]]);

/** The dictionary new payloads are deflated with. */
export const DEFLATE_WITH = 'orders-1';
