// End to end: automatic renewal, alerts and e-mail in the UI (issue 9), the built renderer in Chromium through
// the loopback bridge, backed by the real services, a Pebble of this suite's own issuing 90-day certificates and
// the bed's SMTP server. Before the browser starts, the test plays the administrator through the services: three
// requests are issued (http-01 served by the test) and saved, another fails (nothing served). In the page it then sets the renewal policy and the notification settings
// and reads them back from settings:get, sees a server-side field error land under its field, opens the Failed
// request from the bell, finds the planned renewal in the Certificates view (table, timeline, drawer) and
// opens E-mail certificate. Parts that need the renewal engine (renewal:plans) or the alerts service
// (alerts:list) run when those answer; while a channel still answers "not built yet" the part checks the
// quiet "not available" instead and says so in its skip message.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { Request } from '../../shared/model/request.ts';
import { bedEnv, bedGate, failWithoutBed } from '../helpers/bed.ts';
import { Http01Server } from '../helpers/challenges.ts';
import { E2ESession, shot as takeShot, VIEWPORT } from '../helpers/e2e.ts';
import { startExtraPebble, type ExtraPebble } from '../helpers/pebble-extra.ts';

const gate = bedGate(['BED_WORK_DIR', 'CHALLTESTSRV_DNS_PORT', 'PEBBLE_HTTP_PORT', 'SMTP_PORT', 'SMTP_USER', 'SMTP_PASSWORD_FILE', 'SMTP_CA_FILE', 'SMTP_MAILDIR']);
const KEYSTORE_PASSWORD = 'renewal-e2e-keystore-9';

/** The messages in the bed SMTP server's maildir. */
function inboxFiles(): Set<string> {
  return new Set(readdirSync(join(bedEnv('SMTP_MAILDIR'), 'new')).filter((f) => f.endsWith('.eml')));
}

/** Waits for a message that was not in `seen` and whose subject matches: its raw text and envelope. */
async function nextMail(seen: Set<string>, subject: RegExp, timeoutMs = 20_000): Promise<{ raw: string; envelope: { from: string; to: string[] } }> {
  const dir = join(bedEnv('SMTP_MAILDIR'), 'new');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const f of [...inboxFiles()].filter((x) => !seen.has(x)).sort()) {
      const raw = readFileSync(join(dir, f), 'utf8');
      if (!new RegExp(`^Subject: ${subject.source}`, 'mi').test(raw)) continue;
      const envelopeFile = join(dir, f.replace(/\.eml$/, '.json'));
      // The server writes the envelope just after the message.
      if (!existsSync(envelopeFile)) continue;
      return { raw, envelope: JSON.parse(readFileSync(envelopeFile, 'utf8')) as { from: string; to: string[] } };
    }
    if (Date.now() > deadline) throw new Error(`no new mail "${subject.source}" arrived at the bed SMTP server`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** In the page: the timeline's axis labels, and each pair whose boxes overlap (a string: it runs in Chromium). */
const TICK_LABEL_BOXES = `(() => {
  const boxes = [...document.querySelectorAll('[data-testid="expiry-timeline"] .MuiChartsAxis-tickLabel')]
    .map((e) => ({ text: e.textContent, r: e.getBoundingClientRect() }))
    .filter((b) => b.r.width > 0 && b.text);
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i].r, b = boxes[j].r;
      if (a.right > b.left && b.right > a.left && a.bottom > b.top && b.bottom > a.top) overlaps.push(boxes[i].text + ' / ' + boxes[j].text);
    }
  return { count: boxes.length, overlaps };
})()`;
const shot = (page: Page, name: string, height?: number) => takeShot(page, name, { settleMs: 450, ...(height ? { height } : {}) });
const uniq = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

describe('e2e: renewal settings, alerts, the timeline with planned renewals and E-mail certificate (bridge + Pebble)', { skip: gate.skip }, () => {
  failWithoutBed(gate);
  const e2e = new E2ESession('certdesk-e2e-renewal-');
  const call = e2e.call.bind(e2e);
  const http = new Http01Server();
  const okName = `renew-${uniq()}.example.test`;
  const failName = `failing-${uniq()}.example.test`;
  const otherNames = [`api-${uniq()}.example.test`, `shop-${uniq()}.example.test`];
  let ca: ExtraPebble | undefined;
  let failed: Request;
  let certificateId = '';

  /** Whether a channel's engine exists (the placeholders answer INTERNAL "not built yet"). */
  const built = async (probe: () => Promise<unknown>): Promise<boolean> => {
    try {
      await probe();
      return true;
    } catch (err) {
      if (/not built yet/.test((err as Error).message)) return false;
      throw err;
    }
  };

  before(async () => {
    await http.start();
    // A CA of this suite's own that issues 90-day certificates (the bed's issues 5-year ones), so the timeline
    // shows what a person sees with Let's Encrypt; it dials the test's http-01 server.
    ca = await startExtraPebble({ name: 'pebble-e2e-renewal', validityPeriod: 90 * 86_400, httpPort: Number(bedEnv('PEBBLE_HTTP_PORT')) });
    await e2e.start({
      beforeBrowser: async () => {
        await call('accounts:register', { name: 'Renewal e2e', email: 'renewal@example.test', directory: ca!.directoryUrl, caPem: readFileSync(ca!.caFile, 'utf8'), agreeTos: true });
        const issue = async (name: string, keystore: object) => {
          const r = await call('requests:create', { domains: [name], challengeType: 'http-01', key: 'ec-p256', ...keystore });
          http.serve(r);
          const done = await call('requests:verify', { id: r.id });
          assert.equal(done.status, 'available', `${name} is issued`);
          return { request: done, certificateId: (await call('certs:save', { requestId: r.id })).id };
        };
        const first = await issue(okName, { keystoreType: 'jks', keystorePassword: KEYSTORE_PASSWORD });
        certificateId = first.certificateId;
        for (const other of otherNames) await issue(other, {});
        const bad = await call('requests:create', { domains: [failName], challengeType: 'http-01', key: 'ec-p256' });
        // Nothing served for it: the CA's validation fails.
        failed = await call('requests:verify', { id: bad.id }).catch(async () => (await call('requests:get', { id: bad.id }))!);
        assert.equal(failed.status, 'failed', 'the last request failed');
      },
    });
  });

  after(async () => {
    await e2e.close(async () => {
      await http.stop();
      await ca?.stop();
    });
  });

  it('sets the renewal policy and the notifications in Settings, and they persist (settings:get)', async () => {
    await e2e.withPage('renewal-settings', async (page) => {
      await page.getByRole('button', { name: 'Settings', exact: true }).click();
      const renewal = page.getByRole('form', { name: 'Automatic renewal' });
      await renewal.waitFor();
      assert.equal(await renewal.getByRole('radio', { name: /CA’s renewal window/ }).isChecked(), true, 'the default policy is ARI');

      // Days before expiry: a wrong number stays in the page with its message under the field.
      await renewal.getByRole('radio', { name: /A number of days before expiry/ }).check();
      const days = renewal.getByRole('textbox', { name: 'Days before expiry' });
      await days.fill('400');
      await renewal.getByRole('button', { name: 'Save' }).click();
      await renewal.getByText('Days before expiry must be from 1 to 365.').waitFor();
      assert.equal((await call('settings:get', {})).renewal.policy, 'ari', 'nothing saved while the form is wrong');
      await days.fill('20');
      await renewal.getByRole('textbox', { name: 'Renewals at once' }).fill('3');
      await renewal.getByRole('button', { name: 'Save' }).click();
      await renewal.getByRole('button', { name: 'Save' }).and(page.locator('[disabled]')).waitFor();
      const afterRenewal = await call('settings:get', {});
      assert.deepEqual(afterRenewal.renewal, { policy: 'days', days: 20, concurrency: 3 });

      // Notifications: drop the 1-day reminder, add 3 days, no success notifications, start at login.
      const notifications = page.getByRole('form', { name: 'Notifications' });
      assert.deepEqual(await notifications.getByTestId('threshold-chip').allInnerTexts(), ['30 days', '14 days', '7 days', '1 day']);
      await notifications.getByTestId('threshold-chip').filter({ hasText: /^1 day$/ }).locator('.MuiChip-deleteIcon').click();
      await notifications.getByLabel('Add a threshold (days)').fill('3');
      await notifications.getByRole('button', { name: 'Add', exact: true }).click();
      await notifications.getByLabel('Notify on successful renewals').uncheck();
      await notifications.getByLabel('Start at login').check();
      await notifications.getByRole('button', { name: 'Save' }).click();
      await notifications.getByRole('button', { name: 'Save' }).and(page.locator('[disabled]')).waitFor();
      const s = await call('settings:get', {});
      assert.deepEqual(s.notifications, { enabled: true, thresholds: [30, 14, 7, 3], onSuccess: false, stayInTray: true, startAtLogin: true });
      assert.deepEqual(s.renewal, afterRenewal.renewal, 'saving one section leaves the other as saved');

      // E-mail: the service's own check (on, but no server) lands under the server field.
      const email = page.getByRole('form', { name: 'E-mail' });
      await email.getByLabel('Send e-mail').check();
      await email.getByRole('textbox', { name: 'From' }).fill('certdesk@example.test');
      await email.getByRole('combobox', { name: 'To' }).fill('ops@example.test');
      await email.getByRole('combobox', { name: 'To' }).press('Enter');
      await email.getByRole('button', { name: 'Save' }).click();
      const hostHelp = email.locator('[data-field="email.host"]').locator('xpath=ancestor::div[contains(@class,"MuiFormControl-root")]').locator('.MuiFormHelperText-root');
      await hostHelp.filter({ hasText: 'SMTP server is required to send e-mail.' }).waitFor();
      assert.equal((await call('settings:get', {})).email.enabled, false, 'nothing stored after the refused save');
      await email.getByRole('button', { name: 'Undo' }).click();

      // After a reload the page shows what is stored.
      await page.reload();
      await page.getByRole('form', { name: 'Automatic renewal' }).waitFor();
      assert.equal(await page.getByRole('radio', { name: /A number of days before expiry/ }).isChecked(), true);
      assert.equal(await page.getByRole('textbox', { name: 'Days before expiry' }).inputValue(), '20');
      assert.deepEqual(await page.getByTestId('threshold-chip').allInnerTexts(), ['30 days', '14 days', '7 days', '3 days']);
      assert.equal(await page.getByLabel('Start at login').isChecked(), true);
      await page.getByRole('form', { name: 'Automatic renewal' }).scrollIntoViewIfNeeded();
      await shot(page, 'renewal-settings', 1500);
      assert.deepEqual(e2e.pageErrors, []);
    });
  });

  it('the bell shows the Failed request as an alert, and its action opens the request window', async (t) => {
    const alertsBuilt = await built(() => call('alerts:list', {}));
    await e2e.withPage('alerts', async (page) => {
      const bell = page.getByTestId('alerts-bell');
      if (!alertsBuilt) {
        await bell.click();
        await page.getByTestId('alerts-unavailable').waitFor();
        assert.match(await page.getByRole('dialog', { name: 'Alerts' }).innerText(), /not available in this version/);
        t.skip('alerts:list answers "not built yet": only the quiet "not available" was checked');
        return;
      }
      const list = await call('alerts:list', {});
      const alert = list.find((a) => a.kind === 'request-failed' && a.action.requestId === failed.id);
      assert.ok(alert, `alerts:list has the Failed request (got ${list.map((a) => a.id).join(', ')})`);
      const active = list.filter((a) => !a.dismissed).length;
      await page.getByTestId('alerts-count').locator('.MuiBadge-badge').filter({ hasText: String(active) }).waitFor();
      await bell.click();
      const popover = page.getByRole('dialog', { name: 'Alerts' });
      const item = popover.getByTestId('alert-item').filter({ hasText: alert.title });
      await item.waitFor();
      assert.equal(await item.getAttribute('data-kind'), 'request-failed');
      await shot(page, 'alerts');
      await item.getByRole('button', { name: alert.action.label }).click();
      const win = page.getByTestId('request-window');
      await win.waitFor();
      assert.match(await win.innerText(), new RegExp(failName.replace(/\./g, '\\.')));
      await win.getByTestId('request-status').filter({ hasText: 'Failed' }).waitFor();
      await win.getByRole('button', { name: 'Close', exact: true }).click();

      // Dismiss: out of the count, listed under "Dismissed".
      await bell.click();
      await popover.getByRole('button', { name: `Dismiss: ${alert.title}` }).click();
      await popover.getByRole('button', { name: /Dismissed \(\d+\)/ }).waitFor();
      const after = await call('alerts:list', {});
      assert.equal(after.find((a) => a.id === alert.id)?.dismissed, true);
      assert.deepEqual(e2e.pageErrors, []);
    });
  });

  it('the Certificates view shows the planned renewal in the table, the timeline and the drawer', async (t) => {
    // What the Settings test sets through the page; set here too so this test also runs alone.
    await call('settings:set', { renewal: { policy: 'days', days: 20 } });
    const plansBuilt = await built(() => call('renewal:plans', {}));
    await e2e.withPage('timeline', async (page) => {
      await page.getByRole('button', { name: 'Certificates', exact: true }).click();
      const row = page.getByTestId('certificate-row').filter({ hasText: okName });
      await row.waitFor();
      await page.getByTestId('expiry-timeline').locator('svg').first().waitFor();
      assert.match(await page.getByTestId('expiry-timeline').innerText(), /Expiries and planned renewals/);
      if (!plansBuilt) {
        await shot(page, 'timeline');
        await row.click();
        const drawer = page.getByTestId('certificate-drawer');
        await drawer.getByTestId('renewal-unavailable').waitFor();
        assert.equal(await page.getByTestId('timeline-planned').innerText(), '0 of 3 shown with a planned renewal');
        assert.deepEqual(e2e.pageErrors, []);
        t.skip('renewal:plans answers "not built yet": the timeline shows expiries only and the drawer says "not available"');
        return;
      }
      const plan = (await call('renewal:plans', {})).find((p) => p.certificateId === certificateId);
      assert.ok(plan, 'renewal:plans has the saved certificate');
      assert.ok(plan.dueAt, 'the plan has a due time');
      // The policy set in Settings (20 days before expiry) is the one in force.
      assert.equal(plan.policy, 'days');
      assert.equal(plan.policyOverride, null);
      await page.getByTestId('timeline-planned').filter({ hasText: '3 of 3 shown with a planned renewal' }).waitFor();
      const dueDay = new Date(plan.dueAt).toLocaleDateString('en-US', { dateStyle: 'medium' });
      if (plan.state !== 'retrying') assert.equal(await row.getByTestId('renewal-due').innerText(), dueDay);
      assert.equal(await row.getByTestId('renewal-policy').innerText(), '20 days before · default');
      // 90-day certificate, 20 days before expiry: due about 70 days from now.
      const dueInDays = (Date.parse(plan.dueAt) - Date.now()) / 86_400_000;
      assert.ok(dueInDays > 68 && dueInDays < 71, `due in ${dueInDays.toFixed(1)} days`);
      // An http-01 request without an end server cannot renew alone: the table says so.
      assert.equal(plan.state, 'manual');
      assert.equal(await row.getByTestId('renewal-state').innerText(), 'Manual');
      await shot(page, 'timeline');
      // Readable from 1024 to 1920 px: every axis label shown, none overlapping another.
      for (const width of [1024, 1280, 1920]) {
        await page.setViewportSize({ width, height: width === 1920 ? 1080 : 720 });
        await page.waitForTimeout(300);
        const labels = (await page.evaluate(TICK_LABEL_BOXES)) as { count: number; overlaps: string[] };
        assert.ok(labels.count >= 3 + 4, `at ${width} px: the three names and at least four dates (got ${labels.count})`);
        assert.deepEqual(labels.overlaps, [], `at ${width} px no axis labels collide`);
        if (width !== 1280) await shot(page, `timeline-${width}`);
      }
      await page.setViewportSize(VIEWPORT);

      // The drawer: the due time with its reason, and the certificate's own policy.
      await row.click();
      const drawer = page.getByTestId('certificate-drawer');
      const due = drawer.getByTestId('drawer-renewal-due');
      await due.waitFor();
      assert.match(await due.innerText(), /set days before expiry|retry|by hand|window|lifetime/);
      await drawer.getByRole('combobox', { name: 'Policy' }).click();
      await page.getByRole('option', { name: 'When a third of the lifetime remains' }).click();
      await page.getByText(`${okName}:`, { exact: false }).first().waitFor();
      const changed = (await call('renewal:plans', {})).find((p) => p.certificateId === certificateId)!;
      assert.equal(changed.policyOverride, 'lifetime');
      assert.equal(changed.policy, 'lifetime');
      await shot(page, 'timeline-drawer');

      // The tray's next expiries link to #/certificates/<id>: the page opens that certificate's details.
      await page.keyboard.press('Escape');
      await drawer.waitFor({ state: 'hidden' });
      await page.evaluate(`window.location.hash = '#/certificates/${certificateId}'`);
      await drawer.getByRole('heading', { name: okName }).waitFor();
      assert.deepEqual(e2e.pageErrors, []);
    });
  });

  it('E-mail: set up in Settings with Send test, then E-mail certificate mails the chosen keystore (bed SMTP server)', async () => {
    const smtpPassword = readFileSync(bedEnv('SMTP_PASSWORD_FILE'), 'utf8').trim();
    await e2e.withPage('email-certificate', async (page) => {
      // Not set up yet: the dialog says so and leads to Settings.
      const row = page.getByTestId('request-row').filter({ hasText: okName });
      await row.getByTestId('request-status').click();
      const win = page.locator('[data-testid="request-window"][data-mode="result"]');
      await win.waitFor();
      await win.getByTestId('window-email').click();
      const notSetUp = page.getByRole('dialog', { name: `E-mail ${okName}` });
      await notSetUp.getByTestId('email-not-set-up').waitFor();
      assert.equal(await notSetUp.getByRole('button', { name: 'Send' }).isDisabled(), true);
      await notSetUp.getByRole('button', { name: 'Open Settings' }).click();

      // Settings → E-mail, filled in as a person would: the bed's server wants STARTTLS with its own CA and AUTH.
      const email = page.getByRole('form', { name: 'E-mail' });
      await email.waitFor();
      await email.getByLabel('Send e-mail').check();
      await email.getByRole('textbox', { name: 'SMTP server' }).fill('127.0.0.1');
      await email.getByRole('textbox', { name: 'Port' }).fill(bedEnv('SMTP_PORT'));
      await email.getByRole('textbox', { name: 'User' }).fill(bedEnv('SMTP_USER'));
      await email.getByLabel('Password').fill(smtpPassword);
      await email.getByRole('textbox', { name: 'From' }).fill('certdesk@example.test');
      for (const to of ['ops@example.test', 'web@example.test']) {
        await email.getByRole('combobox', { name: 'To' }).fill(to);
        await email.getByRole('combobox', { name: 'To' }).press('Enter');
      }
      await email.getByLabel('Extra CA for the server (optional)').setInputFiles(bedEnv('SMTP_CA_FILE'));
      await email.getByTestId('pem-file-name').waitFor();
      await email.getByRole('button', { name: 'Save' }).click();
      await email.getByRole('button', { name: 'Save' }).and(page.locator('[disabled]')).waitFor();
      const s = await call('settings:get', {});
      assert.equal(s.email.enabled, true);
      assert.equal(s.email.host, '127.0.0.1');
      assert.equal(s.email.port, Number(bedEnv('SMTP_PORT')));
      assert.equal(s.email.security, 'starttls');
      assert.deepEqual(s.email.to, ['ops@example.test', 'web@example.test']);
      assert.equal(s.email.hasPassword, true);
      assert.notEqual(s.email.caName, null);
      assert.equal(await email.getByLabel('Password').inputValue(), '', 'the password never comes back to the page');
      assert.equal(await email.getByLabel('Password').getAttribute('placeholder'), 'stored');
      assert.ok(!readFileSync(join(e2e.dataDir, 'db.json'), 'utf8').includes(smtpPassword), 'the SMTP password is not in db.json');

      // Send test: the progress, then the result; the mail is in the server's maildir.
      const seen = inboxFiles();
      await email.getByTestId('email-send-test').click();
      await email.getByTestId('email-test-result').waitFor({ timeout: 30_000 });
      assert.match(await email.getByTestId('email-test-result').innerText(), /ops@example\.test/);
      const test = await nextMail(seen, /Certdesk test mail/);
      assert.deepEqual([...test.envelope.to].sort(), ['ops@example.test', 'web@example.test']);
      await shot(page, 'email-settings', 1700);

      // E-mail certificate from the repository's drawer: recipients from Settings, JKS attached.
      await page.getByRole('button', { name: 'Certificates', exact: true }).click();
      await page.getByTestId('certificate-row').filter({ hasText: okName }).click();
      await page.getByTestId('drawer-email').click();
      const dialog = page.getByRole('dialog', { name: `E-mail ${okName}` });
      await dialog.getByRole('combobox', { name: 'To' }).waitFor();
      assert.deepEqual(await dialog.locator('.MuiChip-label').allInnerTexts(), ['ops@example.test', 'web@example.test']);
      await dialog.locator('.MuiChip-root').filter({ hasText: 'web@example.test' }).locator('.MuiChip-deleteIcon').click();
      await dialog.getByRole('radio', { name: /^JKS/ }).check();
      assert.match(await dialog.innerText(), /keystore password, which is\s+not in the mail/);
      await shot(page, 'email-certificate');
      const before = inboxFiles();
      await dialog.getByRole('button', { name: 'Send' }).click();
      await dialog.getByTestId('email-sent').waitFor({ timeout: 30_000 });
      const mail = await nextMail(before, /Certificate for /);
      assert.deepEqual(mail.envelope.to, ['ops@example.test']);
      assert.match(mail.raw, /filename="?[^"\r\n]*\.jks"?/i, 'a JKS keystore is attached');
      assert.ok(!mail.raw.includes(KEYSTORE_PASSWORD), 'the keystore password is not in the mail');
      assert.match(await dialog.getByTestId('email-sent').innerText(), /Sent to ops@example\.test with .*\.jks attached/);
      await shot(page, 'email-certificate-sent');
      assert.deepEqual(e2e.pageErrors, []);
    });
  });
});
