const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
/** Codes ICU names that ISO 3166-1 does not assign to a country (unions, the unknown region). */
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'UK', 'QO', 'ZZ']);

/**
 * Whether `code` (upper case) is an assigned ISO 3166-1 alpha-2 country: ICU's region names, no
 * hand-kept list (an unassigned code is named as itself). Invoicing (W-18) and affiliates (W-22).
 */
export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && !NOT_COUNTRIES.has(code) && regionNames.of(code) !== code;
}

/** Every assigned country by its English name, lower case ("poland" → PL). */
const countriesByName = new Map(
  Array.from({ length: 26 * 26 }, (_, i) => String.fromCharCode(65 + Math.floor(i / 26), 65 + (i % 26)))
    .filter(isCountryCode)
    .map((code) => [regionNames.of(code)!.toLowerCase(), code] as const),
);

/**
 * The country code a person typed: two letters as they are (upper-cased; whether it is assigned
 * is `isCountryCode`'s to say), or a country's English name ("Poland" → PL); else undefined.
 */
export function countryCodeOf(typed: string): string | undefined {
  const s = typed.trim();
  if (/^[A-Za-z]{2}$/.test(s)) return s.toUpperCase();
  return countriesByName.get(s.replace(/\s+/g, ' ').toLowerCase());
}

/**
 * W-18: "companies must give their full tax details" — the format of a company's tax id,
 * checked per country before an invoicing profile is saved. Only the format (and the check
 * digits where a country defines them): whether the number is registered is VIES's business,
 * which gigflow does not call.
 *
 * - PL: NIP, 10 digits with its mod-11 check digit (weights 6 5 7 2 3 4 5 6 7), `PL` optional.
 * - DE: USt-IdNr, 9 digits; GB: VAT, 9 or 12 digits or `GD`/`HA` + 3 digits; FR: TVA, a
 *   2-character key + the 9-digit SIREN, the key checked when it is numeric.
 * - Every other EU member state: its VIES pattern after the country prefix (Greece's is `EL`).
 * - Any other country: 4–20 letters or digits, as tax ids differ too much to check further.
 *
 * Spaces, dots and dashes are dropped and letters upper-cased. In the EU and GB the stored id
 * always carries the VAT prefix (typed or not), as it is printed on invoices.
 */

export type TaxIdCheck = { ok: true; taxId: string } | { ok: false; message: string };

/** The national part after the prefix, per EU VAT prefix (VIES formats). */
const EU_PATTERNS: Record<string, RegExp> = {
  AT: /^U\d{8}$/,
  BE: /^[01]\d{9}$/,
  BG: /^\d{9,10}$/,
  CY: /^\d{8}[A-Z]$/,
  CZ: /^\d{8,10}$/,
  DE: /^\d{9}$/,
  DK: /^\d{8}$/,
  EE: /^\d{9}$/,
  EL: /^\d{9}$/,
  ES: /^[A-Z0-9]\d{7}[A-Z0-9]$/,
  FI: /^\d{8}$/,
  FR: /^[A-HJ-NP-Z0-9]{2}\d{9}$/,
  HR: /^\d{11}$/,
  HU: /^\d{8}$/,
  IE: /^(\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W])$/,
  IT: /^\d{11}$/,
  LT: /^(\d{9}|\d{12})$/,
  LU: /^\d{8}$/,
  LV: /^\d{11}$/,
  MT: /^\d{8}$/,
  NL: /^\d{9}B\d{2}$/,
  PL: /^\d{10}$/,
  PT: /^\d{9}$/,
  RO: /^\d{2,10}$/,
  SE: /^\d{10}01$/,
  SI: /^\d{8}$/,
  SK: /^\d{10}$/,
};

/** Each pattern of `EU_PATTERNS` in words, for the refusal a person reads (never a regular expression). */
const EU_FORMATS: Record<keyof typeof EU_PATTERNS, string> = {
  AT: 'U and 8 digits',
  BE: '10 digits, the first 0 or 1',
  BG: '9 or 10 digits',
  CY: '8 digits and a letter',
  CZ: '8 to 10 digits',
  DE: '9 digits',
  DK: '8 digits',
  EE: '9 digits',
  EL: '9 digits',
  ES: 'a letter or digit, 7 digits and a letter or digit',
  FI: '8 digits',
  FR: 'a 2-character key (letters or digits) and the 9-digit SIREN',
  HR: '11 digits',
  HU: '8 digits',
  IE: '7 digits and one or two letters (or a digit, a letter, 5 digits and a letter)',
  IT: '11 digits',
  LT: '9 or 12 digits',
  LU: '8 digits',
  LV: '11 digits',
  MT: '8 digits',
  NL: '9 digits, B and 2 digits',
  PL: '10 digits',
  PT: '9 digits',
  RO: '2 to 10 digits',
  SE: '12 digits ending in 01',
  SI: '8 digits',
  SK: '10 digits',
};

const GB_PATTERN = /^(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/;
const OTHER_PATTERN = /^[A-Z0-9]{4,20}$/;

/** The VAT prefix of a country: its ISO code but for Greece (`EL`). */
const vatPrefix = (country: string) => (country === 'GR' ? 'EL' : country);

/** W-18, PL: the NIP's tenth digit is the weighted sum of the first nine mod 11 (10 is never issued). */
export function nipChecksumOk(nip: string): boolean {
  const weights = [6, 5, 7, 2, 3, 4, 5, 6, 7];
  const sum = weights.reduce((acc, w, i) => acc + w * Number(nip[i]), 0);
  return sum % 11 !== 10 && sum % 11 === Number(nip[9]);
}

/** W-18, FR: a numeric key is (12 + 3 × (SIREN mod 97)) mod 97. */
function frenchKeyOk(national: string): boolean {
  const key = national.slice(0, 2);
  if (!/^\d{2}$/.test(key)) return true;
  return Number(key) === (12 + 3 * (Number(national.slice(2)) % 97)) % 97;
}

/** Checks `raw` as the tax id of a company in `country` (ISO 3166-1 alpha-2, upper case). */
export function checkTaxId(country: string, raw: string): TaxIdCheck {
  const id = raw.toUpperCase().replace(/[\s.\-]/g, '');
  const prefix = vatPrefix(country);
  const national = id.startsWith(prefix) ? id.slice(prefix.length) : id;
  if (country === 'GB') {
    return GB_PATTERN.test(national) ? { ok: true, taxId: `GB${national}` } : { ok: false, message: 'a UK VAT number is GB + 9 or 12 digits (or GD/HA + 3 digits)' };
  }
  const pattern = EU_PATTERNS[prefix];
  if (!pattern) {
    return OTHER_PATTERN.test(id) ? { ok: true, taxId: id } : { ok: false, message: 'a tax id is 4–20 letters or digits' };
  }
  if (!pattern.test(national)) return { ok: false, message: `not a ${prefix} VAT number: ${prefix} followed by ${EU_FORMATS[prefix]}` };
  if (country === 'PL' && !nipChecksumOk(national)) return { ok: false, message: 'not a NIP: its check digit (the tenth) is wrong' };
  if (country === 'FR' && !frenchKeyOk(national)) return { ok: false, message: 'not a French VAT number: its key does not match the SIREN' };
  return { ok: true, taxId: `${prefix}${national}` };
}
