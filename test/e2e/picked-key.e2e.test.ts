// End to end: in the desktop app a private key is picked with the main process's open dialog (files:open);
// the page only ever holds the handle, the file name and the key type. The built renderer runs in Chromium
// through the bridge, told it is the Electron face (an init script wraps window.certdesk), and the main
// process's dialog is answered by the test. Every envelope the page receives is recorded and searched for
// key material.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { pebble, tempDir } from '../helpers/bed.ts';
import { E2ESession, openRequestForm } from '../helpers/e2e.ts';

const PASSWORD = 'keystore-pass-1';

/**
 * Runs in the page before the bridge shim: the API the shim defines reports face "electron" and records its
 * traffic. (A string, not a function: the test's own compiled helpers do not exist in the page.)
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

describe('desktop key picker: the key stays in the main process', () => {
  const P = pebble();
  const e2e = new E2ESession('certdesk-e2e-picker-');
  let pick: string | null = null;
  const keys = tempDir('picker-keys');

  before(async () => {
    await e2e.start({
      openPath: () => pick,
      beforeBrowser: async () => {
        await e2e.call('accounts:register', { name: 'Picker e2e', email: 'picker@example.test', directory: P.directory, caPem: P.caPem, agreeTos: true });
      },
    });
    await e2e.context.addInitScript({ content: PRETEND_ELECTRON });
  });
  after(() => e2e.close());

  it('Import key: picked by the dialog, type shown, request created with the handle; no key in the page', () =>
    e2e.withPage('picker-import-key', async (page: Page) => {
      const dialog = await openRequestForm(page);
      const name = `picked-${Date.now().toString(36)}.example.test`;
      await dialog.getByTestId('domain-input').fill(name);
      await dialog.getByTestId('domain-input').press('Enter');
      await dialog.getByRole('radio', { name: /Import key/ }).check();
      const picker = dialog.getByRole('button', { name: 'Private key (PEM file)' });

      // A FIFO picked by mistake: refused at once, said under the field.
      pick = join(keys, 'oops.fifo');
      execFileSync('mkfifo', [pick]);
      await picker.click();
      await dialog.getByText(/oops\.fifo is not a regular file: it is a named pipe \(FIFO\)/).waitFor();

      const keyPem = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      pick = join(keys, 'server-p384.key');
      writeFileSync(pick, keyPem, { mode: 0o600 });
      await picker.click();
      await dialog.getByTestId('imported-key-type').waitFor();
      assert.match(await dialog.getByTestId('imported-key-type').innerText(), /EC P-384/);
      assert.equal(await dialog.getByTestId('pem-file-name').innerText(), 'server-p384.key');

      await dialog.getByLabel('Keystore password', { exact: false }).first().fill(PASSWORD);
      await dialog.getByLabel('Confirm password').fill(PASSWORD);
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByTestId('request-window').waitFor({ timeout: 30_000 });

      const created = (await e2e.call('requests:list', {})).find((r) => r.names[0] === name);
      assert.ok(created, 'the request exists');
      assert.equal(created.keyPolicy, 'import');
      assert.equal(created.key, 'ec-p384');

      const seen = await page.evaluate(() => (globalThis as unknown as { __seen: string[] }).__seen);
      assert.ok(seen.some((s) => s.startsWith('files:open ')), 'the page asked the main process to open the file');
      assert.ok(seen.some((s) => s.startsWith('requests:create ') && s.includes('"importKeyHandle"')), 'the request carried the handle');
      const leaks = seen.filter((s) => /PRIVATE KEY/.test(s) || s.includes(keyPem.split('\n')[1]!));
      assert.deepEqual(leaks, [], 'no key material went to or came from the page');
      assert.deepEqual(e2e.pageErrors, []);
    }));
});
