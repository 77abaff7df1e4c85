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

export interface JobPolicy {
  version: number;
  /** W-04: an estimate is hours × this flat rate. */
  hourlyRateCents: number;
  autoApproval: AutoApprovalPolicy;
  calendar: CalendarPlace;
}

/** The rules a new job starts with. */
export const jobPolicy: JobPolicy = {
  version: 1,
  hourlyRateCents: 6_000,
  autoApproval: { smallJobMaxCents: 40_000, smallJobBusinessDays: 3, businessDays: 5, reminderBusinessDaysBefore: 1 },
  calendar: { zone: 'Europe/Warsaw', country: 'PL' },
};
