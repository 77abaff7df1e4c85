/**
 * What an order costs and how long it takes, from the offer as it is when ordered: pure rules,
 * used by the API to quote a placement (and to price a cart line) and by the order workflow to
 * check the input it starts with.
 *
 * - K-03: an order is the basic kwork, or one package tier (Economy / Standard / Business),
 *   which is ordered alone: one unit, no options.
 * - K-04: total = the basic price × units + every chosen option (a package: its own price).
 * - K-05: "the lead time of the following Kwork offers (2, 3 and so on) is divided in half":
 *   base + (units − 1) × base / 2, plus each chosen option's extra days (a package: its own).
 */
import { DAY } from '../lib/time.js';
import type { OrderInput, OrderLine } from './messages.js';

export type PackageTierName = 'economy' | 'standard' | 'business';

/** The parts of an offer a placement prices: its basic kwork, options and packages. */
export interface PricedOffer {
  priceCents: number;
  leadTimeDays: number;
  options: readonly { id: number; title: string; priceCents: number; extraDays: number }[];
  packages: Partial<Record<PackageTierName, { priceCents: number; leadTimeDays: number; includes: string[] }>> | null;
}

/** What the buyer asks for: units and options of the basic kwork, or one package. */
export interface LineRequest {
  units: number;
  optionIds: readonly number[];
  packageTier: PackageTierName | null;
}

/** Why a request cannot be ordered from this offer, at the request field it concerns. */
export interface PlacementRefusal {
  path: 'body.packageTier' | 'body.optionIds';
  message: string;
}

export interface Quote {
  line: OrderLine;
  totalCents: number;
  leadTimeMs: number;
}

/** K-05: the basic kwork's lead time for `units`, plus the options' extra days. */
export function basicLeadTimeMs(baseDays: number, units: number, extraDays: readonly number[]): number {
  return baseDays * DAY + ((units - 1) * baseDays * DAY) / 2 + extraDays.reduce((sum, days) => sum + days * DAY, 0);
}

/**
 * K-04: the price of a line from the offer's content. A package the offer no longer has costs
 * 0 here (a cart line shows it unavailable; `quote` refuses it before pricing).
 */
export function lineTotal(offer: Pick<PricedOffer, 'priceCents' | 'options' | 'packages'>, request: LineRequest): number {
  if (request.packageTier) return offer.packages?.[request.packageTier]?.priceCents ?? 0;
  const options = offer.options.filter((o) => request.optionIds.includes(o.id));
  return offer.priceCents * request.units + options.reduce((sum, o) => sum + o.priceCents, 0);
}

/** Whether the offer can take this request (K-03 packages alone, K-04 its own options); null when it can. */
export function refusalOf(offer: PricedOffer, request: LineRequest): PlacementRefusal | null {
  if (request.packageTier) {
    if (!offer.packages?.[request.packageTier]) return { path: 'body.packageTier', message: `this offer has no ${request.packageTier} package` };
    if (request.units !== 1 || request.optionIds.length) return { path: 'body.packageTier', message: 'a package is ordered alone: one unit, no options' };
    return null;
  }
  const unknown = request.optionIds.filter((id) => !offer.options.some((o) => o.id === id));
  return unknown.length ? { path: 'body.optionIds', message: `no such option: ${unknown.join(', ')}` } : null;
}

/** The order line, its total and its lead time; or why the offer cannot take the request. */
export function quote(offer: PricedOffer, request: LineRequest): Quote | PlacementRefusal {
  const refusal = refusalOf(offer, request);
  if (refusal) return refusal;
  const totalCents = lineTotal(offer, request);
  if (request.packageTier) {
    const pkg = offer.packages![request.packageTier]!;
    return { line: { kind: 'package', tier: request.packageTier, includes: pkg.includes }, totalCents, leadTimeMs: pkg.leadTimeDays * DAY };
  }
  const chosen = offer.options.filter((o) => request.optionIds.includes(o.id));
  return {
    line: { kind: 'basic', units: request.units, options: chosen.map((o) => ({ id: o.id, title: o.title, priceCents: o.priceCents, extraDays: o.extraDays })) },
    totalCents,
    leadTimeMs: basicLeadTimeMs(offer.leadTimeDays, request.units, chosen.map((o) => o.extraDays)),
  };
}

export function isRefusal(result: Quote | PlacementRefusal): result is PlacementRefusal {
  return 'path' in result;
}

/**
 * Whether an order's start input agrees with these rules, applied to its own offer snapshot:
 * the workflow checks it before anything else, so a start that did not come from a placement
 * (another client, the Temporal CLI) cannot run an order at a price or length the rules do
 * not give. A package's price is not in the snapshot: only its shape is checked. Null when
 * the input holds.
 */
export function inconsistencyOf(input: OrderInput): string | null {
  const { line, offer } = input;
  if (!Number.isSafeInteger(input.totalCents) || input.totalCents <= 0) return `totalCents ${input.totalCents} is not a positive amount of cents`;
  if (line.kind === 'package') {
    return Number.isInteger(input.leadTimeMs / DAY) && input.leadTimeMs > 0 ? null : `a package's lead time is whole days, not ${input.leadTimeMs} ms`;
  }
  if (!Number.isSafeInteger(line.units) || line.units < 1) return `units ${line.units} is not a positive whole number`;
  const total = offer.basePriceCents * line.units + line.options.reduce((sum, o) => sum + o.priceCents, 0);
  if (total !== input.totalCents) return `totalCents ${input.totalCents} is not ${total}, the price of ${line.units} unit(s) and ${line.options.length} option(s) (K-04)`;
  const lead = basicLeadTimeMs(offer.baseLeadTimeDays, line.units, line.options.map((o) => o.extraDays));
  return lead === input.leadTimeMs ? null : `leadTimeMs ${input.leadTimeMs} is not ${lead}, the lead time of ${line.units} unit(s) and their options (K-05)`;
}
