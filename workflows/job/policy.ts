/**
 * An estimated job's numbers (W-04, W-13, D-03, D-06). The job workflow receives them with its
 * input, so a running job keeps the rules it was ordered under when this file changes: bump
 * `version` with any change. Money in integer cents.
 */
export interface AutoApprovalPolicy {
  /** W-13, D-06: "up to $400" includes $400.00, so a job of exactly this total is a small one. */
  smallJobMaxCents: number;
  /** W-13: business days from the client's last activity (D-03) for a small job. */
  smallJobBusinessDays: number;
  /** W-13: business days from the client's last activity for any larger job. */
  businessDays: number;
  /** W-13 (issue 18): the client is reminded this many business days before auto-approval. */
  reminderBusinessDaysBefore: number;
}

/** D-06: whose business days and wall clock the job's deadlines follow. */
export interface CalendarPlace {
  /** IANA zone of the wall clock and the calendar date. */
  zone: string;
  /** ISO 3166 country whose statutory public holidays are not business days. */
  country: string;
}

/** W-02: the experts' working hours on business days (D-06), in which first-answer targets count. */
export interface BusinessHours {
  /** Wall-clock hours in the calendar's zone: [startHour, endHour). */
  startHour: number;
  endHour: number;
}

export interface JobPolicy {
  version: number;
  /** W-04: an estimate is hours × this flat rate. */
  hourlyRateCents: number;
  /** The largest estimate, in quarter hours (W-04: an estimate is given in quarter hours). */
  maxQuarterHours: number;
  /** W-12: the platform's commission on a released job, in basis points of the price. */
  commissionBps: number;
  autoApproval: AutoApprovalPolicy;
  calendar: CalendarPlace;
  businessHours: BusinessHours;
  /**
   * W-02: within how many business hours (of `businessHours`) an expert's first answer (a
   * message or an estimate) is due after the job enters the queue, by urgency; staff are alerted
   * when it is missed.
   */
  firstAnswerBusinessHours: Record<'low' | 'normal' | 'high' | 'critical', number>;
  /** W-01: how long a job ordered with a new account waits for its activation, in ms. */
  verificationTimeoutMs: number;
  /** W-07: how long an estimate can be paid, in ms; unpaid then, the job expires. */
  estimateValidMs: number;
  /** The longest reason, plan or note, in characters. */
  maxTextChars: number;
  /**
   * Version 2: staff who are the job's client or its expert neither reassign it nor decide its
   * cancellation: nobody judges their own case (403). Absent in jobs begun before.
   */
  partiesDoNotJudge?: boolean;
}

/** The rules a new job starts with. */
export const jobPolicy: JobPolicy = {
  version: 2,
  hourlyRateCents: 6_000,
  // 200 hours: a larger job is split into several (W-16: more work means a new job).
  maxQuarterHours: 800,
  commissionBps: 2_000,
  autoApproval: { smallJobMaxCents: 40_000, smallJobBusinessDays: 3, businessDays: 5, reminderBusinessDaysBefore: 1 },
  calendar: { zone: 'Europe/Warsaw', country: 'PL' },
  businessHours: { startHour: 9, endHour: 17 },
  firstAnswerBusinessHours: { critical: 2, high: 4, normal: 8, low: 16 },
  verificationTimeoutMs: 7 * 24 * 3_600_000,
  estimateValidMs: 14 * 24 * 3_600_000,
  maxTextChars: 4_000,
  partiesDoNotJudge: true,
};
