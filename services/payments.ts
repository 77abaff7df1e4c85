/**
 * The payment gateway adapter top-ups go through, and the built-in sandbox gateway that
 * behaves like a card processor's test mode: the card number (or PayPal account) decides.
 *
 * | card number        | PayPal account contains | outcome                                   |
 * | ------------------ | ----------------------- | ----------------------------------------- |
 * | 4242 4242 4242 4242 | (anything else)        | approved at once                          |
 * | 4000 0000 0000 0002 | `decline`              | declined: card_declined                   |
 * | 4000 0000 0000 9995 | —                      | declined: insufficient_funds              |
 * | 4000 0000 0000 3220 | `pending`              | pending, approved `SANDBOX_DELAY_MS` later |
 * Any other valid card number is approved.
 */
import { createHash, randomBytes } from 'node:crypto';

export type ChargeInput =
  | { amount: number; method: 'card'; cardNumber: string; reference: string }
  | { amount: number; method: 'paypal'; paypalAccount: string; reference: string };

export type ChargeStatus =
  | { status: 'approved'; gatewayRef: string }
  | { status: 'declined'; gatewayRef: string; reason: string }
  | { status: 'pending'; gatewayRef: string };

export interface PaymentGateway {
  /** Charges the payer; `reference` is ours (the top-up id), so a retried charge is recognised. */
  charge(input: ChargeInput): Promise<ChargeStatus>;
  /** The current state of a charge that was pending. */
  status(gatewayRef: string): Promise<ChargeStatus>;
}

/** The sandbox's "approve after a delay": 3 s, long enough to see a pending top-up. */
export const SANDBOX_DELAY_MS = 3_000;

export const sandboxCards = {
  approve: '4242424242424242',
  decline: '4000000000000002',
  insufficientFunds: '4000000000009995',
  delayed: '4000000000003220',
} as const;

/** Luhn's check digit: catches mistyped card numbers before they reach a gateway. */
export function isValidCardNumber(number: string): boolean {
  if (!/^\d{12,19}$/.test(number)) return false;
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let digit = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export function cardFingerprint(cardNumber: string): string {
  return createHash('sha256').update(`card:${cardNumber}`).digest('hex');
}

/**
 * The sandbox keeps no state: a pending charge's reference carries the time it becomes
 * approved, so any API process (or a restarted one) answers `status` the same way.
 */
export function sandboxGateway(clock: { now(): Date }): PaymentGateway {
  const ref = (kind: string) => `sbx_${kind}_${randomBytes(6).toString('hex')}`;
  return {
    async charge(input) {
      const key = input.method === 'card' ? input.cardNumber : input.paypalAccount.toLowerCase();
      if (key === sandboxCards.decline || (input.method === 'paypal' && key.includes('decline'))) {
        return { status: 'declined', gatewayRef: ref('declined'), reason: 'card_declined' };
      }
      if (key === sandboxCards.insufficientFunds) {
        return { status: 'declined', gatewayRef: ref('declined'), reason: 'insufficient_funds' };
      }
      if (key === sandboxCards.delayed || (input.method === 'paypal' && key.includes('pending'))) {
        return { status: 'pending', gatewayRef: `sbx_pending_${clock.now().getTime() + SANDBOX_DELAY_MS}_${randomBytes(6).toString('hex')}` };
      }
      return { status: 'approved', gatewayRef: ref('approved') };
    },
    async status(gatewayRef) {
      const pending = /^sbx_pending_(\d+)_/.exec(gatewayRef);
      if (!pending) return gatewayRef.startsWith('sbx_declined_')
        ? { status: 'declined', gatewayRef, reason: 'card_declined' }
        : { status: 'approved', gatewayRef };
      return clock.now().getTime() >= Number(pending[1]) ? { status: 'approved', gatewayRef } : { status: 'pending', gatewayRef };
    },
  };
}
