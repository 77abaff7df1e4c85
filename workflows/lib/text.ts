/**
 * The one rule for text gigflow stores: what every request schema's door check and every
 * Update validator apply (an Update can come from any client, the Temporal CLI included).
 *
 * PostgreSQL refuses a NUL character in `text` and `jsonb` (SQLSTATE 22P05, 22021), and a lone
 * UTF-16 surrogate cannot be encoded as UTF-8 at all: a write carrying either fails every time
 * it is tried. The other C0 control characters (and DEL) are storable but never meant in a
 * marketplace's text and break what shows it; tab and newline are the ones prose uses.
 */

/** One character of text the rule takes (no C0 control character but tab and newline, no DEL). */
const STORABLE_CHARACTER = '[^\\u0000-\\u0008\\u000B-\\u001F\\u007F]';

/**
 * The same rule as a JSON Schema `pattern`, which the OpenAPI document gives every free-text
 * request string (`api/document.ts`): no C0 control character but tab and newline, no DEL. It
 * says nothing of lone surrogates: they are not Unicode text, and a pattern naming them is one
 * that Rust's regex engine (jsonschema-rs, and Schemathesis with it) refuses to compile, so the
 * document states that part in words.
 */
export const STORABLE_TEXT_PATTERN = `^${STORABLE_CHARACTER}*$`;

/**
 * The whitespace JavaScript's `String.prototype.trim` removes (ECMA-262 WhiteSpace and
 * LineTerminator) that the storable rule lets through: tab, newline, space and these, the
 * Unicode spaces and separators. (The rest of trim's set, vertical tab, form feed and carriage
 * return, is not storable.)
 */
const UNICODE_SPACES = '\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF';

/**
 * The pattern of free text that has at least `min` characters once trimmed (`Text` in
 * `api/schemas.ts`, `textRefusal` below): `STORABLE_TEXT_PATTERN`, and between the leading and
 * the trailing whitespace `min` characters or more, the first and the last not whitespace. With
 * `min` 0 it is `STORABLE_TEXT_PATTERN`. Whitespace and the rest are disjoint classes, so a
 * backtracking reader (Ajv's JavaScript RegExp) matches it in linear time too.
 */
export function trimmedTextPattern(min: number): string {
  if (!Number.isSafeInteger(min) || min < 0) throw new RangeError(`a text's least length is a count, not ${min}`);
  if (min === 0) return STORABLE_TEXT_PATTERN;
  const space = `[\\t\\n ${UNICODE_SPACES}]`;
  const solid = `[^\\u0000-\\u0020\\u007F${UNICODE_SPACES}]`; // storable, not whitespace
  const any = STORABLE_CHARACTER;
  return min === 1 ? `^${space}*${solid}${any}*$` : `^${space}*${solid}${any}{${min - 2},}${solid}${space}*$`;
}

/**
 * How many characters `text` has, as JSON Schema's `minLength` and `maxLength`, zod's string
 * bounds and PostgreSQL's `char_length` count them: code points, an emoji one. JavaScript's
 * `length` counts UTF-16 units, two for an emoji. Every length rule outside a zod schema counts
 * with this (the Update validators' `textRefusal`, the services' rules, the web forms).
 */
export function charCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++; // a surrogate pair: one character
    }
    count++;
  }
  return count;
}

/** Why `text` holds a character gigflow does not store, or null when it holds none. */
export function forbiddenCharacter(text: string): string | null {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0) return 'contains a NUL character (U+0000), which cannot be stored';
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++; // a surrogate pair: one character outside the basic plane
        continue;
      }
      return `contains a lone UTF-16 surrogate (U+${code.toString(16).toUpperCase()}), which is not text`;
    }
    if (code >= 0xdc00 && code <= 0xdfff) return `contains a lone UTF-16 surrogate (U+${code.toString(16).toUpperCase()}), which is not text`;
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a) || code === 0x7f) {
      return `contains the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}; only tab and newline are allowed`;
    }
  }
  return null;
}

/**
 * Why `value` is not a storable text of `min` to `max` characters (`charCount`; after trimming,
 * for the lower bound: blank text is no text), or null when it is. For validators, which see
 * JSON from any client: the type is checked too. (Counting characters where it once counted
 * UTF-16 units takes everything it took before with `min` 1, as every validator calls it: its
 * histories replay.)
 */
export function textRefusal(value: unknown, field: string, max: number, min = 1): string | null {
  if (typeof value !== 'string') return `${field}: text of ${min} to ${max} characters`;
  const bad = forbiddenCharacter(value);
  if (bad) return `${field}: ${bad}`;
  if (charCount(value.trim()) < min || charCount(value) > max) return `${field}: ${min} to ${max} characters`;
  return null;
}

/**
 * At most the first `max` UTF-16 units of `text`, cut between characters: a character outside
 * the basic plane (an emoji, two units) that the cut would halve is left out whole, where
 * `slice` would leave half of it, a lone surrogate, which shows as U+FFFD.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/**
 * Text from elsewhere (a failure's message, a provider's answer) as we store it: the first `max`
 * UTF-16 units, each character PostgreSQL refuses (NUL, a lone surrogate) replaced by U+FFFD.
 * (Not `clip`: a withdrawal's workflow stores what this gives, and its histories replay it.)
 */
export function storableText(text: string, max: number): string {
  let out = '';
  for (const char of text.slice(0, max)) out += forbiddenCharacter(char) === null ? char : '\uFFFD';
  return out;
}
