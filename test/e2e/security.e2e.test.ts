// End to end, in Chromium through the loopback bridge (issue 6, items 6 and 7): the page runs under a CSP
// without 'unsafe-inline' for styles (every <style> Emotion and MUI insert carries the page's nonce, and the
// page is styled), and a look-alike name in the request dialog stops at a confirmation that names the label
// and its scripts; only after confirming is the request ordered (at Pebble).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { bedEnv } from '../helpers/bed.ts';
import { E2ESession, shot } from '../helpers/e2e.ts';

const uniq = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

describe('e2e: style CSP with a nonce, look-alike confirmation (bridge + Pebble)', () => {
  const e2e = new E2ESession('certdesk-e2e-sec-');
  const { pageErrors } = e2e;

  before(async () => {
    const directory = bedEnv('PEBBLE_DIRECTORY');
    const caPem = readFileSync(bedEnv('PEBBLE_CA_FILE'), 'utf8');
    await e2e.start({
      beforeBrowser: async () => {
        await e2e.call('accounts:register', { name: 'Security e2e', email: 'sec@certdesk.example.org', directory, caPem, agreeTos: true });
      },
    });
  });
  after(() => e2e.close());

  it('serves the page with a nonce-only style policy, and every style element carries the nonce', () =>
    e2e.withPage('security-csp', async (page) => {
      const res = await page.request.get(e2e.bridge.url);
      const csp = res.headers()['content-security-policy'] ?? '';
      const nonce = /style-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
      assert.ok(nonce, csp);
      assert.doesNotMatch(csp, /unsafe-inline/);
      for (const d of ["form-action 'none'", "frame-src 'none'", "worker-src 'none'", "frame-ancestors 'none'"]) assert.ok(csp.includes(d), `${d} in ${csp}`);
      const again = (await page.request.get(e2e.bridge.url)).headers()['content-security-policy'] ?? '';
      assert.notEqual(again, csp, 'a new nonce for every load');

      // The page this tab loaded: styled by Emotion, with the nonce on every <style>, and no violation.
      // Evaluated in the page (string form: this file is type-checked without the DOM library).
      const styles = (await page.evaluate(
        "[...document.querySelectorAll('style')].map((s) => ({ emotion: s.getAttribute('data-emotion'), nonce: s.nonce, rules: s.sheet ? s.sheet.cssRules.length : 0 }))",
      )) as { emotion: string | null; nonce: string; rules: number }[];
      assert.ok(styles.filter((s) => s.emotion).length > 0, 'Emotion inserted its styles');
      for (const s of styles) assert.ok(s.nonce && s.nonce.length >= 16, `a <style> without the nonce: ${JSON.stringify(s)}`);
      assert.equal(await page.locator('meta[name="csp-nonce"]').count(), 0, 'the nonce meta is removed once read');
      const button = page.getByRole('button', { name: 'Certificate Request' }).first();
      await button.waitFor();
      // The theme's button (radius 8, weight 600), not the browser's default one.
      const bg = await button.evaluate((el) => {
        const style = (globalThis as unknown as { getComputedStyle(e: unknown): { fontWeight: string; borderRadius: string } }).getComputedStyle(el);
        return `${style.fontWeight} ${style.borderRadius}`;
      });
      assert.equal(bg, '600 8px', 'the button is styled by the theme');
      const fontFamily = (await page.evaluate('getComputedStyle(document.body).fontFamily')) as string;
      assert.match(fontFamily, /Roboto|Inter|system-ui|Segoe|Helvetica|Arial/i, 'CssBaseline applied the theme font');
      // Chromium reports every blocked style as a console error ("Refused to apply inline style ...").
      assert.deepEqual(pageErrors, []);
    }));

  it('a look-alike name stops at a confirmation naming the label and its scripts; confirming orders it', () =>
    e2e.withPage('security-lookalike', async (page) => {
      const name = `ex\u0430mple-${uniq()}.example.test`;
      await page.getByRole('button', { name: 'Certificate Request' }).first().click();
      const dialog = page.getByRole('dialog', { name: /^Certificate Request/ });
      await dialog.waitFor();
      const input = dialog.getByTestId('domain-input');
      await input.fill(name);
      await input.press('Enter');
      await dialog.getByLabel('Keystore password', { exact: false }).first().fill('keystore-pass-1');
      await dialog.getByLabel('Confirm password').fill('keystore-pass-1');
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();

      const confirm = page.getByRole('dialog', { name: /Names that look like other names/ });
      await confirm.waitFor();
      const item = confirm.getByTestId('lookalike-list').locator('li');
      assert.equal(await item.count(), 1);
      const label = name.split('.')[0]!;
      assert.equal(await item.getAttribute('data-label'), label);
      assert.equal(await item.getAttribute('data-scripts'), 'Latin,Cyrillic');
      assert.match(await item.innerText(), /mixes Latin and Cyrillic letters \("а" \(U\+0430\) is Cyrillic\)/);
      await shot(page, 'request-lookalike-confirm', { settleMs: 400 });
      assert.deepEqual(await e2e.call('requests:list', {}), [], 'nothing ordered before the confirmation');

      // "Check the names" goes back to the form, still nothing ordered.
      await confirm.getByRole('button', { name: 'Check the names' }).click();
      await confirm.waitFor({ state: 'detached' });
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      await confirm.waitFor();
      await confirm.getByRole('button', { name: 'Order these names' }).click();

      const win = page.getByTestId('request-window');
      await win.waitFor({ timeout: 30_000 });
      const list = await e2e.call('requests:list', {});
      assert.equal(list.length, 1);
      assert.deepEqual(list[0]!.namesUnicode, [name]);
      assert.match(list[0]!.names[0]!, /^xn--/);
      assert.deepEqual(pageErrors, []);
    }));
});
