/**
 * Invoices (W-14, W-17, W-18) over the real API and database: a client saves invoicing data
 * (bad data answers 400/422 naming the field); invoices issued in the caller's transaction are
 * numbered without gaps per calendar year (Europe/Warsaw, D-06) under concurrent issues, a
 * rolled-back issue giving its number back; a job is invoiced once; the PDF opens and reads back
 * with the number, the amounts and both tax ids, and Polish, Cyrillic and Greek letters as typed
 * (a character its font lacks, as one placeholder); only the client, support and admins get it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getDocument, VerbosityLevel } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { issueInvoice, type IssueInvoiceInput } from '../../db/invoices.js';
import { createAccounts } from '../../services/accounts.js';
import { MISSING_GLYPH } from '../../services/invoice-pdf.js';
import { systemClock } from '../../services/clock.js';
import { platformIssuer } from '../../workflows/lib/invoicing.js';
import { signUp, type TestUser } from '../support/api.js';
import { startPayingApi, type PayingApi } from '../support/harness.js';

/** Every text item of every page, joined by spaces. */
async function pdfText(bytes: Uint8Array): Promise<string> {
  const pdf = await getDocument({ data: bytes, verbosity: VerbosityLevel.ERRORS, disableFontFace: true }).promise;
  const texts: string[] = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const content = await (await pdf.getPage(n)).getTextContent();
    texts.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await pdf.destroy();
  return texts.join(' ');
}

describe('invoices', () => {
  let api: PayingApi;
  let client: TestUser;
  let stranger: TestUser;
  let support: TestUser;
  let admin: TestUser;
  let moderator: TestUser;
  const company = { name: 'Nowak Studio sp. z o.o.', address: 'ul. Dluga 1, 00-001 Warszawa', taxId: '525-224-84-81' };
  const issue = (input: Partial<IssueInvoiceInput> & { issuedAt: Date }) =>
    api.database.db.orm.transaction((tx) =>
      issueInvoice(tx, { jobId: null, clientId: client.id, lines: [{ description: 'Work', amountCents: 6_000 }], totalCents: 6_000, ...input }),
    );

  before(async () => {
    api = await startPayingApi(import.meta.filename);
    [client, stranger, support, admin, moderator] = [
      await signUp(api.call, 'client'),
      await signUp(api.call, 'stranger'),
      await signUp(api.call, 'support'),
      await signUp(api.call, 'admin'),
      await signUp(api.call, 'moderator'),
    ];
    const accounts = createAccounts({ db: api.database.db, clock: systemClock });
    await accounts.grantRole(support.id, 'support');
    await accounts.grantRole(admin.id, 'admin');
    await accounts.grantRole(moderator.id, 'moderator');
  });
  after(() => api?.stop());

  it('saves the invoicing data a company gives, its NIP normalised, and names the field of bad data (W-18)', async () => {
    assert.deepEqual((await api.call('GET', '/me/invoicing', { token: client.token })).body, null);
    const body = { firstName: 'Anna', lastName: 'Nowak', country: 'pl', company };
    const saved = await api.call('PUT', '/me/invoicing', { token: client.token, body });
    assert.equal(saved.status, 200);
    assert.deepEqual(saved.body, { firstName: 'Anna', lastName: 'Nowak', country: 'PL', company: { ...company, taxId: 'PL5252248481' } });
    assert.deepEqual((await api.call('GET', '/me/invoicing', { token: client.token })).body, saved.body);

    const missing = await api.call('PUT', '/me/invoicing', { token: stranger.token, body: { lastName: 'Nowak', country: 'PL', company: null } });
    assert.equal(missing.status, 400);
    assert.ok(missing.body.error.details.fields.some((f: { path: string }) => f.path === 'body.firstName'));
    const country = await api.call('PUT', '/me/invoicing', { token: stranger.token, body: { firstName: 'A', lastName: 'B', country: 'XX', company: null } });
    assert.equal(country.status, 422);
    assert.equal(country.body.error.details.fields[0].path, 'body.country');
    const nip = await api.call('PUT', '/me/invoicing', { token: stranger.token, body: { ...body, company: { ...company, taxId: '5252248482' } } });
    assert.equal(nip.status, 422);
    assert.equal(nip.body.error.details.fields[0].path, 'body.company.taxId');
    assert.deepEqual((await api.call('GET', '/me/invoicing', { token: stranger.token })).body, null);
  });

  it('numbers 20 concurrent issues of a year 1…20 without gaps; a rolled-back issue leaves none; the next year (in Warsaw) starts at 1 (W-14)', async () => {
    const at = new Date('2031-06-01T10:00:00Z');
    const issued = await Promise.all(Array.from({ length: 20 }, () => issue({ issuedAt: at })));
    assert.deepEqual(issued.map((i) => i.number).sort(), Array.from({ length: 20 }, (_, k) => `GF/2031/${String(k + 1).padStart(6, '0')}`));

    await assert.rejects(
      api.database.db.orm.transaction(async (tx) => {
        const doomed = await issueInvoice(tx, { jobId: null, clientId: client.id, lines: [{ description: 'Work', amountCents: 100 }], totalCents: 100, issuedAt: at });
        assert.equal(doomed.number, 'GF/2031/000021');
        throw new Error('the approval failed after the invoice');
      }),
      /the approval failed/,
    );
    assert.equal((await issue({ issuedAt: at })).number, 'GF/2031/000021');
    // 23:30 UTC on 31 December is already 1 January in Warsaw.
    assert.equal((await issue({ issuedAt: new Date('2031-12-31T23:30:00Z') })).number, 'GF/2032/000001');
    assert.equal((await issue({ issuedAt: new Date('2031-12-31T22:30:00Z') })).number, 'GF/2031/000022');
  });

  it('invoices a job once: issuing again, even concurrently, returns the same invoice (W-14)', async () => {
    const at = new Date('2033-03-01T10:00:00Z');
    const [a, b] = await Promise.all([issue({ jobId: 77, issuedAt: at }), issue({ jobId: 77, issuedAt: at })]);
    const again = await issue({ jobId: 77, issuedAt: new Date('2033-03-02T10:00:00Z') });
    assert.equal(a.id, b.id);
    assert.equal(again.id, a.id);
    assert.equal(a.number, 'GF/2033/000001');
    assert.equal((await issue({ issuedAt: at })).number, 'GF/2033/000002');
  });

  it('renders a PDF that reads back with the number, dates, lines, total and both tax ids, for the client only (W-14, W-17)', async () => {
    const invoice = await issue({
      jobId: 501,
      issuedAt: new Date('2034-05-06T12:00:00Z'),
      lines: [
        { description: 'Estimate: 20 h x $60', amountCents: 120_000 },
        { description: 'Plugin install', amountCents: 3_456 },
      ],
      totalCents: 123_456,
    });
    const res = await api.call('GET', `/invoices/${invoice.id}/pdf`, { token: client.token });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="GF-2034-000001\.pdf"/);
    const text = await pdfText(res.body as Uint8Array);
    for (const expected of ['GF/2034/000001', '2034-05-06', '$1200.00', '$34.56', '$1234.56', 'PL5252248481', platformIssuer.taxId!, 'Nowak Studio', 'Anna Nowak']) {
      assert.ok(text.includes(expected), `the PDF shows ${expected}: ${text}`);
    }
    const listed = await api.call('GET', '/me/invoices', { token: client.token });
    assert.equal(listed.body[0].number, 'GF/2034/000001');
    assert.deepEqual((await api.call('GET', '/me/invoices', { token: stranger.token })).body, []);
  });

  it('prints a Polish buyer, Cyrillic and Greek words as typed, and an emoji the font lacks as one placeholder, never mojibake (W-14)', async () => {
    const buyer = await signUp(api.call, 'polish_buyer');
    const saved = await api.call('PUT', '/me/invoicing', { token: buyer.token, body: { firstName: 'Łucja', lastName: 'Ćwik-Żółkiewska 😀', country: 'PL', company: null } });
    assert.equal(saved.status, 200);
    const invoice = await api.database.db.orm.transaction((tx) =>
      issueInvoice(tx, {
        jobId: null,
        clientId: buyer.id,
        issuedAt: new Date('2036-02-03T10:00:00Z'),
        // "c" + a combining acute (as some keyboards send it) prints as the one letter "ć".
        lines: [{ description: 'Fix 👍🏽 done; Zażółć gęślą jaźń ĄĆĘŁŃÓŚŹŻ; Настройка сайта; Ελλάδα; Größe, Příliš; Ic\u0301wik', amountCents: 6_000 }],
        totalCents: 6_000,
      }),
    );
    const res = await api.call('GET', `/invoices/${invoice.id}/pdf`, { token: buyer.token });
    assert.equal(res.status, 200);
    const text = await pdfText(res.body as Uint8Array);
    // DejaVu Sans has U+1F600 (😀) but no 👍 (nor its skin tone): one placeholder for the pair.
    for (const expected of ['Łucja Ćwik-Żółkiewska 😀', 'Zażółć gęślą jaźń ĄĆĘŁŃÓŚŹŻ', 'Настройка сайта', 'Ελλάδα', 'Größe, Příliš', `Fix ${MISSING_GLYPH} done`, 'Ićwik']) {
      assert.ok(text.includes(expected), `the PDF shows ${expected}: ${text}`);
    }
    // Helvetica's WinAnsi printed "Ćwik" as "gv–²ƒÝà" and an emoji as "Ø=Þ" / "Ø=Ý".
    assert.doesNotMatch(text, /Ø=|Ý|Þ|²/);
  });

  it('gives an invoice to its client, support and admins; a stranger or a moderator gets 404 as for none (W-17)', async () => {
    const invoice = await issue({ issuedAt: new Date('2035-01-10T10:00:00Z') });
    const status = async (user: TestUser | null, id = invoice.id) => (await api.call('GET', `/invoices/${id}/pdf`, user ? { token: user.token } : {})).status;
    assert.deepEqual(
      [await status(client), await status(support), await status(admin), await status(stranger), await status(moderator), await status(null), await status(client, invoice.id + 1_000)],
      [200, 200, 200, 404, 404, 401, 404],
    );
  });
});
