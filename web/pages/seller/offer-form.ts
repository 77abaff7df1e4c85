/**
 * The offer editor's form ⇄ an offer's content (K-41): the fields and bounds of `POST /offers`'
 * zod schema (api/routes/offers.ts), read from a browser's form with the storable-text rule,
 * and the service's refusals of a field (`body.priceCents`…) mapped back to the form's field.
 */
import { z } from 'zod';
import type { OfferInput } from '../../../services/offer-content.js';
import type { OfferView } from '../../../services/offers.js';
import { catalogRules } from '../../../services/policy.js';
import type { CategoryNode } from '../../../services/search.js';
import { dollars, optionalText, parseForm, text, webAddress, whole, type FormData } from '../../forms.js';
import type { FieldErrors } from '../../ui.js';

export const tiers = ['economy', 'standard', 'business'] as const;
/** Option rows the editor shows: the offer's own, and two empty ones to add (K-04: at most 10). */
export const optionRows = (filled: number) => Math.min(catalogRules.maxOptions, filled + 2);

const blankToUndefined = (v: unknown) => (v === '' ? undefined : v);
/** Optional text: empty is `''`, as the API's default. */
const optional = (max: number) => optionalText(max).transform((v) => v ?? '');
const url = z.preprocess(blankToUndefined, webAddress(500, 'a link starting with https://', 'at most 500 characters').optional());

const Basics = z.object({
  title: text(catalogRules.titleMaxLength, catalogRules.titleMinLength),
  description: text(catalogRules.descriptionMaxLength, catalogRules.descriptionMinLength),
  price: dollars(1, catalogRules.freePriceMaxCents),
  leadTimeDays: whole(1, catalogRules.maxLeadTimeDays, 'a number of days'),
  instructions: optional(2_000),
  unitVolume: optional(200),
  video: url,
});
const Option = z.object({ title: text(80, 3), price: dollars(catalogRules.optionMinCents, catalogRules.optionMaxCents), extraDays: z.preprocess((v) => (v === '' ? '0' : v), whole(0, catalogRules.maxLeadTimeDays, 'a number of days')) });
const Package = z.object({
  price: dollars(catalogRules.kworkBasePriceCents, catalogRules.freePriceMaxCents),
  leadTimeDays: whole(1, catalogRules.maxLeadTimeDays, 'a number of days'),
  includes: z.preprocess(
    (v) => (typeof v === 'string' ? v.split('\n').map((s) => s.trim()).filter(Boolean) : v),
    z.array(text(100), { error: 'one item a line' }).min(1, 'at least one item').max(10, 'at most 10 items'),
  ),
});

const filled = (form: FormData, prefix: string, names: string[]) => names.some((n) => String(form[`${prefix}${n}`] ?? '').trim() !== '');

/** Fields named `<prefix><name>` parsed by `schema`; errors keyed by their form name. */
function group<S extends z.ZodType>(schema: S, form: FormData, prefix: string, names: string[], errors: FieldErrors): z.output<S> | undefined {
  const parsed = parseForm(schema, Object.fromEntries(names.map((n) => [n, form[`${prefix}${n}`] ?? ''])));
  if (parsed.ok) return parsed.data;
  for (const [field, message] of Object.entries(parsed.errors)) errors[`${prefix}${field}`] = message;
  return undefined;
}

function attributesOf(form: FormData, category: CategoryNode): OfferInput['attributes'] {
  const out: OfferInput['attributes'] = {};
  for (const a of category.attributes) {
    const raw = form[`attr.${a.key}`];
    const values = (Array.isArray(raw) ? raw : raw ? [raw] : []).filter((v) => v !== '');
    if (values.length) out[a.key] = a.multiple ? values : values[0]!;
  }
  return out;
}

/** The form as `OfferInput`, or each field's first problem (nothing is sent to the service then). */
export function offerInputOf(form: FormData, category: CategoryNode): { ok: true; data: OfferInput } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const basics = group(Basics, form, '', Object.keys(Basics.shape), errors);
  const options: OfferInput['options'] = [];
  for (let i = 0; i < catalogRules.maxOptions; i++) {
    if (!filled(form, `option.${i}.`, ['title', 'price'])) continue;
    const o = group(Option, form, `option.${i}.`, ['title', 'price', 'extraDays'], errors);
    if (o) options.push({ title: o.title, priceCents: o.price, extraDays: o.extraDays });
  }
  const packages: NonNullable<OfferInput['packages']> = {};
  for (const tier of tiers) {
    if (!filled(form, `package.${tier}.`, ['price', 'leadTimeDays', 'includes'])) continue;
    const p = group(Package, form, `package.${tier}.`, ['price', 'leadTimeDays', 'includes'], errors);
    if (p) packages[tier] = { priceCents: p.price, leadTimeDays: p.leadTimeDays, includes: p.includes };
  }
  if (!basics || Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    data: {
      categoryId: category.id,
      title: basics.title,
      description: basics.description,
      priceCents: basics.price,
      leadTimeDays: basics.leadTimeDays,
      instructions: basics.instructions,
      unitVolume: basics.unitVolume,
      media: basics.video ? [{ kind: 'video', url: basics.video }] : [],
      attributes: attributesOf(form, category),
      options,
      packages: Object.keys(packages).length ? packages : null,
    },
  };
}

const cents = (n: number) => (n / 100).toFixed(2).replace(/\.00$/, '');

/** An offer's content as the editor's form values. */
export function formOf(content: Pick<OfferView, 'title' | 'description' | 'priceCents' | 'leadTimeDays' | 'instructions' | 'unitVolume' | 'media' | 'options' | 'packages' | 'attributes'>): FormData {
  const form: FormData = {
    title: content.title,
    description: content.description,
    price: cents(content.priceCents),
    leadTimeDays: String(content.leadTimeDays),
    instructions: content.instructions,
    unitVolume: content.unitVolume,
    video: content.media.find((m) => m.kind === 'video')?.url ?? '',
  };
  content.options.forEach((o, i) => Object.assign(form, { [`option.${i}.title`]: o.title, [`option.${i}.price`]: cents(o.priceCents), [`option.${i}.extraDays`]: String(o.extraDays) }));
  for (const [tier, p] of Object.entries(content.packages ?? {})) {
    Object.assign(form, { [`package.${tier}.price`]: cents(p.priceCents), [`package.${tier}.leadTimeDays`]: String(p.leadTimeDays), [`package.${tier}.includes`]: p.includes.join('\n') });
  }
  for (const [key, value] of Object.entries(content.attributes)) form[`attr.${key}`] = value;
  return form;
}

/** The form field a service's refusal names (`body.packages.economy.priceCents` → `package.economy.price`). */
export function fieldOfPath(path: string): string {
  const p = path.replace(/^body\./, '');
  return p
    .replace(/^attributes\./, 'attr.')
    .replace(/^packages\./, 'package.')
    .replace(/^options\./, 'option.')
    .replace(/priceCents$/, 'price');
}

