// End to end (issue 11 items 1, 1b, 6, 9, 11): the challenge window's Check (pre-flight) before Verify, Verify
// anyway, per-name steps with the live elapsed time while the CA validates, the CA's problem in plain words
// above its own text, one New challenge button, the Failed chip's reason, a pasted URL reduced to its host
// name, and unique section titles in the repository drawer. Built renderer in Chromium through the bridge,
// real services, the bed's Pebble and keyring. Screenshots at 1366×850: challenge-preflight.png and
// challenge-verifying.png (copied to test/screenshots/ for the README).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { bedGate, failWithoutBed } from '../helpers/bed.ts';
import { E2ESession, shot, openRequestForm, paste } from '../helpers/e2e.ts';
import { Http01Server } from '../helpers/challenges.ts';

const PEBBLE_DIRECTORY = process.env.PEBBLE_DIRECTORY;
const PEBBLE_CA_FILE = process.env.PEBBLE_CA_FILE;
const PEBBLE_HTTP_PORT = Number(process.env.PEBBLE_HTTP_PORT);
const gate = bedGate(['PEBBLE_DIRECTORY', 'PEBBLE_CA_FILE', 'PEBBLE_HTTP_PORT', 'DBUS_SESSION_BUS_ADDRESS']);
const PASSWORD = 'keystore-pass-1';
const SIZE = { width: 1366, height: 850 };
const uniq = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;


/** The names of the window's footer buttons, in order. */
async function footerButtons(win: Locator): Promise<string[]> {
  return (await win.locator('.MuiDialogActions-root button').allInnerTexts()).map((t) => t.trim());
}

describe('e2e: pre-flight check, verify steps, plain CA errors, wording (bridge + Pebble)', { skip: gate.skip }, () => {
  failWithoutBed(gate);
  const e2e = new E2ESession('certdesk-e2e-preflight-');
  let http: Http01Server;
  const savedAddress = process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS;

  before(async () => {
    if (gate.problem) return;
    // Pebble dials PEBBLE_HTTP_PORT for every name: the check fetches the same port.
    process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS = `127.0.0.1:${PEBBLE_HTTP_PORT}`;
    await e2e.start({
      beforeBrowser: async () => {
        http = await new Http01Server().start();
        await e2e.call('accounts:register', {
          name: 'Pre-flight e2e',
          email: 'preflight@certdesk.example.org',
          directory: PEBBLE_DIRECTORY!,
          caPem: readFileSync(PEBBLE_CA_FILE!, 'utf8'),
          agreeTos: true,
        });
      },
    });
  });

  after(async () => {
    await e2e.close(async () => http?.stop());
    if (savedAddress === undefined) delete process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS;
    else process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS = savedAddress;
  });

  it('a pasted URL becomes its host name; Check shows ready / not found; Verify anyway shows steps and elapsed time; the failure says why in plain words', () =>
    e2e.withPage('preflight-flow', async (page: Page) => {
      await page.setViewportSize(SIZE);
      const label = uniq();
      const www = `www.${label}.example.test`;
      const missing = `missing-${label}.example.test`;

      // Item 9: the pasted URL (spaces, scheme, trailing slash) is reduced, and the form says so.
      const dialog = await openRequestForm(page);
      const input = dialog.getByTestId('domain-input');
      await paste(input, `  http://${www}/  `);
      const chips = dialog.getByTestId('domain-chip');
      await chips.first().waitFor();
      assert.match(await chips.first().innerText(), new RegExp(`CN\\s*${www.replace(/\./g, '\\.')}$`));
      assert.equal(await chips.first().getAttribute('data-invalid'), null, 'the host name is a valid name');
      assert.equal(await dialog.getByTestId('domain-reduced').innerText(), `Reduced the URL to its host name: http://${www}/ → ${www}.`);
      await input.fill(missing);
      await input.press('Enter');
      assert.equal(await chips.count(), 2);
      await dialog.getByLabel('Keystore password', { exact: false }).first().fill(PASSWORD);
      await dialog.getByLabel('Confirm password').fill(PASSWORD);
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      const win = page.getByTestId('request-window');
      await win.waitFor({ timeout: 30_000 });
      await dialog.waitFor({ state: 'detached' });
      const stored = (await e2e.call('requests:list', {})).find((r) => r.names[0] === www)!;
      assert.deepEqual(stored.names, [www, missing], 'the host name was sent, not the URL');

      // Item 11: a pending manual request offers Close (nothing to lose), Check, Verify.
      assert.deepEqual(await footerButtons(win), ['Close', 'Check', 'Verify']);
      assert.equal(await win.getByTestId('challenge-card').count(), 2);
      const wwwCard = win.locator(`[data-testid="challenge-card"][data-name="${www}"]`);
      const missingCard = win.locator(`[data-testid="challenge-card"][data-name="${missing}"]`);

      // A check can be cancelled while it waits for the server.
      http.holdAnswers();
      await win.getByTestId('window-check').click();
      const progress = win.getByRole('status', { name: 'Progress', exact: true });
      await progress.getByText(/Checking 2 names from this computer/).waitFor();
      assert.equal(await win.getByTestId('window-check').innerText(), 'Checking…');
      await progress.getByRole('button', { name: 'Cancel', exact: true }).click();
      await win.getByTestId('check-cancelled').waitFor();
      assert.equal(await progress.count(), 0, 'the progress goes with the check');
      assert.equal(await win.getByTestId('window-check').innerText(), 'Check');
      assert.equal(await win.getByTestId('preflight-summary').count(), 0, 'a cancelled check shows no results');
      http.release();

      // Serve the first name only; Check says ready / not found (404) per card.
      http.serve(await wwwCard.getByTestId('http-path').innerText(), await wwwCard.getByTestId('http-content').innerText());
      await win.getByTestId('window-check').click();
      const summary = win.getByTestId('preflight-summary');
      await summary.waitFor();
      assert.equal(await summary.getAttribute('data-ready'), 'false');
      assert.match(await summary.innerText(), new RegExp(`Check: 1 of 2 ready\\. Not ready: ${missing.replace(/\./g, '\\.')}`));
      assert.equal(await wwwCard.getByTestId('preflight-result').getAttribute('data-verdict'), 'ready');
      assert.match(await wwwCard.getByTestId('preflight-result').innerText(), /^Check: Ready — Serves the challenge file with the right content \(connected to 127\.0\.0\.1:\d+\)\.$/);
      assert.equal(await missingCard.getByTestId('preflight-result').getAttribute('data-verdict'), 'not-found');
      assert.match(await missingCard.getByTestId('preflight-result').innerText(), /^Check: Not found — Answered 404 \(not found\) \(connected to 127\.0\.0\.1:\d+\): the challenge file is not at this path yet\.$/);
      // Not all ready: Check again leads, Verify turns into Verify anyway.
      assert.deepEqual(await footerButtons(win), ['Close', 'Check again', 'Verify anyway']);
      // Both cards with their results in the picture (the summary above scrolls out of it).
      await wwwCard.evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await shot(page, 'challenge-preflight', { settleMs: 500 });

      // Verify anyway; the CA's answers are held so the steps and the elapsed time can be watched.
      http.holdAnswers();
      await win.getByRole('button', { name: 'Verify anyway', exact: true }).click();
      const panel = win.getByTestId('verify-panel');
      await panel.waitFor();
      assert.equal(await win.getByRole('status', { name: 'Progress', exact: true }).count(), 0, 'no check progress left over');
      await win.locator(`[data-testid="verify-steps"][data-name="${www}"][data-state="validating"]`).waitFor({ timeout: 15_000 });
      // The instructions ("…Verify asks the CA…") give way to the steps.
      assert.equal(await win.getByText('Verify asks the CA', { exact: false }).count(), 0);
      assert.doesNotMatch(await win.innerText(), /press Verify/i);
      const steps = win.locator(`[data-testid="verify-steps"][data-name="${www}"]`);
      assert.match(await steps.innerText(), /Asking the CA\s*→\s*CA checking\s*→\s*Valid \/ Invalid/);
      assert.equal(await steps.locator('[data-step="submitting"]').getAttribute('data-step-state'), 'done');
      assert.equal(await steps.locator('[data-step="validating"]').getAttribute('data-step-state'), 'current');
      assert.equal(await win.getByTestId('preflight-summary').count(), 0, 'old check results go when Verify starts');
      const elapsed = win.getByTestId('verify-elapsed');
      const seconds = async () => {
        const m = /^(\d+):(\d\d) elapsed$/.exec(await elapsed.innerText());
        assert.ok(m, `elapsed time as m:ss: "${await elapsed.innerText()}"`);
        return Number(m[1]) * 60 + Number(m[2]);
      };
      const first = await seconds();
      await page.waitForTimeout(1300);
      assert.ok((await seconds()) > first, 'the elapsed time is live');
      assert.ok((await footerButtons(win)).includes('Cancel verification'), 'a running verification is cancelled, not closed');
      await shot(page, 'challenge-verifying', { settleMs: 300 });
      http.release();

      // The missing name fails: one plain sentence above the CA's own text.
      await win.getByTestId('request-status').filter({ hasText: 'Failed' }).waitFor({ timeout: 30_000 });
      const error = missingCard.getByTestId('challenge-error');
      await error.waitFor();
      const text = await error.innerText();
      const plain = await error.getByTestId('challenge-plain').innerText();
      assert.match(plain, new RegExp(`^Your server returned 404 \\(not found\\) for this path: http://${missing.replace(/\./g, '\\.')}:${PEBBLE_HTTP_PORT}/\\.well-known/acme-challenge/`));
      assert.ok(text.indexOf(plain) < text.indexOf('The CA says (unauthorized):'), 'the sentence comes first');
      assert.match(text, /Non-200 status code from HTTP: .* returned 404/, 'the CA’s own text stays');
      // Item 11: one New challenge button in the failure view; Close stays.
      assert.equal(await win.getByRole('button', { name: 'New challenge' }).count(), 1);
      assert.deepEqual(await footerButtons(win), ['Close', 'New challenge']);
      await win.getByRole('button', { name: 'Close', exact: true }).click();
      await win.waitFor({ state: 'detached' });

      // The Failed chip's tooltip gives the reason.
      const chip = page.getByTestId('request-row').filter({ hasText: www }).getByTestId('request-status');
      await chip.hover();
      const tip = page.getByRole('tooltip');
      await tip.waitFor();
      assert.match(await tip.innerText(), new RegExp(`^${missing.replace(/\./g, '\\.')}: Your server returned 404 \\(not found\\) for this path: .* — See what failed and get a new challenge\\.$`, 's'));
      assert.match((await chip.getAttribute('aria-label'))!, /^Failed: missing-.*Your server returned 404/);
      assert.deepEqual(e2e.pageErrors, []);
    }));

  it('the repository drawer titles every section once ("Certificate" details, "Certificate PEM")', () =>
    e2e.withPage('preflight-drawer', async (page: Page) => {
      http.release();
      const name = `drawer-${uniq()}.example.test`;
      const r = await e2e.call('requests:create', { domains: [name], challengeType: 'http-01', key: 'ec-p256', keystoreType: 'pem', keyPolicy: 'new' });
      for (const c of r.challenges) http.serve(c.httpPath!, c.httpContent!);
      assert.equal((await e2e.call('requests:verify', { id: r.id })).status, 'available');
      await e2e.call('certs:save', { requestId: r.id });
      await page.getByRole('button', { name: 'Certificates' }).click();
      await page.getByTestId('certificate-row').filter({ hasText: name }).click();
      const drawer = page.getByTestId('certificate-drawer');
      await drawer.getByTestId('drawer-cert-pem').waitFor();
      const titles = await drawer.locator('section > div > h3').allInnerTexts();
      const lower = titles.map((t) => t.trim().toLowerCase());
      assert.equal(new Set(lower).size, lower.length, `unique section titles: ${titles.join(' | ')}`);
      assert.ok(lower.includes('certificate') && lower.some((t) => t.startsWith('certificate pem')) && lower.some((t) => t.startsWith('chain pem')), titles.join(' | '));
      assert.deepEqual(e2e.pageErrors, []);
    }));
});
