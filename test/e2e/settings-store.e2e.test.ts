// End to end: a db.json with one bad record, opened by the real services behind the loopback bridge; the built
// renderer in Chromium lists the record on the Settings page (app:info storeProblems) and the other accounts
// still show. Needs only Chromium (the keychain is the in-memory one: nothing here is secret).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { bootstrap, type App } from '../../electron/app/bootstrap.ts';
import { headlessPlatform } from '../../electron/app/platform-services.ts';
import { startBridge, type Bridge } from '../../electron/bridge/server.ts';
import { MemorySecretStore } from '../../electron/secrets/memory-store.ts';
import { SCHEMA_VERSION } from '../../electron/store/schema.ts';
import { artifacts, VIEWPORT } from '../helpers/e2e.ts';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function account(n: number, status: string) {
  return {
    id: `acc-${n}-0000-0000`,
    name: `Account ${n}`,
    email: null,
    directoryUrl: `https://ca-${n}.example.test/dir`,
    directoryKind: 'custom',
    caFile: null,
    caName: null,
    url: `https://ca-${n}.example.test/acct/${n}`,
    status,
    keyAlgorithm: 'EC P-256',
    keyThumbprint: `thumb-${n}`,
    keyFile: `accounts/acc-${n}.key`,
    termsOfServiceUrl: null,
    eabKid: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

describe('e2e: records of db.json set aside are shown on the Settings page', () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'certdesk-e2e-store-')), 'data');
  let app: App | undefined;
  let bridge: Bridge | undefined;
  let browser: Browser | undefined;

  before(async () => {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const db = {
      schemaVersion: SCHEMA_VERSION,
      storeId: '0b7f9a52-7a8e-4c43-9c1e-2f5a3d1e8b77',
      accounts: [account(1, 'valid'), account(2, 'on-hold')],
      requests: [],
      certificates: [],
      dnsAccounts: [],
      dnsMappings: [],
      servers: [],
      agents: [],
      serverMappings: [],
      deployments: [],
      renewals: [],
      notices: [],
      dismissals: [],
      settings: {},
    };
    writeFileSync(join(dataDir, 'db.json'), JSON.stringify(db, null, 2));
    app = await bootstrap({ dataDir, face: 'bridge', secrets: new MemorySecretStore(), platform: headlessPlatform({}) });
    bridge = await startBridge({ handlers: app.handlers, staticDir: join(root, 'out/renderer'), shimFile: join(root, 'out/bridge-shim/shim.js') });
    browser = await chromium.launch({
      executablePath: '/usr/lib/chromium/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  });

  after(async () => {
    await browser?.close();
    await bridge?.close();
    await app?.close();
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
  });

  it('names the record, the field and what was expected', async () => {
    const page = await browser!.newPage({ viewport: VIEWPORT });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(bridge!.url);
      await page.getByRole('heading', { name: "Let's Encrypt" }).waitFor({ timeout: 20_000 });
      await page.getByRole('button', { name: 'Settings' }).click();
      const alert = page.getByRole('alert', { name: 'Database records set aside' });
      await alert.waitFor({ timeout: 20_000 });
      const text = await alert.innerText();
      assert.match(text, /One record of db\.json could not be read and is set aside/);
      assert.match(text, /accounts\[1\] \(id "acc-2-0000-0000"\): status: expected one of "valid", "deactivated", "revoked", found "on-hold"\./);
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'settings-store-problems.png') });
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });
});
