// End to end: Linux end servers and deployment in the UI (issue 8), the built renderer in Chromium through the
// loopback bridge (told it is the Electron face, so the private key is picked with the main process's open
// dialog and never enters the page), backed by the real services, the bed's sshd and nginx, and a Pebble of this
// suite's own that dials nginx for http-01. The administrator adds the server in Manage → Deploy and accepts its
// host key fingerprint (which must be the bed sshd's), maps a domain with nginx's webroot and deploy settings,
// raises an http-01 request and presses Verify: Certdesk places the challenge files over SFTP, the CA
// validates them, the certificate is Available and deployed; nginx serves exactly that certificate.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { bedEnv, bedGate, failWithoutBed } from '../helpers/bed.ts';
import { E2ESession, shot as takeShot, openRequestForm } from '../helpers/e2e.ts';
import { startExtraPebble, type ExtraPebble } from '../helpers/pebble-extra.ts';
import { servedSerial } from '../helpers/tls.ts';

const gate = bedGate(['BED_WORK_DIR', 'SSHD_PORT', 'SSHD_USER', 'SSHD_CLIENT_KEY', 'SSHD_HOST_KEY_SHA256', 'NGINX_HTTP_PORT', 'NGINX_HTTPS_PORT', 'NGINX_WEBROOT', 'NGINX_TLS_DIR', 'NGINX_RELOAD']);
const PASSWORD = 'keystore-pass-1';
const shot = (page: Page, name: string, height?: number) => takeShot(page, name, { settleMs: 450, ...(height ? { height } : {}) });

/**
 * Makes the page believe it runs in the desktop app: window.certdesk says face "electron", so the key is
 * picked through files:open (answered by the test) instead of being read in the page. Every envelope is kept
 * in window.__seen for the key-material check. (A string: the test's compiled helpers do not exist in the page.)
 */
const PRETEND_ELECTRON = `
(() => {
  window.__seen = [];
  const define = Object.defineProperty;
  Object.defineProperty = function (target, key, desc) {
    if (target === window && key === 'certdesk' && desc && desc.value) {
      const api = desc.value;
      const wrapped = {
        face: 'electron',
        on: (e, l) => api.on(e, l),
        invoke: async (channel, request) => {
          const envelope = await api.invoke(channel, request);
          window.__seen.push(channel + ' ' + JSON.stringify(request) + ' -> ' + JSON.stringify(envelope));
          return envelope;
        },
      };
      return define.call(Object, target, key, Object.assign({}, desc, { value: wrapped }));
    }
    return define.call(Object, target, key, desc);
  };
})();
`;

describe('e2e: end servers, automatic http-01 and deployment in the UI (bridge + sshd + nginx + Pebble dialling nginx)', { skip: gate.skip }, () => {
  failWithoutBed(gate);
  const e2e = new E2ESession('certdesk-e2e-deploy-');
  const call = e2e.call.bind(e2e);
  let ca: ExtraPebble | undefined;
  const savedPreflight = process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS;
  const domain = `deploy-${Date.now().toString(36)}.example.test`;

  before(async () => {
    // The test's names do not resolve to nginx: the pre-flight GET goes to nginx's port directly.
    process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS = `127.0.0.1:${bedEnv('NGINX_HTTP_PORT')}`;
    ca = await startExtraPebble({ name: 'pebble-e2e-deploy', httpPort: Number(bedEnv('NGINX_HTTP_PORT')) });
    await e2e.start({
      openPath: () => bedEnv('SSHD_CLIENT_KEY'),
      beforeBrowser: async () => {
        await call('accounts:register', { name: 'Deploy e2e', email: 'deploy@example.test', directory: ca!.directoryUrl, caPem: readFileSync(ca!.caFile, 'utf8'), agreeTos: true });
      },
    });
    await e2e.context.addInitScript({ content: PRETEND_ELECTRON });
  });
  after(async () => {
    await e2e.close();
    await ca?.stop();
    if (savedPreflight === undefined) delete process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS;
    else process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS = savedPreflight;
  });

  async function openDeployTab(page: Page): Promise<Locator> {
    await page.getByRole('toolbar', { name: 'Certificate request actions' }).getByRole('button', { name: 'Manage' }).click();
    const manage = page.getByRole('dialog', { name: 'Manage' });
    await manage.waitFor();
    await manage.getByRole('tab', { name: 'Deploy' }).click();
    await manage.getByTestId('deploy-tab').waitFor();
    return manage;
  }

  it('adds a server (fingerprint accepted), maps a domain with webroot and deploy settings, issues by http-01 and deploys; nginx serves the certificate', () =>
    e2e.withPage('deploy-flow', async (page) => {
      const manage = await openDeployTab(page);
      await manage.getByTestId('no-servers').waitFor();

      // Add server: the key is picked by the main process's dialog; Continue shows the host key to accept.
      await manage.getByRole('button', { name: 'Add server' }).click();
      const dialog = page.getByRole('dialog', { name: 'Add server' });
      await dialog.waitFor();
      await dialog.getByTestId('server-name').fill('web1');
      await dialog.getByTestId('server-host').fill('127.0.0.1');
      await dialog.getByTestId('server-port').fill(bedEnv('SSHD_PORT'));
      await dialog.getByTestId('server-user').fill(bedEnv('SSHD_USER'));
      await dialog.getByRole('radio', { name: 'Private key' }).check();
      // Continue without a key: the field says what is missing, nothing is sent.
      await dialog.getByRole('button', { name: 'Continue' }).click();
      await dialog.getByText('Private key is required', { exact: false }).waitFor();
      await dialog.getByRole('button', { name: 'Choose key file…' }).click();
      await dialog.getByTestId('server-key-name').filter({ hasText: /\S+/ }).filter({ hasNotText: 'No key chosen' }).waitFor();
      await dialog.getByRole('button', { name: 'Continue' }).click();

      const accept = page.getByRole('dialog', { name: 'Accept the host key?' });
      await accept.getByTestId('host-key-dialog').waitFor({ timeout: 20_000 });
      assert.equal(await accept.getByTestId('host-key-offered-sha256').innerText(), bedEnv('SSHD_HOST_KEY_SHA256'), 'the fingerprint shown is the bed sshd’s host key');
      assert.match(await accept.getByTestId('host-key-offered').innerText(), /^ssh-ed25519|^ecdsa|^rsa|^ssh-rsa/);
      await accept.getByText('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub').waitFor();
      await shot(page, 'deploy-fingerprint');
      await accept.getByRole('button', { name: 'Accept and add' }).click();
      await accept.waitFor({ state: 'detached', timeout: 30_000 });

      const row = manage.getByTestId('server-row').filter({ hasText: 'web1' });
      await row.waitFor();
      assert.equal(await row.getByTestId('server-address').innerText(), `${bedEnv('SSHD_USER')}@127.0.0.1:${bedEnv('SSHD_PORT')}`);
      assert.equal(await row.getByTestId('server-auth').innerText(), 'Key');
      const [server] = await call('servers:list', {});
      assert.equal(server?.hostKey.sha256, bedEnv('SSHD_HOST_KEY_SHA256'), 'the accepted key is pinned');
      assert.equal(server?.secrets.privateKey, true);

      // Test connection: each check is shown.
      await row.getByRole('button', { name: 'Test connection of web1' }).click();
      const test = page.getByRole('dialog', { name: /^Test connection/ });
      await test.getByTestId('server-test-result').waitFor({ timeout: 30_000 });
      assert.equal(await test.getByTestId('server-test-result').getAttribute('data-ok'), 'true', await test.innerText());
      assert.ok((await test.getByTestId('server-check').count()) >= 1);
      await test.getByRole('button', { name: 'Close' }).click();
      await row.getByTestId('server-last-test').filter({ hasText: 'OK' }).waitFor();

      // Map the domain: nginx's webroot for http-01, PEM files in its TLS directory, reload, check address.
      await row.getByRole('button', { name: 'Map domains to web1' }).click();
      const editor = page.getByRole('dialog', { name: 'Map domains to an end server' });
      await editor.waitFor();
      await editor.getByTestId('mapping-domains').fill(domain);
      const tls = bedEnv('NGINX_TLS_DIR');
      await editor.getByTestId('mapping-webroot').fill(bedEnv('NGINX_WEBROOT'));
      await editor.getByTestId('mapping-deploy').check();
      await editor.getByTestId('mapping-fullchainPath').fill(join(tls, 'fullchain.pem'));
      await editor.getByTestId('mapping-keyPath').fill(join(tls, 'privkey.pem'));
      await editor.getByTestId('mapping-reload').fill(bedEnv('NGINX_RELOAD'));
      await editor.getByTestId('mapping-check').fill(`127.0.0.1:${bedEnv('NGINX_HTTPS_PORT')}`);
      await shot(page, 'deploy-mapping-editor', 900);
      await editor.getByTestId('mapping-save').click();
      await editor.waitFor({ state: 'detached' });
      const mappingRow = manage.getByTestId('server-mapping-row').filter({ hasText: domain });
      await mappingRow.waitFor();
      assert.match(await mappingRow.getByTestId('mapping-deploy-summary').innerText(), /^PEM · 2 files · reload · check 127\.0\.0\.1:/);
      await shot(page, 'deploy-tab');
      await manage.getByRole('button', { name: 'Close' }).click();
      await manage.waitFor({ state: 'detached' });

      // Raise the http-01 request: the window says the end server answers, Verify needs nothing by hand.
      const req = await openRequestForm(page);
      await req.getByTestId('domain-input').fill(domain);
      await req.getByTestId('domain-input').press('Enter');
      await req.getByLabel('Keystore password', { exact: false }).first().fill(PASSWORD);
      await req.getByLabel('Confirm password').fill(PASSWORD);
      await req.getByRole('button', { name: 'Create', exact: true }).click();
      const win = page.getByTestId('request-window');
      await win.waitFor({ timeout: 30_000 });
      await win.getByTestId('challenge-automated').waitFor();
      assert.match(await win.getByTestId('challenge-automation').first().innerText(), /http-01 · server web1 \(webroot /);
      await win.getByRole('button', { name: 'Verify', exact: true }).click();

      // Available, then deployed: the result shows the deployment with the served serial.
      const deployment = win.getByTestId('deployment').filter({ hasText: 'web1' });
      await deployment.waitFor({ timeout: 90_000 });
      const issued = (await call('requests:list', {})).find((r) => r.names.includes(domain))!;
      assert.equal(issued.status, 'available', JSON.stringify(issued.error));
      const serial = issued.certificate!.serial;
      assert.equal(await win.getByTestId('result-serial').innerText(), serial);
      assert.match(await win.getByTestId('request-subtitle').innerText(), /^http-01 · web1 · /, 'the window names the server that answered');
      assert.equal(await deployment.getAttribute('data-status'), 'deployed', await deployment.innerText());
      assert.equal(await deployment.getByTestId('deployment-status').innerText(), 'Deployed');
      assert.equal(await deployment.getByTestId('deployment-served-serial').innerText(), serial, 'the served serial is the certificate’s');
      assert.equal(await servedSerial(`127.0.0.1:${bedEnv('NGINX_HTTPS_PORT')}`, domain), serial, 'nginx serves it');
      await deployment.getByRole('button', { name: 'Details of web1' }).click();
      await deployment.getByTestId('deployment-details').waitFor();
      assert.match(await deployment.getByTestId('deployment-details').innerText(), /fullchain\.pem/);
      await shot(page, 'deploy-request-result', 900);

      // Deploy now from the window: live progress, then the result per server.
      await win.getByTestId('window-deploy-now').click();
      const now = page.getByRole('dialog', { name: /^Deploy now/ });
      await now.getByTestId('deploy-now-run').click();
      await now.getByTestId('deploy-result').waitFor({ timeout: 60_000 });
      assert.equal(await now.getByTestId('deploy-result').getAttribute('data-ok'), 'true', await now.innerText());
      assert.ok((await now.getByTestId('progress-step').count()) >= 1, 'progress steps were shown');
      assert.equal(await now.getByTestId('deployment').getAttribute('data-status'), 'deployed');
      await now.getByRole('button', { name: 'Close' }).click();

      // The status chip in the table says Available.
      await win.getByRole('button', { name: 'Close', exact: true }).last().click();
      const requestRow = page.getByTestId('request-row').filter({ hasText: domain });
      await requestRow.getByTestId('request-status').filter({ hasText: 'Available' }).waitFor();
      assert.match(await requestRow.innerText(), /http-01 · web1/);

      // The private key never reached the page: only the handle did.
      const seen = (await page.evaluate('window.__seen')) as string[];
      assert.ok(seen.some((s) => s.startsWith('servers:add ') && s.includes('privateKeyHandle')), 'servers:add sent the handle');
      assert.ok(!seen.some((s) => /PRIVATE KEY/.test(s)), 'no private key text crossed to the page');
      assert.deepEqual(e2e.pageErrors, []);
    }));
});
