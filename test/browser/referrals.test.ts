/**
 * The referral programme in a real browser (K-55): the referrer's page shows their link; a
 * friend who follows it and signs up appears there with a partial login; a link whose code
 * names nobody does not stop anyone from signing up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { signUp } from '../support/api.js';
import { assertAccessible, newPerson, openBrowser, screenshot, signInAs, startWebStack, textOf, visit, type WebStack } from '../support/browser.js';
import { uniqueId } from '../support/harness.js';

describe('referrals in the browser', () => {
  let stack: WebStack;
  let browser: Browser;
  before(async () => {
    [stack, browser] = await Promise.all([startWebStack({ file: 'browser-referrals' }), openBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function signUpInBrowser(page: import('playwright-core').Page, login: string) {
    await page.getByLabel('Login').fill(login);
    await page.getByLabel('Email').fill(`${login}@example.com`);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.waitForURL('**/confirm-email');
  }

  it('a friend who signs up through the link shows on the referrer’s page with a partial login', async () => {
    const referrer = await signUp(stack.api, 'browser_referrer');
    const me = await newPerson(browser, stack);
    await signInAs(me.context, stack, referrer);
    await visit(me.page, '/referrals', 'referral page');
    const link = await me.page.getByLabel('Your referral link').inputValue();
    assert.match(link, new RegExp(`^${stack.url}/r/[A-Za-z0-9_-]{22}$`));
    assert.match(await textOf(me.page, 'main'), /No referrals yet/);
    // K-56: the page says how the link may be shared, and how not.
    assert.match(await textOf(me.page, '#promotion-allowed'), /reviews.*social networks.*banners.*newsletters people subscribed to.*not our name/);
    assert.match(await textOf(me.page, '#promotion-forbidden'), /keyword “gigflow”.*spam.*hidden links.*pop-unders/);

    const friend = await newPerson(browser, stack);
    await friend.page.goto(link);
    await friend.page.waitForURL('**/sign-up');
    const login = uniqueId('friend').replace(/-/g, '_');
    await signUpInBrowser(friend.page, login);

    await visit(me.page, '/referrals', 'referral page with a referral');
    const row = await textOf(me.page, '#referrals tbody tr');
    assert.match(row, new RegExp(`${login.slice(0, 2)}\\*\\*\\*${login.slice(-2)}`));
    assert.match(row, /Not active yet/);
    assert.ok(!(await textOf(me.page, 'main')).includes(login), 'the full login shows nowhere');
    await screenshot(me.page, 'referrals', 'page');
  });

  it('a link whose code names nobody still lets the person sign up, without a referrer', async () => {
    const person = await newPerson(browser, stack);
    await person.page.goto('/r/AAAAAAAAAAAAAAAAAAAAAA');
    await person.page.waitForURL('**/sign-up');
    const login = uniqueId('stale').replace(/-/g, '_');
    await signUpInBrowser(person.page, login);
    assert.match(await textOf(person.page, '.flash'), new RegExp(`Welcome, ${login}`));
    const [row] = await stack.db.sql<{ n: number }[]>`
      select count(*)::int as n from referrals r join users u on u.id = r.referral_id where u.login = ${login}`;
    assert.equal(row!.n, 0);
    assert.deepEqual((await person.context.cookies()).filter((c) => c.name === 'gf_ref'), [], 'the stale code is forgotten');
    await assertAccessible(person.page, 'confirm-email page');
  });
});
