// End to end: the built renderer in Chromium, through the loopback bridge, backed by the real services
// (bootstrap) and the bed's Pebble. Covers the account flow of the seed's Step 1: empty state → Manage →
// New Registration against a custom directory with an extra trusted CA → Active card → Deactivate.
// Screenshots go to $CERTDESK_ARTIFACTS (test/artifacts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { bedGate, failWithoutBed } from '../helpers/bed.ts';
import { E2ESession, shot } from '../helpers/e2e.ts';

const PEBBLE_DIRECTORY = process.env.PEBBLE_DIRECTORY;
const PEBBLE_CA_FILE = process.env.PEBBLE_CA_FILE;
const PEBBLE_EAB_DIRECTORY = process.env.PEBBLE_EAB_DIRECTORY;
const gate = bedGate(['PEBBLE_DIRECTORY', 'PEBBLE_CA_FILE', 'PEBBLE_EAB_DIRECTORY']);

/** The text of the helper line MUI links to an input (aria-describedby). */
async function helperText(page: Page, input: Locator): Promise<string> {
  const ids = (await input.getAttribute('aria-describedby')) ?? '';
  const texts = await Promise.all(ids.split(/\s+/).filter(Boolean).map((id) => page.locator(`[id="${id}"]`).innerText()));
  return texts.join(' ').trim();
}

describe('e2e: ACME account in the UI (bridge + Pebble)', { skip: gate.skip }, () => {
  failWithoutBed(gate);
  const e2e = new E2ESession('certdesk-e2e-');
  const { pageErrors } = e2e;
  const events: string[] = [];
  const call = e2e.call.bind(e2e);
  const withPage = e2e.withPage.bind(e2e);

  async function openRegistration(page: Page): Promise<Locator> {
    // The first run opens New Registration directly (no click on the empty Account tab's button).
    await page.getByRole('button', { name: 'Create your ACME account' }).click();
    const manage = page.getByRole('dialog', { name: 'Manage' });
    await manage.waitFor();
    assert.equal(await manage.getByRole('tab', { name: 'Account' }).getAttribute('aria-selected'), 'true');
    const form = manage.getByRole('form', { name: 'New Registration' });
    await form.waitFor();
    return form;
  }

  /** Fills everything but the e-mail, pointing at Pebble with its CA, and ticks the ToS once it shows. */
  async function fillForPebble(form: Locator, name: string, directory = PEBBLE_DIRECTORY!): Promise<void> {
    await form.getByLabel('Account name').fill(name);
    await form.getByRole('radio', { name: /Custom URL/ }).check();
    await form.getByLabel('Directory URL').fill(directory);
    await form.getByLabel('CA certificate file (for a private CA)').setInputFiles(PEBBLE_CA_FILE!);
    const tos = form.getByRole('checkbox', { name: 'I agree to the Terms of Service' });
    await tos.waitFor({ timeout: 15_000 });
    await tos.check();
  }

  before(() => e2e.start({ onEvent: (event) => events.push(event) }));
  after(() => e2e.close());

  it('shows the e-mail error under the E-mail field and stores nothing', () =>
    withPage('account-invalid-email', async (page) => {
    const form = await openRegistration(page);
    await fillForPebble(form, 'Typo');
    const email = form.getByLabel('E-mail');
    await email.fill('ops-at-example.org');
    await form.getByRole('button', { name: 'Register', exact: true }).click();

    await page.locator('input[aria-invalid="true"]').first().waitFor();
    assert.equal(await email.getAttribute('aria-invalid'), 'true');
    assert.match(await helperText(page, email), /E-mail is not a valid address/);
    // Only the e-mail is wrong: the other fields keep their values and show no error.
    assert.equal(await form.getByLabel('Account name').inputValue(), 'Typo');
    assert.equal(await form.getByLabel('Directory URL').inputValue(), PEBBLE_DIRECTORY);
    assert.equal(await form.getByLabel('Account name').getAttribute('aria-invalid'), 'false');
    assert.equal(await form.getByRole('checkbox', { name: 'I agree to the Terms of Service' }).isChecked(), true);
    await shot(page, 'account-00-invalid-email');

    assert.deepEqual(await call('accounts:list', {}), []);
  }));

  it('registers an account at Pebble, shows it Active, and deactivates it', () =>
    withPage('account-flow', async (page) => {
    assert.equal(new URL(page.url()).searchParams.get('token'), null, 'the shim removes the token from the address bar');
    await page.getByTestId('empty-state').waitFor();
    await shot(page, 'account-01-empty-state');

    const form = await openRegistration(page);
    await form.getByLabel('E-mail').fill('ops@certdesk.example.org');
    await fillForPebble(form, 'Ops e2e');
    const tosHref = await form.getByTestId('tos-link').getAttribute('href');
    const info = await call('accounts:directory-info', { directory: PEBBLE_DIRECTORY!, caPem: readFileSync(PEBBLE_CA_FILE!, 'utf8') });
    assert.equal(tosHref, info.termsOfServiceUrl);
    await form.getByTestId('directory-status').waitFor();
    // Show the form from its top: ticking the ToS scrolled the dialog down.
    await form.evaluate((el) => el.closest('.MuiDialogContent-root')?.scrollTo(0, 0));
    await shot(page, 'account-02-registration-filled', { height: 1080 });

    const progressBefore = events.filter((e) => e === 'ops:progress').length;
    await form.getByRole('button', { name: 'Register', exact: true }).click();
    const card = page.getByRole('article', { name: 'Ops e2e' });
    await card.waitFor({ timeout: 30_000 });
    assert.equal(await card.getByTestId('account-status').innerText(), 'Active');
    assert.ok(events.filter((e) => e === 'ops:progress').length > progressBefore, 'registration reported progress');

    const stored = (await call('accounts:list', {})).find((a) => a.name === 'Ops e2e');
    assert.ok(stored, 'the account is stored');
    assert.equal(stored.status, 'valid');
    assert.equal(stored.email, 'ops@certdesk.example.org');
    assert.equal(await card.getByTestId('account-url').innerText(), stored.url);
    assert.equal(new URL(stored.url).origin, new URL(PEBBLE_DIRECTORY!).origin);
    assert.equal(await card.getByTestId('account-email').innerText(), 'ops@certdesk.example.org');
    await page.getByRole('alert').filter({ hasText: '“Ops e2e” registered' }).waitFor();
    await shot(page, 'account-03-account-card');

    await card.getByRole('button', { name: 'Deactivate' }).click();
    const confirm = page.getByRole('dialog', { name: /Deactivate “Ops e2e” at the CA/ });
    await confirm.waitFor();
    const go = confirm.getByRole('button', { name: 'Deactivate' });
    assert.equal(await go.isDisabled(), true, 'Deactivate waits for the typed name');
    await confirm.getByLabel('Type the account name to confirm').fill('Ops e2');
    assert.equal(await go.isDisabled(), true);
    await confirm.getByLabel('Type the account name to confirm').fill('Ops e2e');
    await go.click();
    await confirm.waitFor({ state: 'detached' });
    await card.getByTestId('account-status').filter({ hasText: 'Deactivated' }).waitFor();
    assert.equal(await card.getByRole('button', { name: 'Deactivate' }).isDisabled(), true);
    await page.getByRole('alert').filter({ hasText: 'is deactivated at the CA' }).waitFor();
    await shot(page, 'account-04-deactivated');

    // The CA itself says so (accounts:refresh reads the account from Pebble).
    assert.equal((await call('accounts:refresh', { id: stored.id })).status, 'deactivated');
    assert.deepEqual(pageErrors, []);
  }));

  it('asks for External Account Binding when the CA requires it, and registers with it', () =>
    withPage('account-eab', async (page) => {
      await page.getByRole('button', { name: 'Manage' }).click();
      const manage = page.getByRole('dialog', { name: 'Manage' });
      await manage.getByRole('button', { name: 'New Registration' }).click();
      const form = manage.getByRole('form', { name: 'New Registration' });
      await form.getByLabel('E-mail').fill('eab@certdesk.example.org');
      await fillForPebble(form, 'Ops EAB', PEBBLE_EAB_DIRECTORY!);
      await form.getByRole('heading', { name: 'External Account Binding (required)' }).waitFor();
      await form.getByRole('button', { name: 'Register', exact: true }).click();
      const kid = form.getByLabel('EAB key ID');
      const hmac = form.getByLabel('EAB HMAC key');
      await form.locator('input[aria-invalid="true"]').first().waitFor();
      assert.match(await helperText(page, kid), /EAB key ID is required/);
      assert.match(await helperText(page, hmac), /EAB HMAC key is required/);
      assert.equal(await hmac.getAttribute('type'), 'password');

      await kid.fill(process.env.PEBBLE_EAB_KID ?? '');
      await hmac.fill(process.env.PEBBLE_EAB_HMAC ?? '');
      await form.getByRole('button', { name: 'Register', exact: true }).click();
      const card = page.getByRole('article', { name: 'Ops EAB' });
      await card.waitFor({ timeout: 30_000 });
      assert.equal(await card.getByTestId('account-status').innerText(), 'Active');
      assert.match(await card.innerText(), new RegExp(`EAB key ID\\s+${process.env.PEBBLE_EAB_KID}`));
      assert.doesNotMatch(await page.content(), new RegExp(process.env.PEBBLE_EAB_HMAC!.replace(/[^A-Za-z0-9]/g, '.')), 'the HMAC key is not in the page');
      await shot(page, 'account-05-eab-account');
    }));
});
