/**
 * Journey 7, the forgery half: a form another site posts to gigflow in a signed-in user's
 * browser is refused (403) and changes nothing, as is a same-site post without this browser's
 * CSRF token; the session cookie is HttpOnly and SameSite=Lax.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { signUp } from '../support/api.js';
import { newPerson, openBrowser, signInAs, startWebStack, textOf, type WebStack } from '../support/browser.js';

describe('forged requests in the browser', () => {
  let stack: WebStack;
  let browser: Browser;
  let attacker: Server;
  let attackerUrl: string;
  let target = '';

  before(async () => {
    [stack, browser] = await Promise.all([startWebStack({ file: 'browser-forgery' }), openBrowser()]);
    // Another site (`localhost` is not `127.0.0.1`'s site) whose page posts a form to gigflow at once.
    attacker = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>Win a prize</title>
        <form id="f" method="post" action="${target}/settings">
          <input name="timeZone" value="Asia/Tokyo"><input name="hideOnWeekends" value="on"><input name="_csrf" value="guessed">
        </form><script>document.getElementById('f').submit()</script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}`;
    target = stack.url;
  });
  after(async () => {
    await browser?.close();
    attacker?.close();
    await stack?.stop();
  });

  it('refuses a form another site posts in a signed-in browser, and one without the page’s token, changing nothing', async () => {
    const user = await signUp(stack.api, 'victim');
    const { context, page } = await newPerson(browser, stack);
    await signInAs(context, stack, user);
    await page.goto('/settings');
    const cookie = (await context.cookies()).find((c) => c.name === 'gf_session')!;
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');

    const refused = page.waitForResponse((res) => res.url() === `${stack.url}/settings` && res.request().method() === 'POST');
    await page.goto(attackerUrl);
    assert.equal((await refused).status(), 403);
    await page.waitForURL(`${stack.url}/settings`);
    assert.match(await textOf(page, 'main'), /sent from another site/);

    // Same site, but without the token a page of ours would carry.
    const bare = await page.evaluate(async () => {
      const res = await fetch('/settings', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'timeZone=Asia%2FTokyo' });
      return res.status;
    });
    assert.equal(bare, 403);

    const me = await stack.api('GET', '/me', { token: user.token });
    assert.deepEqual([me.body.timeZone, me.body.hideOnWeekends], ['UTC', false], 'nothing changed');

    // A body past the web client's limit (1 MiB) is refused whole with 413, token or not.
    const huge = await page.evaluate(async () => {
      const token = (globalThis as any).document.querySelector('meta[name="csrf-token"]').content as string;
      const res = await fetch('/settings', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': token },
        body: `timeZone=Asia%2FTokyo&displayName=${'x'.repeat(1_100_000)}`,
      });
      return res.status;
    });
    assert.equal(huge, 413);

    // The page's own form, with its token, goes through.
    await page.goto('/settings');
    await page.getByLabel('Time zone for every time you see').selectOption('Europe/Lisbon');
    await page.getByRole('button', { name: 'Save' }).click();
    assert.match(await textOf(page, '.flash'), /Saved/);
    assert.equal((await stack.api('GET', '/me', { token: user.token })).body.timeZone, 'Europe/Lisbon');
    await context.close();
  });
});
