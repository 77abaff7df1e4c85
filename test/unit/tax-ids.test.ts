/**
 * W-18: a company's tax id is checked for its country before invoicing data is saved — the
 * format everywhere, the check digits of a Polish NIP and a French key — and stored normalised
 * with its VAT prefix; the country must be an assigned ISO 3166-1 alpha-2 code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTaxId, isCountryCode, nipChecksumOk } from '../../services/tax-ids.js';

const accepted = (country: string, raw: string) => {
  const result = checkTaxId(country, raw);
  assert.ok(result.ok, `${country} ${raw}: ${result.ok ? '' : result.message}`);
  return result.taxId;
};
const refused = (country: string, raw: string) => assert.equal(checkTaxId(country, raw).ok, false, `${country} ${raw} should be refused`);

describe('tax ids per country (W-18)', () => {
  it('takes a Polish NIP with a right check digit, with or without PL, dashes or spaces, and stores it as PL + 10 digits', () => {
    assert.equal(accepted('PL', '525-224-84-81'), 'PL5252248481');
    assert.equal(accepted('PL', 'pl 5252248481'), 'PL5252248481');
  });

  it('refuses a NIP whose tenth digit is off by one, or that is 9 or 11 digits long', () => {
    refused('PL', '5252248482');
    refused('PL', '5252248480');
    refused('PL', '525224848');
    refused('PL', '52522484811');
    // In words, never the pattern's source (`PL + \d{10}`).
    assert.deepEqual(checkTaxId('PL', '525224848'), { ok: false, message: 'not a PL VAT number: PL followed by 10 digits' });
    // 0200000000: the weighted sum is 10 ≡ 10 (mod 11), a remainder no tenth digit can carry.
    assert.equal(nipChecksumOk('0200000000'), false);
    assert.equal(nipChecksumOk('5252248481'), true);
  });

  it('takes a German USt-IdNr as DE + 9 digits and refuses 8 or 10, or letters', () => {
    assert.equal(accepted('DE', 'DE 123 456 789'), 'DE123456789');
    assert.equal(accepted('DE', '123456789'), 'DE123456789');
    refused('DE', 'DE12345678');
    refused('DE', 'DE1234567890');
    refused('DE', 'DE12345678A');
  });

  it('takes a UK VAT number of 9 or 12 digits, or GD/HA + 3, and refuses 10 digits', () => {
    assert.equal(accepted('GB', 'GB 980 7806 84'), 'GB980780684');
    assert.equal(accepted('GB', '980780684001'), 'GB980780684001');
    assert.equal(accepted('GB', 'GBGD001'), 'GBGD001');
    refused('GB', 'GB9807806840');
    refused('GB', 'GBXX001');
  });

  it('takes a French number whose numeric key matches its SIREN and refuses another key', () => {
    // SIREN 404833048: (12 + 3 × (404833048 mod 97)) mod 97 = 83.
    assert.equal(accepted('FR', 'FR 83 404 833 048'), 'FR83404833048');
    refused('FR', 'FR84404833048');
    assert.equal(accepted('FR', 'FRAB404833048'), 'FRAB404833048');
    refused('FR', 'FR8340483304');
  });

  it('checks other EU members by their VIES pattern, Greece under EL', () => {
    assert.equal(accepted('NL', 'NL123456789B01'), 'NL123456789B01');
    refused('NL', 'NL123456789C01');
    assert.equal(accepted('AT', 'ATU12345678'), 'ATU12345678');
    refused('AT', 'AT12345678');
    assert.equal(accepted('GR', '123456789'), 'EL123456789');
    refused('IT', 'IT1234567890');
  });

  it('takes 4–20 letters or digits elsewhere and refuses 3 or 21, or other characters', () => {
    assert.equal(accepted('US', '12-3456789'), '123456789');
    assert.equal(accepted('CH', 'CHE123456789'), 'CHE123456789');
    refused('US', 'A1B');
    refused('US', 'A'.repeat(21));
    refused('US', '12#3456');
  });
});

describe('country codes (W-18)', () => {
  it('takes assigned ISO 3166-1 alpha-2 codes and refuses unassigned, reserved or malformed ones', () => {
    for (const code of ['PL', 'DE', 'GB', 'US', 'FR', 'JP']) assert.equal(isCountryCode(code), true, code);
    for (const code of ['XX', 'ZZ', 'EU', 'UK', 'AA', 'pl', 'POL', '']) assert.equal(isCountryCode(code), false, code);
  });
});
