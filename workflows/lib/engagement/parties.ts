/**
 * The two sides of an engagement — a kwork order or an estimated job — as the shared rules
 * name them: the buyer (a job's client) and the seller (a job's expert).
 */
export type Party = 'buyer' | 'seller';

export const otherParty = (party: Party): Party => (party === 'buyer' ? 'seller' : 'buyer');
