/**
 * The offer editor's controls: the category picker (a GET form: the category shapes the rest)
 * and the offer's form — basics, the category's attributes (K-38), extra options (K-04) and
 * packages — each field with its bounds as a hint and its error beside it.
 */
import type { FC } from 'hono/jsx';
import { catalogRules } from '../../../services/policy.js';
import type { CategoryNode } from '../../../services/search.js';
import type { FormData } from '../../forms.js';
import { Field, FieldError, Form, money, Select, TextArea, type FieldErrors } from '../../ui.js';
import { optionRows, tiers } from './offer-form.js';
import { firstOf } from '../../forms.js';

export interface Leaf {
  node: CategoryNode;
  label: string;
}

const list = (v: FormData[string] | undefined) => (Array.isArray(v) ? v : v ? [v] : []);

export const CategoryPicker: FC<{ action: string; leaves: Leaf[]; chosen: number | undefined; error?: string }> = ({ action, leaves, chosen, error }) => (
  <form method="get" action={action} class="category-picker" aria-label="choose the category">
    <Select
      name="category"
      label="Category"
      value={chosen === undefined ? '' : String(chosen)}
      errors={error ? { category: error } : undefined}
      options={[['', 'Choose a category…'], ...leaves.map((l): [string, string] => [String(l.node.id), l.label])]}
    />
    <button type="submit" class="secondary">
      Use this category
    </button>
  </form>
);

const Basics: FC<{ leaf: Leaf; form: FormData; errors: FieldErrors }> = ({ leaf, form, errors }) => {
  const free = leaf.node.allowsFreePrice;
  const priceHint = free
    ? `${money(catalogRules.freePriceMinCents)} to ${money(catalogRules.freePriceMaxCents)} in this category`
    : `${money(catalogRules.kworkBasePriceCents)}: this category has no free price`;
  return (
    <fieldset>
      <legend>The offer</legend>
      <Field name="title" label="Title" value={firstOf(form.title)} errors={errors} hint={`the phrase buyers search for; ${catalogRules.titleMinLength} to ${catalogRules.titleMaxLength} characters`} />
      <TextArea name="description" label="Description" value={firstOf(form.description)} errors={errors} rows={6} hint={`${catalogRules.descriptionMinLength} to ${catalogRules.descriptionMaxLength} characters`} />
      <Field name="price" label="Price in dollars" value={firstOf(form.price) ?? (free ? '' : String(catalogRules.kworkBasePriceCents / 100))} errors={errors} hint={priceHint} />
      <Field name="leadTimeDays" label="Lead time in days" type="number" min={1} max={catalogRules.maxLeadTimeDays} value={firstOf(form.leadTimeDays)} errors={errors} hint="count weekends and holidays in your time zone (K-41)" />
      <Field name="unitVolume" label="What one unit of work is (optional)" value={firstOf(form.unitVolume)} errors={errors} hint="at most 200 characters" />
      <TextArea name="instructions" label="What you need from the buyer to start (optional)" value={firstOf(form.instructions)} errors={errors} hint="at most 2000 characters" />
      <Field name="video" label="Video link (optional)" type="url" value={firstOf(form.video)} errors={errors} hint="https://…" />
    </fieldset>
  );
};

const Attributes: FC<{ leaf: Leaf; form: FormData; errors: FieldErrors }> = ({ leaf, form, errors }) =>
  leaf.node.attributes.length === 0 ? null : (
    <fieldset>
      <legend>Details for {leaf.node.name}</legend>
      {leaf.node.attributes.map((a) => {
        const name = `attr.${a.key}`;
        const chosen = list(form[name]);
        if (!a.multiple) {
          return <Select name={name} label={`${a.name}${a.required ? '' : ' (optional)'}`} value={chosen[0] ?? ''} errors={errors} options={[['', '—'], ...a.allowedValues.map((v): [string, string] => [v, v.replace(/_/g, ' ')])]} />;
        }
        return (
          <fieldset aria-describedby={errors[name] ? `f-${name}-error` : undefined}>
            <legend>
              {a.name}
              {a.required ? '' : ' (optional)'}
            </legend>
            {a.allowedValues.map((v) => (
              <label class="choice">
                <input type="checkbox" name={name} value={v} checked={chosen.includes(v)} /> {v.replace(/_/g, ' ')}
              </label>
            ))}
            <FieldError id={`f-${name}-error`} error={errors[name]} />
          </fieldset>
        );
      })}
    </fieldset>
  );

const Options: FC<{ form: FormData; errors: FieldErrors }> = ({ form, errors }) => {
  // Every row sent or refused shows (with its error), however far down the form it was.
  const used = (i: number) => ['title', 'price', 'extraDays'].some((f) => firstOf(form[`option.${i}.${f}`]) || errors[`option.${i}.${f}`]);
  const filled = Array.from({ length: catalogRules.maxOptions }, (_, i) => i).reduce((n, i) => (used(i) ? i + 1 : n), 0);
  return (
    <fieldset>
      <legend>Extra options (optional)</legend>
      <p class="muted">
        Each {money(catalogRules.optionMinCents)} to {money(catalogRules.optionMaxCents)}; at most {catalogRules.maxOptions}. Leave a row empty to drop it.
      </p>
      {Array.from({ length: optionRows(filled) }, (_, i) => (
        <div class="row-fields">
          <Field name={`option.${i}.title`} label={`Option ${i + 1}: title`} value={firstOf(form[`option.${i}.title`])} errors={errors} />
          <Field name={`option.${i}.price`} label={`Option ${i + 1}: price in dollars`} value={firstOf(form[`option.${i}.price`])} errors={errors} />
          <Field name={`option.${i}.extraDays`} label={`Option ${i + 1}: extra days`} type="number" min={0} max={catalogRules.maxLeadTimeDays} value={firstOf(form[`option.${i}.extraDays`])} errors={errors} />
        </div>
      ))}
    </fieldset>
  );
};

const Packages: FC<{ leaf: Leaf; form: FormData; errors: FieldErrors }> = ({ leaf, form, errors }) => (
  <fieldset>
    <legend>Packages (optional)</legend>
    <p class="muted">Offer the work in up to three tiers instead of units; leave a tier empty to drop it.</p>
    {tiers.map((tier) => {
      const fixed = leaf.node.fixedPackagePrices?.[tier];
      const p = `package.${tier}.`;
      return (
        <div class="row-fields">
          <Field name={`${p}price`} label={`${tier} package: price in dollars`} value={firstOf(form[`${p}price`])} errors={errors} hint={fixed === undefined ? undefined : `${money(fixed)} in this category`} />
          <Field name={`${p}leadTimeDays`} label={`${tier} package: lead time in days`} type="number" min={1} max={catalogRules.maxLeadTimeDays} value={firstOf(form[`${p}leadTimeDays`])} errors={errors} />
          <TextArea name={`${p}includes`} label={`${tier} package: what it includes`} value={firstOf(form[`${p}includes`])} errors={errors} rows={3} hint="one item a line, at most 10" />
        </div>
      );
    })}
  </fieldset>
);

/** The offer's form, for the chosen category: sends it to moderation. */
export const OfferForm: FC<{ action: string; csrf: string; leaf: Leaf; form: FormData; errors: FieldErrors; error: string | undefined }> = (p) => (
  <Form action={p.action} csrf={p.csrf} error={p.error} label="offer" id="offer-form">
    <input type="hidden" name="categoryId" value={String(p.leaf.node.id)} />
    <p>
      Category: <strong>{p.leaf.label}</strong>
    </p>
    <Basics leaf={p.leaf} form={p.form} errors={p.errors} />
    <Attributes leaf={p.leaf} form={p.form} errors={p.errors} />
    <Options form={p.form} errors={p.errors} />
    <Packages leaf={p.leaf} form={p.form} errors={p.errors} />
    <button type="submit">Send to moderation</button>
  </Form>
);
