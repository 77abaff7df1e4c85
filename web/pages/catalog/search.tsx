/**
 * The search page (K-38): keywords, category and its attributes, price range, lead time, the
 * seller's level, rating, feedback and activity, sorting, and keyset pages. A GET form that
 * works without JS; with htmx, a change re-renders the filters and results in place (the same
 * markup, as a fragment) and the address follows. An invalid filter answers 400 with its error
 * beside the field.
 */
import type { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { sellerLevels, type CategoryNode, type OfferSearchPage } from '../../../services/search.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { firstOf, parseForm, readQuery, refusalOf, type FormData } from '../../forms.js';
import { page, type WebContext } from '../../page.js';
import { Field, FieldError, Pager, Select, sentenceCase, type FieldErrors } from '../../ui.js';
import { formFieldOf, levelName, OfferCard, valueName } from './parts.js';
import { pageUrl, SearchQuery, serviceFieldNames, toSearch } from './search-form.js';

const all = (v: FormData[string] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A group of checkboxes with one legend and its error beside it. */
const CheckGroup: FC<{ name: string; legend: string; options: [string, string][]; checked: string[]; errors: FieldErrors; idBase?: string }> = (p) => {
  const base = `f-${p.idBase ?? p.name}`;
  const error = p.errors[p.name];
  return (
    <fieldset class="checks" aria-describedby={error ? `${base}-error` : undefined}>
      <legend>{p.legend}</legend>
      {p.options.map(([value, label], i) => (
        <label for={`${base}-${i}`}>
          <input type="checkbox" id={`${base}-${i}`} name={p.name} value={value} checked={p.checked.includes(value)} /> {label}
        </label>
      ))}
      <FieldError id={`${base}-error`} error={error} />
    </fieldset>
  );
};

function categoryOptions(tree: CategoryNode[]): [string, string][] {
  const options: [string, string][] = [['', 'All categories']];
  for (const parent of tree) {
    options.push([String(parent.id), parent.name]);
    for (const child of parent.children) options.push([String(child.id), `${parent.name} › ${child.name}`]);
  }
  return options;
}

function findCategory(tree: CategoryNode[], id: string | undefined): CategoryNode | undefined {
  for (const node of tree) {
    if (String(node.id) === id) return node;
    const child = findCategory(node.children, id);
    if (child) return child;
  }
  return undefined;
}

/** The chosen category's attributes (K-38), one group of checkboxes each. */
const AttributeFilters: FC<{ category: CategoryNode | undefined; form: FormData; errors: FieldErrors }> = ({ category, form, errors }) => {
  if (!category?.attributes.length) return errors.attr ? <FieldError id="f-attr-error" error={errors.attr} /> : null;
  const checked = all(form.attr);
  return (
    <>
      {category.attributes.map((a, i) => (
        <CheckGroup
          name="attr"
          idBase={`attr-${a.key}`}
          legend={a.name}
          options={a.allowedValues.map((v) => [`${a.key}:${v}`, valueName(v)])}
          checked={checked}
          errors={i === 0 ? errors : {}}
        />
      ))}
    </>
  );
};

const sortOptions: [string, string][] = [
  ['', 'Best match with keywords, else newest'],
  ['relevance', 'Best match'],
  ['rating', 'Seller rating'],
  ['price_asc', 'Price: low to high'],
  ['price_desc', 'Price: high to low'],
  ['newest', 'Newest'],
];
const activityOptions: [string, string][] = [['', 'Any time'], ['1', 'Within a day'], ['3', 'Within 3 days'], ['7', 'Within a week'], ['30', 'Within a month']];

interface AreaProps {
  form: FormData;
  errors: FieldErrors;
  error?: string;
  tree: CategoryNode[];
  results?: OfferSearchPage;
}

/** The filters: each labelled, each with its error beside it. */
const Filters: FC<AreaProps> = ({ form, errors, tree }) => (
  <form method="get" action="/search" id="search-form" role="search" aria-label="search filters" hx-get="/search" hx-trigger="change, submit" hx-target="#search-area" hx-swap="outerHTML" hx-push-url="true">
    <div class="filters">
      <Field name="q" label="Keywords" type="search" value={firstOf(form.q)} errors={errors} hint='Try "exact phrase", or, -without' />
      <Select name="categoryId" label="Category" value={firstOf(form.categoryId)} errors={errors} options={categoryOptions(tree)} />
      <Field name="minPrice" label="Lowest price ($)" value={firstOf(form.minPrice)} errors={errors} />
      <Field name="maxPrice" label="Highest price ($)" value={firstOf(form.maxPrice)} errors={errors} />
      <Field name="maxLeadTimeDays" label="Delivered within (days)" type="number" min={1} max={365} value={firstOf(form.maxLeadTimeDays)} errors={errors} />
      <Field name="minSellerRating" label="Seller's rating at least (%)" type="number" min={0} max={100} value={firstOf(form.minSellerRating)} errors={errors} />
      <Field name="minFeedbacks" label="Seller's feedback at least" type="number" min={0} value={firstOf(form.minFeedbacks)} errors={errors} />
      <Select name="activeWithinDays" label="Seller active" value={firstOf(form.activeWithinDays)} errors={errors} options={activityOptions} />
      <Select name="sort" label="Sort by" value={firstOf(form.sort)} errors={errors} options={sortOptions} />
    </div>
    <div class="filter-groups">
      <CheckGroup name="sellerLevel" legend="Seller level" options={sellerLevels.map((l) => [l, levelName(l)])} checked={all(form.sellerLevel)} errors={errors} />
      <AttributeFilters category={findCategory(tree, firstOf(form.categoryId))} form={form} errors={errors} />
    </div>
    <button type="submit">Search</button> <a href="/search">Clear filters</a>
  </form>
);

const Results: FC<{ results: OfferSearchPage | undefined; form: FormData }> = ({ results, form }) => (
  <section id="results" aria-labelledby="results-heading">
    <h2 id="results-heading">{form.cursor ? 'More results' : 'Results'}</h2>
    {!results ? (
      <p>Correct the filters above to see results.</p>
    ) : results.items.length ? (
      <ul class="cards">
        {results.items.map((offer) => (
          <OfferCard offer={offer} />
        ))}
      </ul>
    ) : (
      <p>No services match these filters.</p>
    )}
    {form.cursor ? (
      <p>
        <a href={pageUrl(form)}>← First page</a>
      </p>
    ) : null}
    <Pager next={results?.nextCursor ? pageUrl(form, results.nextCursor) : null} />
  </section>
);

/** What htmx swaps: the filters and the results. */
const SearchArea: FC<AreaProps> = (p) => (
  <div id="search-area">
    {p.error ? (
      <p class="error form-error" role="alert">
        {p.error}
      </p>
    ) : null}
    <Filters {...p} />
    <Results results={p.results} form={p.form} />
  </div>
);

/** The results, or the refusal: field errors beside their fields (400), anything else on top. */
async function runSearch(deps: WebDeps, form: FormData): Promise<{ results?: OfferSearchPage; errors: FieldErrors; error?: string; status: 200 | 400 | 404 | 422 }> {
  const parsed = parseForm(SearchQuery, form);
  if (!parsed.ok) return { errors: parsed.errors, status: 400 };
  try {
    return { results: await deps.services.search.offers(toSearch(parsed.data)), errors: {}, status: 200 };
  } catch (err) {
    const refusal = refusalOf(err, formFieldOf(serviceFieldNames));
    // A cursor is no field of the form: its refusal goes on top.
    const { cursor, ...errors } = refusal.errors;
    const error = cursor ? sentenceCase(cursor) : Object.keys(errors).length ? undefined : refusal.message;
    return { errors, error: error && `This page of results is not available: ${error.replace(/\.$/, '')}. Start from the first page.`, status: refusal.status === 400 ? 400 : 422 };
  }
}

function isFragmentRequest(c: WebContext): boolean {
  return c.req.header('hx-request') === 'true' && c.req.header('hx-history-restore-request') !== 'true';
}

export function searchPage(app: Hono<WebEnv>, deps: WebDeps) {
  app.get('/search', async (c) => {
    const form = readQuery(c);
    const [outcome, tree] = await Promise.all([runSearch(deps, form), deps.services.search.categories()]);
    const area = <SearchArea form={form} tree={tree} {...outcome} />;
    if (isFragmentRequest(c)) return c.html(area, outcome.status);
    return page(c, deps, 'Services', () => area, outcome.status);
  });
}
