/**
 * The two sides of an engagement as the shared rules name them: the buyer and the seller.
 * Orders are the only engagement so far.
 */
export type Party = 'buyer' | 'seller';

export const otherParty = (party: Party): Party => (party === 'buyer' ? 'seller' : 'buyer');
