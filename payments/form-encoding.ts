/**
 * Stripe's form encoding: flat `application/x-www-form-urlencoded` with bracket notation for
 * nested values (`metadata[top_up_id]=5`, `expand[]=latest_charge`). Only the shapes the card
 * adapter sends are supported, so an unexpected nesting fails to type-check instead of
 * being encoded in some way the processor reads differently.
 */

/** A parameter's value: a scalar, a list (`key[]`), or one level of named fields (`key[name]`). */
export type FormValue = string | number | readonly string[] | Readonly<Record<string, string | number>>;
/** A request's parameters by name. */
export type FormParams = Readonly<Record<string, FormValue | undefined>>;

/** `amount=1234&metadata%5Btop_up_id%5D=5`; keys in the order given, undefined values left out. */
export function formEncode(params: FormParams): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (typeof value === 'string' || typeof value === 'number') {
      form.append(key, String(value));
    } else if (isList(value)) {
      for (const item of value) form.append(`${key}[]`, item);
    } else {
      for (const [inner, item] of Object.entries(value)) form.append(`${key}[${inner}]`, String(item));
    }
  }
  return form.toString();
}

// Array.isArray does not narrow a readonly array out of a union, hence the guard.
function isList(value: FormValue): value is readonly string[] {
  return Array.isArray(value);
}
