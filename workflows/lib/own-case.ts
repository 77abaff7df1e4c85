/**
 * Nobody judges their own case (our decision where the rules are silent): staff who are a party
 * to a thing — an order's buyer or seller, a job's client or expert, an offer's seller, a
 * request's buyer, a withdrawal's owner — do not act on it as staff; another staff member does.
 * Each process takes the rule as `partiesDoNotJudge` in the policy it starts with, so what began
 * before keeps its rules.
 */

/** The policy flag of the rule; absent in processes begun before it. */
export interface OwnCasePolicy {
  partiesDoNotJudge?: boolean;
}

/** Whether `staffId` acting as staff would judge their own case under `policy`. */
export function judgesOwnCase(policy: OwnCasePolicy, staffId: unknown, parties: readonly (number | null)[]): boolean {
  return policy.partiesDoNotJudge === true && parties.some((party) => party !== null && party === staffId);
}
