/**
 * What makes an offer's content acceptable (K-01, K-03, K-04, K-38, K-39): its category (a
 * leaf), the category's price rule and fixed package prices, the category's attributes, and no
 * (near-)duplicate of the seller's other offers. The shapes and bounds of each field are the
 * request schema's (`api/routes/offers.ts`); these are the rules that need the database.
 *
 * As everywhere in the API (requests, individual offers, placement): an input that names what
 * the category does not have (no such category, an attribute it does not declare, a value it
 * does not allow, a required attribute left out) is invalid input, 400; a well-formed offer that
 * a catalog rule refuses (a top category, a price or package price the category does not allow)
 * is a rule violation, 422. Both name the field.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { categories, categoryAttributes, offers, type OfferContent, type PackageTierName } from '../db/schema/catalog.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import { catalogRules } from './policy.js';

/** What a seller sends to create or edit an offer: the content, options without their ids yet. */
export type OfferInput = Omit<OfferContent, 'options'> & {
  options: { title: string; priceCents: number; extraDays: number }[];
};

type OfferRow = typeof offers.$inferSelect;

/** A catalog rule's refusal of a well-formed offer (422). */
const ruleError = (path: string, message: string) => fieldError(path, message, 'rule_violation');

/** The content columns of an offer row. */
export const contentOf = (row: OfferRow): OfferContent => ({
  categoryId: row.categoryId,
  title: row.title,
  description: row.description,
  priceCents: row.priceCents,
  leadTimeDays: row.leadTimeDays,
  instructions: row.instructions,
  unitVolume: row.unitVolume,
  media: row.media,
  attributes: row.attributes,
  options: row.options,
  packages: row.packages,
});

/** K-01, K-03: the basic price the category allows, and the package prices it fixes. */
function checkPrices(category: typeof categories.$inferSelect, content: OfferInput | OfferContent): void {
  if (category.allowsFreePrice) {
    if (content.priceCents < catalogRules.freePriceMinCents || content.priceCents > catalogRules.freePriceMaxCents) {
      throw ruleError('body.priceCents', `between ${catalogRules.freePriceMinCents} and ${catalogRules.freePriceMaxCents} cents in this category`);
    }
  } else if (content.priceCents !== catalogRules.kworkBasePriceCents) {
    throw ruleError('body.priceCents', `the basic kwork costs ${catalogRules.kworkBasePriceCents} cents in this category (it has no free price)`);
  }
  for (const [tier, pkg] of Object.entries(content.packages ?? {})) {
    const fixed = category.fixedPackagePrices?.[tier as PackageTierName];
    if (fixed !== undefined && pkg.priceCents !== fixed) {
      throw ruleError(`body.packages.${tier}.priceCents`, `this category fixes the ${tier} package at ${fixed} cents`);
    }
  }
}

/** K-38: every attribute the category declares, with allowed values; the required ones present. */
async function checkAttributes(db: Db, categoryId: number, content: OfferInput | OfferContent): Promise<void> {
  const declared = await db.orm.select().from(categoryAttributes).where(eq(categoryAttributes.categoryId, categoryId));
  for (const [key, value] of Object.entries(content.attributes)) {
    const attribute = declared.find((a) => a.key === key);
    const path = `body.attributes.${key}`;
    if (!attribute) throw fieldError(path, `the category declares no attribute "${key}"`);
    const values = Array.isArray(value) ? value : [value];
    if (Array.isArray(value) && !attribute.multiple) throw fieldError(path, 'takes one value');
    if (values.length === 0) throw fieldError(path, 'needs a value');
    const unknown = values.find((v) => !attribute.allowedValues.includes(v));
    if (unknown !== undefined) throw fieldError(path, `"${unknown}" is not one of ${attribute.allowedValues.join(', ')}`);
  }
  const missing = declared.find((a) => a.required && !(a.key in content.attributes));
  if (missing) throw fieldError(`body.attributes.${missing.key}`, 'this category requires it');
}

/** Checks the content against its category: a leaf, its price rule, package prices, attributes. */
export async function checkAgainstCategory(db: Db, content: OfferInput | OfferContent): Promise<void> {
  const [category] = await db.orm.select().from(categories).where(eq(categories.id, content.categoryId));
  if (!category) throw fieldError('body.categoryId', 'no such category');
  const [child] = await db.orm.select({ id: categories.id }).from(categories).where(eq(categories.parentId, category.id)).limit(1);
  if (child) throw ruleError('body.categoryId', 'offers go in a subcategory, not a top category');
  checkPrices(category, content);
  await checkAttributes(db, category.id, content);
}

/** K-39: refuses an offer whose title and description (near-)duplicate another of the seller's. */
export async function checkNotDuplicate(db: Db, sellerId: number, content: { title: string; description: string }, exceptOfferId?: number): Promise<void> {
  const text = `${content.title} ${content.description}`;
  const [dup] = await db.sql<{ id: string }[]>`
    select id from offers
    where seller_id = ${sellerId} and status <> 'archived' and id <> ${exceptOfferId ?? 0}
      and similarity(lower(title || ' ' || description), lower(${text})) >= ${catalogRules.duplicateSimilarity}
    limit 1`;
  if (dup) {
    throw new AppError('duplicate_offer', 'you already have an offer with the same or nearly the same title and description', { offerId: Number(dup.id) });
  }
}

/** The content with option ids: an option keeps its id while its title stays, so carts and orders still name it after an edit. */
export function withOptionIds(input: OfferInput, previous: OfferContent['options'] = []): OfferContent {
  let nextId = Math.max(0, ...previous.map((o) => o.id)) + 1;
  const options = input.options.map((o) => ({ ...o, id: previous.find((p) => p.title === o.title)?.id ?? nextId++ }));
  return { ...input, options };
}
