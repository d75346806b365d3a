// End to end: certificate requests in the UI (seed Steps 2–7), the built renderer in Chromium through the
// loopback bridge, backed by the real services and the bed's Pebble and keyring. The test plays the
// administrator: it reads the challenge values from the page (what a person would copy) and serves them on
// the port Pebble dials. Exports land in a temp folder (headless platform) and are opened with keytool.
// Screenshots go to $CERTDESK_ARTIFACTS (test/artifacts).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { bedGate, failWithoutBed } from '../helpers/bed.ts';
import { E2ESession, paste, shot as takeShot } from '../helpers/e2e.ts';
import { Http01Server } from '../helpers/challenges.ts';

const PEBBLE_DIRECTORY = process.env.PEBBLE_DIRECTORY;
const PEBBLE_CA_FILE = process.env.PEBBLE_CA_FILE;
const gate = bedGate(['PEBBLE_DIRECTORY', 'PEBBLE_CA_FILE', 'PEBBLE_HTTP_PORT']);

const PASSWORD = 'keystore-pass-1';
const EXPORT_PASSWORD = 'export-pass-22';
const uniq = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

const shot = (page: Page, name: string) => takeShot(page, name, { settleMs: 400 });

interface ShownChallenge {
  name: string;
  path: string;
  content: string;
}

/** What each card of the challenge window shows, as a person would copy it. */
async function readCards(win: Locator): Promise<ShownChallenge[]> {
  const cards = win.getByTestId('challenge-card');
  const out: ShownChallenge[] = [];
  for (let i = 0; i < (await cards.count()); i++) {
    const card = cards.nth(i);
    out.push({
      name: (await card.getAttribute('data-name')) ?? '',
      path: await card.getByTestId('http-path').innerText(),
      content: await card.getByTestId('http-content').innerText(),
    });
  }
  return out;
}

describe('e2e: certificate requests in the UI (bridge + Pebble)', { skip: gate.skip }, () => {
  failWithoutBed(gate);
  const e2e = new E2ESession('certdesk-e2e-req-');
  const { pageErrors } = e2e;
  let http: Http01Server;
  let exportDir: string;
  const progress: Array<{ step: string; item?: string | undefined }> = [];
  const call = e2e.call.bind(e2e);
  const withPage = e2e.withPage.bind(e2e);

  function toolbarButton(page: Page, name: string): Locator {
    return page.getByRole('toolbar', { name: 'Certificate request actions' }).getByRole('button', { name, exact: true });
  }

  async function addName(dialog: Locator, name: string): Promise<void> {
    const input = dialog.getByTestId('domain-input');
    await input.fill(name);
    await input.press('Enter');
  }

  /** Certificate Request → one name → PKCS12 with password → Create; returns the challenge window. */
  async function createQuick(page: Page, name: string): Promise<Locator> {
    await toolbarButton(page, 'Certificate Request').click();
    const dialog = page.getByRole('dialog', { name: /^Certificate Request/ });
    await dialog.waitFor();
    await addName(dialog, name);
    await dialog.getByLabel('Keystore password', { exact: false }).first().fill(PASSWORD);
    await dialog.getByLabel('Confirm password').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    const win = page.getByTestId('request-window');
    await win.waitFor({ timeout: 30_000 });
    await dialog.waitFor({ state: 'detached' });
    return win;
  }

  async function chooseSelect(page: Page, scope: Locator, label: string, option: string | RegExp): Promise<void> {
    await scope.getByRole('combobox', { name: label }).click();
    await page.getByRole('listbox').getByRole('option', { name: option }).click();
    await page.getByRole('listbox').waitFor({ state: 'detached' });
  }

  before(async () => {
    await e2e.start({
      onEvent: (event, payload) => {
        if (event === 'ops:progress') {
          const p = payload as { step: string; item?: string };
          progress.push({ step: p.step, item: p.item });
        }
      },
      beforeBrowser: async () => {
        http = await new Http01Server().start();
        // The account is not what this test is about: register it through the API (faster than the form).
        await call('accounts:register', {
          name: 'Requests e2e',
          email: 'requests@certdesk.example.org',
          directory: PEBBLE_DIRECTORY!,
          caPem: readFileSync(PEBBLE_CA_FILE!, 'utf8'),
          agreeTos: true,
        });
      },
    });
    exportDir = e2e.exportDir;
  });

  after(() => e2e.close(async () => http?.stop()));

  it('requests an IDN + plain certificate over manual http-01, saves it, and exports a JKS that keytool opens', () =>
    withPage('request-flow', async (page) => {
      const label = uniq();
      const idn = `bücher-${label}.example.test`;
      const plain = `www-${label}.example.test`;

      // With an account and no request, the empty state leads to Certificate Request.
      const empty = page.getByTestId('empty-state');
      await empty.getByRole('button', { name: 'Certificate Request' }).waitFor();
      await shot(page, 'request-00-empty-with-account');

      // Toolbar: without a selection Renew and Revoke say why they are disabled.
      assert.equal(await toolbarButton(page, 'Renew Certificate').isDisabled(), true);
      assert.equal(await toolbarButton(page, 'Revoke Certificate').isDisabled(), true);

      await toolbarButton(page, 'Certificate Request').click();
      const dialog = page.getByRole('dialog', { name: /^Certificate Request/ });
      await dialog.waitFor();

      // Names as chips: the IDN shows as typed and as punycode; a bad name is red with its message.
      await addName(dialog, idn);
      await addName(dialog, 'bad_name.example.test');
      const chips = dialog.getByTestId('domain-chip');
      assert.equal(await chips.count(), 2);
      assert.match(await chips.nth(0).innerText(), new RegExp(`CN\\s*${idn}\\s*xn--`));
      assert.equal(await chips.nth(1).getAttribute('data-invalid'), 'true');
      assert.match(await dialog.getByTestId('domain-errors').innerText(), /Domain name 2 "bad_name\.example\.test" has an invalid label "bad_name"/);
      assert.equal(await dialog.getByTestId('name-count').innerText(), '2 / 100');

      // http-01 and RSA 2048 are the defaults; keystore JKS with a password kept in the keychain.
      assert.equal(await dialog.getByRole('radio', { name: /http-01/ }).isChecked(), true);
      await chooseSelect(page, dialog, 'Keystore type', /^JKS/);
      await dialog.getByLabel('Keystore password', { exact: false }).first().fill(PASSWORD);
      await dialog.getByLabel('Confirm password').fill(PASSWORD);
      assert.match(await dialog.innerText(), /Stored in your OS keychain/);
      assert.equal(await dialog.getByRole('combobox', { name: 'Key algorithm' }).innerText(), 'RSA');
      assert.match(await dialog.getByRole('combobox', { name: 'Key length' }).innerText(), /2048/);
      assert.equal(await dialog.getByRole('combobox', { name: 'Signature algorithm' }).innerText(), 'SHA256withRSA');
      await dialog.locator('.MuiDialogContent-root').evaluate((el) => el.scrollTo(0, 0));
      await shot(page, 'request-01-dialog-invalid-chip');

      // Create is refused while a chip is red: nothing is sent.
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      await dialog.getByText('Fix the name marked in red.').waitFor();
      assert.equal((await call('requests:list', {})).some((r) => r.names.some((n) => n.includes(label))), false, 'nothing created');

      // Fix it: click the red chip to edit it in place.
      await chips.nth(1).click();
      const input = dialog.getByTestId('domain-input');
      assert.equal(await input.inputValue(), 'bad_name.example.test');
      await input.fill(plain);
      await input.press('Enter');
      assert.equal(await dialog.locator('[data-invalid="true"]').count(), 0);
      assert.match(await chips.nth(1).innerText(), new RegExp(plain));

      const progressBefore = progress.length;
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      const win = page.getByTestId('request-window');
      await win.waitFor({ timeout: 30_000 });
      assert.ok(progress.length > progressBefore, 'Create reported progress');
      assert.equal(await win.getAttribute('data-mode'), 'challenge');

      // One card per name, with the exact path and content.
      const cards = win.getByTestId('challenge-card');
      assert.equal(await cards.count(), 2);
      assert.match(await cards.nth(0).getByTestId('challenge-name').innerText(), new RegExp(idn));
      assert.match(await cards.nth(0).innerText(), /xn--bcher-/);
      assert.match(await cards.nth(0).innerText(), /http-01 · manual/);
      const shown = await readCards(win);
      const [stored] = await call('requests:list', {});
      assert.ok(stored);
      assert.equal(stored.status, 'pending');
      assert.deepEqual(stored.namesUnicode, [idn, plain]);
      for (const c of stored.challenges) {
        const s = shown.find((x) => x.name === c.name);
        assert.ok(s, `a card for ${c.name}`);
        assert.equal(s.path, c.httpPath);
        assert.equal(s.content, c.httpContent);
      }
      assert.equal((await win.getByTestId('name-state').allInnerTexts()).join('|'), 'Waiting for you|Waiting for you');
      await shot(page, 'request-02-challenge-before-verify');
      // Copy: the bridge has no desktop clipboard (app:copy answers false), so the page's own clipboard is used.
      await e2e.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(e2e.bridge.url).origin });
      await win.getByRole('button', { name: `Copy the file content for ${idn}` }).click();
      await win.locator('[data-copied="true"]').waitFor();
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), shown[0]!.content);
      await win.locator('[data-copied="true"]').waitFor({ state: 'detached' });

      // Serve exactly what the page shows; hold the answers so the validation can be watched.
      for (const s of shown) http.serve(s.path, s.content);
      http.holdAnswers();
      await win.getByRole('button', { name: 'Verify', exact: true }).click();
      await win.locator('[data-testid="name-state"][data-state="validating"]').first().waitFor({ timeout: 15_000 });
      await win.getByRole('button', { name: 'Cancel verification' }).waitFor();
      await shot(page, 'request-03-challenge-validating');
      // Closing the window does not stop the validation: the table shows it as Processing.
      await win.getByRole('button', { name: 'Close', exact: true }).click();
      await win.waitFor({ state: 'detached' });
      const row = page.getByTestId('request-row').first();
      await row.getByTestId('request-status').filter({ hasText: 'Processing' }).waitFor();
      await shot(page, 'request-03b-table-processing');
      http.release();

      // Available: its status opens the result.
      await row.getByTestId('request-status').filter({ hasText: 'Available' }).waitFor({ timeout: 30_000 });
      await row.getByTestId('request-status').click();
      await page.locator('[data-testid="request-window"][data-mode="result"]').waitFor();
      const items = new Set(progress.filter((p) => p.step === 'valid' && p.item).map((p) => p.item));
      for (const s of shown) assert.ok(items.has(s.name), `live progress for ${s.name}`);
      const issued = (await call('requests:get', { id: stored.id }))!;
      assert.equal(issued.status, 'available');
      assert.equal(await win.getByTestId('result-serial').innerText(), issued.certificate!.serial);
      assert.equal(await win.getByTestId('result-issuer').innerText(), issued.certificate!.issuer);
      assert.match(await win.getByTestId('result-sha256').innerText(), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      assert.match(await win.getByTestId('result-details').innerText(), /RSA 2048/);
      // E-mail certificate (issue 9) opens its dialog; renewal.e2e sends one.
      const email = win.getByRole('button', { name: 'E-mail' });
      assert.equal(await email.isDisabled(), false);
      await shot(page, 'request-04-result');

      await win.getByRole('button', { name: 'Save', exact: true }).click();
      await win.getByTestId('result-banner').filter({ hasText: 'Saved in the repository' }).waitFor();
      assert.equal(await win.getByRole('button', { name: 'Saved' }).isDisabled(), true);
      const [saved] = await call('certs:list', {});
      assert.equal(saved?.serial, issued.certificate!.serial);
      await win.getByRole('button', { name: 'Close', exact: true }).click();
      await win.waitFor({ state: 'detached' });

      // The table: name with "1 more name", challenge, status, expiry, key.
      assert.match(await row.innerText(), new RegExp(`${idn}[\\s\\S]*1 more name[\\s\\S]*http-01 · manual[\\s\\S]*Available[\\s\\S]*days left[\\s\\S]*RSA 2048`));
      await row.getByRole('gridcell').first().click();
      assert.equal(await toolbarButton(page, 'Renew Certificate').isDisabled(), false);
      assert.equal(await toolbarButton(page, 'Revoke Certificate').isDisabled(), false);
      await shot(page, 'request-05-table');

      // SSL → Certificates: the saved certificate, its details and an export.
      await page.getByRole('button', { name: 'Certificates' }).click();
      await page.getByRole('heading', { name: 'Certificates' }).waitFor();
      const certRow = page.getByTestId('certificate-row').filter({ hasText: idn });
      await certRow.waitFor();
      assert.match(await certRow.innerText(), /\b2\b/);
      await shot(page, 'request-06a-repository');
      await page.getByRole('textbox', { name: 'Search names, issuer, serial' }).fill(issued.certificate!.serial.slice(0, 10));
      assert.equal(await page.getByTestId('certificate-row').count(), 1);
      await certRow.click();
      const drawer = page.getByTestId('certificate-drawer');
      await drawer.getByTestId('drawer-cert-pem').waitFor();
      assert.equal(await drawer.getByTestId('drawer-serial').innerText(), issued.certificate!.serial);
      assert.match(await drawer.getByTestId('drawer-cert-pem').innerText(), /^-----BEGIN CERTIFICATE-----/);
      assert.match(await drawer.getByTestId('drawer-chain-pem').innerText(), /-----BEGIN CERTIFICATE-----/);
      assert.match(await drawer.getByTestId('drawer-names').innerText(), /xn--bcher-/);
      await shot(page, 'request-06-repository-drawer');

      await drawer.getByRole('button', { name: 'Export…' }).click();
      const exp = page.getByRole('dialog', { name: /^Export/ });
      await exp.waitFor();
      // The request's keystore type is the first choice; an empty password would use the stored one.
      assert.equal(await exp.getByRole('radio', { name: /^JKS/ }).isChecked(), true);
      assert.match(await exp.innerText(), /Leave empty to use the request’s keystore password/);
      await exp.getByLabel('Password', { exact: true }).fill(EXPORT_PASSWORD);
      await exp.getByLabel('Alias').fill('web');
      await shot(page, 'request-07-export-dialog');
      await exp.getByRole('button', { name: 'Export…' }).click();
      const written = exp.getByTestId('export-path');
      await written.waitFor();
      const file = await written.innerText();
      assert.ok(file.startsWith(exportDir), `${file} is in the export folder`);
      assert.ok(file.endsWith('.jks'));
      await shot(page, 'request-08-export-written');

      const listing = execFileSync('keytool', ['-list', '-v', '-keystore', file, '-storepass', EXPORT_PASSWORD], {
        encoding: 'utf8',
        // keytool's advice to migrate to PKCS12 goes to stderr: keep it out of the test output.
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      assert.match(listing, /Keystore type: JKS/i);
      assert.match(listing, /Alias name: web/);
      assert.match(listing, /Entry type: PrivateKeyEntry/);
      const chainLength = Number(/Certificate chain length: (\d+)/.exec(listing)?.[1]);
      assert.ok(chainLength >= 2, `chain length ${chainLength}`);
      assert.match(listing, new RegExp(issued.certificate!.serial.replace(/^0+/, '').slice(0, 12), 'i'));
      assert.deepEqual(pageErrors, []);
    }));

  it('shows the CA’s message when the served content is wrong, and New challenge brings fresh cards', () =>
    withPage('request-failure', async (page) => {
      const name = `wrong-${uniq()}.example.test`;
      const win = await createQuick(page, name);
      const [first] = await readCards(win);
      assert.ok(first);
      http.serve(first.path, 'this-is-not-the-key-authorization');
      await win.getByRole('button', { name: 'Verify', exact: true }).click();

      await win.locator('[data-testid="name-state"][data-state="invalid"]').waitFor({ timeout: 30_000 });
      await win.getByTestId('request-status').filter({ hasText: 'Failed' }).waitFor();
      const caError = await win.getByTestId('challenge-error').innerText();
      const stored = (await call('requests:list', {})).find((r) => r.names[0] === name)!;
      assert.equal(stored.status, 'failed');
      const detail = stored.challenges[0]!.error!.detail;
      assert.ok(caError.includes(detail), `the CA's own words are shown: ${detail}`);
      assert.match(await win.getByRole('alert').filter({ hasText: 'Validation failed' }).innerText(), /Validation failed for 1 name[\s\S]*New challenge/);
      assert.equal(await win.getByRole('button', { name: 'Verify', exact: true }).count(), 0);
      await shot(page, 'request-09-challenge-failed');

      // New challenge: a fresh order with fresh values; serving them right issues the certificate.
      await win.getByRole('button', { name: 'New challenge' }).last().click();
      await win.getByTestId('request-status').filter({ hasText: 'Pending' }).waitFor();
      await win.locator('[data-testid="name-state"][data-state="pending"]').waitFor();
      const [fresh] = await readCards(win);
      assert.ok(fresh);
      assert.notEqual(fresh.path, first.path, 'a new token');
      assert.match(await win.innerText(), /order 2/);
      http.serve(fresh.path, fresh.content);

      // Cancel while the CA validates (ops:cancel); Verify again continues where it stopped.
      http.holdAnswers();
      await win.getByRole('button', { name: 'Verify', exact: true }).click();
      await win.locator('[data-testid="name-state"][data-state="validating"]').waitFor({ timeout: 15_000 });
      await win.getByRole('button', { name: 'Cancel verification' }).click();
      // Answer the CA at once: Pebble gives up on a held answer after ~10 s, and on a loaded machine waiting for the
      // cancelled notice first could take that long (the validation then failed instead of continuing).
      http.release();
      await win.getByText('Verification cancelled.', { exact: false }).waitFor();
      assert.equal(await win.getByRole('button', { name: 'Verify', exact: true }).isDisabled(), false);
      await win.getByRole('button', { name: 'Verify', exact: true }).click();
      await page.locator('[data-testid="request-window"][data-mode="result"]').waitFor({ timeout: 30_000 });
      assert.equal((await call('requests:list', {})).find((r) => r.names[0] === name)?.status, 'available');
      assert.deepEqual(pageErrors, []);
    }));

  it('renews (confirming the key policy), saves the renewed version, revokes with a reason, and deletes', () =>
    withPage('request-lifecycle', async (page) => {
      const name = `life-${uniq()}.example.test`;
      let win = await createQuick(page, name);
      for (const s of await readCards(win)) http.serve(s.path, s.content);
      await win.getByRole('button', { name: 'Verify', exact: true }).click();
      await page.locator('[data-testid="request-window"][data-mode="result"]').waitFor({ timeout: 30_000 });
      await win.getByRole('button', { name: 'Save', exact: true }).click();
      await win.getByTestId('result-banner').filter({ hasText: 'Saved in the repository' }).waitFor();
      const firstSerial = await win.getByTestId('result-serial').innerText();
      await win.getByRole('button', { name: 'Close', exact: true }).click();
      await win.waitFor({ state: 'detached' });

      const row = page.getByTestId('request-row').filter({ hasText: name });
      await row.getByRole('gridcell').first().click();
      await toolbarButton(page, 'Renew Certificate').click();
      const renew = page.getByRole('dialog', { name: /^Renew/ });
      assert.match(await renew.getByTestId('renew-summary').innerText(), /A new order for the same names; key: new key/);
      await shot(page, 'request-10-renew-confirm');
      await renew.getByRole('button', { name: 'Renew', exact: true }).click();
      win = page.getByTestId('request-window');
      await win.waitFor({ timeout: 30_000 });
      assert.equal(await win.getAttribute('data-mode'), 'challenge');
      for (const s of await readCards(win)) http.serve(s.path, s.content);
      await win.getByRole('button', { name: 'Verify', exact: true }).click();
      await page.locator('[data-testid="request-window"][data-mode="result"]').waitFor({ timeout: 30_000 });
      await win.getByTestId('request-status').filter({ hasText: 'Renewed' }).waitFor();
      assert.notEqual(await win.getByTestId('result-serial').innerText(), firstSerial);
      await win.getByRole('button', { name: 'Save renewed version (replaces the saved one)' }).click();
      await win.getByTestId('result-banner').filter({ hasText: 'Saved in the repository' }).waitFor();
      const cert = (await call('certs:list', {})).find((c) => c.names[0] === name)!;
      assert.deepEqual(cert.history.map((h) => h.serial), [firstSerial]);
      await win.getByRole('button', { name: 'Close', exact: true }).click();
      await win.waitFor({ state: 'detached' });

      // Revoke: reason, warning, tick.
      await row.getByRole('gridcell').first().click();
      await toolbarButton(page, 'Revoke Certificate').click();
      const revoke = page.getByRole('dialog', { name: /^Revoke/ });
      assert.match(await revoke.innerText(), /HTTPS breaks immediately for every site that uses this certificate/);
      const go = revoke.getByRole('button', { name: 'Revoke', exact: true });
      assert.equal(await go.isDisabled(), true, 'Revoke waits for the tick');
      await chooseSelect(page, revoke, 'Reason', 'Superseded');
      await revoke.getByRole('checkbox').check();
      await shot(page, 'request-11-revoke-confirm');
      await go.click();
      await revoke.waitFor({ state: 'detached', timeout: 30_000 });
      await row.getByTestId('request-status').filter({ hasText: 'Revoked' }).waitFor();
      assert.equal(await toolbarButton(page, 'Revoke Certificate').isDisabled(), true);

      // Delete: says the certificate stays valid, needs a tick.
      await page.getByRole('button', { name: 'More' }).click();
      await page.getByRole('menuitem', { name: /^Delete/ }).click();
      const del = page.getByRole('dialog', { name: /^Delete/ });
      assert.match(
        await del.getByTestId('delete-summary').innerText(),
        /Removes the request and its saved certificate from Certdesk; the certificate stays valid until it expires/,
      );
      await del.getByRole('checkbox').check();
      await del.getByRole('button', { name: 'Delete', exact: true }).click();
      await del.waitFor({ state: 'detached' });
      await row.waitFor({ state: 'detached' });
      assert.equal((await call('requests:list', {})).some((r) => r.names[0] === name), false);
      assert.equal((await call('certs:list', {})).some((c) => c.names[0] === name), false);
      assert.deepEqual(pageErrors, []);
    }));

  it('checks the form before sending: wildcard needs dns-01, the DNS account note, an imported key sets the key type, passwords', () =>
    withPage('request-validation', async (page) => {
      await toolbarButton(page, 'Certificate Request').click();
      const dialog = page.getByRole('dialog', { name: /^Certificate Request/ });
      await dialog.waitFor();
      // A pasted list becomes chips; the wildcard is refused with http-01 and accepted with dns-01.
      await paste(dialog.getByTestId('domain-input'), 'example-a.test, *.example-a.test\nmail.example-a.test');
      const chips = dialog.getByTestId('domain-chip');
      await chips.nth(2).waitFor();
      assert.equal(await chips.count(), 3);
      assert.equal(await chips.nth(1).getAttribute('data-invalid'), 'true');
      assert.match(await dialog.getByTestId('domain-errors').innerText(), /wildcard names can only be validated with dns-01/);
      await dialog.getByRole('radio', { name: /dns-01/ }).check();
      assert.equal(await dialog.locator('[data-invalid="true"]').count(), 0);
      const dnsAccount = dialog.getByRole('combobox', { name: 'DNS account' });
      assert.equal(await dnsAccount.getAttribute('aria-disabled'), 'true');
      assert.match(await dialog.innerText(), /No DNS accounts yet — Manage → DNS/);
      // Pebble lists no profiles: no Profile select.
      assert.equal(await dialog.getByRole('combobox', { name: 'Profile' }).count(), 0);

      // Import key: the key type comes from the file.
      const keyFile = join(exportDir, 'imported-p384.key');
      writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
      await dialog.getByRole('radio', { name: /Import key/ }).check();
      await dialog.getByLabel('Private key (PEM file)').setInputFiles(keyFile);
      await dialog.getByTestId('imported-key-type').waitFor();
      assert.match(await dialog.getByTestId('imported-key-type').innerText(), /EC P-384/);
      assert.equal(await dialog.getByRole('combobox', { name: 'Signature algorithm' }).innerText(), 'SHA384withECDSA');
      assert.equal(await dialog.getByRole('combobox', { name: 'Key algorithm' }).getAttribute('aria-disabled'), 'true');

      // Passwords: too short and different, said under the fields; nothing is sent.
      await dialog.getByLabel('Keystore password', { exact: false }).first().fill('short');
      await dialog.getByLabel('Confirm password').fill('shorter');
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      await dialog.getByText('Keystore password is too short: use at least 8 characters.').waitFor();
      await dialog.locator('.MuiDialogContent-root').evaluate((el) => el.scrollTo(0, 0));
      await shot(page, 'request-12-dialog-dns-import');
      assert.equal((await call('requests:list', {})).some((r) => r.names.includes('example-a.test')), false);
      // Names and passwords were typed: Cancel asks before throwing them away.
      await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
      await page.getByRole('dialog', { name: 'Discard the changes?' }).getByRole('button', { name: 'Discard' }).click();
      await dialog.waitFor({ state: 'detached' });
      assert.deepEqual(pageErrors, []);
    }));
});
