// Accessibility, measured: axe-core on every main screen of the window, in the light and the dark theme, must
// find no serious or critical violation (every violation found is printed; moderate and minor ones as info).
// The same walk takes the screenshots of every main screen at 1024×700 and 1920×1080 (light) and 1366×850
// (dark) into $CERTDESK_ARTIFACTS/screens/; requests-dark.png is also committed in test/screenshots/.
// Data: an account at the bed's Pebble, an issued and saved certificate, a pending request (the challenge
// window) and a failed one, so every status chip and the repository's timeline are on screen.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { bedGate, failWithoutBed } from '../helpers/bed.ts';
import { Http01Server } from '../helpers/challenges.ts';
import { artifacts, E2ESession, openRequestForm } from '../helpers/e2e.ts';

const PEBBLE_DIRECTORY = process.env.PEBBLE_DIRECTORY;
const PEBBLE_CA_FILE = process.env.PEBBLE_CA_FILE;
// Pebble for the data, its http-01 port for the issued certificate, the keyring for the keystore password.
const gate = bedGate(['PEBBLE_DIRECTORY', 'PEBBLE_CA_FILE', 'PEBBLE_HTTP_PORT', 'DBUS_SESSION_BUS_ADDRESS']);
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const screensDir = join(artifacts, 'screens');
const committedShots = resolve(fileURLToPath(new URL('../screenshots', import.meta.url)));

interface Finding {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string; summary: string }>;
}

/** axe-core on the whole document as it is now; the violations, each with where and why. */
async function axe(page: Page): Promise<Finding[]> {
  // The page's Content-Security-Policy (script-src 'self') refuses an injected <script> (addScriptTag); the
  // DevTools protocol's evaluate is outside the page's policy, so axe's source runs through it.
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(readFileSync(AXE, 'utf8'));
  // A string, not a function: the test runtime's helpers do not exist in the page.
  // label-content-name-mismatch is experimental in axe (off by default): on, because a button's visible text
  // (the alerts count) must be part of its accessible name.
  return (await page.evaluate(`axe.run(document, { resultTypes: ['violations'], rules: { 'label-content-name-mismatch': { enabled: true } } }).then((r) => r.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 6).map((n) => ({ target: n.target.join(' '), summary: (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 300) })),
  })))`)) as Finding[];
}

type Scheme = 'light' | 'dark';
interface Setup {
  scheme: Scheme;
  width: number;
  height: number;
}
const SETUPS: Setup[] = [
  { scheme: 'light', width: 1024, height: 700 },
  { scheme: 'light', width: 1920, height: 1080 },
  { scheme: 'dark', width: 1366, height: 850 },
];

interface Screen {
  name: string;
  /** Brings the screen up from the app's start page (Let's Encrypt, nothing open). */
  open: (page: Page) => Promise<void>;
}

async function nav(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true }).click();
  await page.getByRole('heading', { level: 2, name }).waitFor();
}

async function manageTab(page: Page, tab: string): Promise<void> {
  await page.getByRole('button', { name: 'Manage', exact: true }).click();
  const manage = page.getByRole('dialog', { name: 'Manage' });
  await manage.waitFor();
  await manage.getByRole('tab', { name: tab }).click();
  await manage.getByRole('tab', { name: tab, selected: true }).waitFor();
}

describe('e2e: accessibility (axe-core) on every main screen, light and dark, with screenshots', { skip: gate.skip }, () => {
  failWithoutBed(gate);
  const e2e = new E2ESession('certdesk-e2e-a11y-');
  let http: Http01Server | null = null;
  let pendingName = '';

  before(async () => {
    await e2e.start({
      beforeBrowser: async () => {
        http = await new Http01Server().start();
        const call = e2e.call.bind(e2e);
        await call('accounts:register', { name: 'Ops', email: 'ops@example.test', directory: PEBBLE_DIRECTORY!, caPem: readFileSync(PEBBLE_CA_FILE!, 'utf8'), agreeTos: true });
        const stamp = Date.now().toString(36);
        // Issued and saved: an Available row, a certificate in the repository and on the timeline.
        const issued = await call('requests:create', { domains: [`www-${stamp}.example.test`, `api-${stamp}.example.test`], challengeType: 'http-01', key: 'ec-p256', keystoreType: 'pem' });
        http.serve(issued);
        const done = await call('requests:verify', { id: issued.id });
        assert.equal(done.status, 'available', JSON.stringify(done.error));
        await call('certs:save', { requestId: done.id });
        // Failed: the file served has the wrong content.
        const failing = await call('requests:create', { domains: [`broken-${stamp}.example.test`], challengeType: 'http-01', key: 'rsa-2048', keystoreType: 'pem' });
        http.serve(failing, 'wrong content');
        const failed = await call('requests:verify', { id: failing.id });
        assert.equal(failed.status, 'failed');
        // Pending: waiting for its challenges (the challenge window).
        pendingName = `pending-${stamp}.example.test`;
        await call('requests:create', { domains: [pendingName], challengeType: 'dns-01', key: 'ec-p256', keystoreType: 'pem' });
      },
    });
  });
  after(() => e2e.close(async () => void (await http?.stop())));

  const SCREENS: Screen[] = [
    { name: 'requests', open: async (page) => void (await page.getByTestId('request-row').first().waitFor()) },
    {
      name: 'certificates',
      open: async (page) => {
        await nav(page, 'Certificates');
        await page.getByRole('grid').first().waitFor();
      },
    },
    {
      name: 'alerts',
      open: async (page) => {
        await page.getByTestId('alerts-bell').click();
        await page.getByRole('dialog', { name: 'Alerts' }).waitFor();
      },
    },
    {
      name: 'settings',
      open: async (page) => {
        await nav(page, 'Settings');
      },
    },
    { name: 'manage-account', open: (page) => manageTab(page, 'Account') },
    { name: 'manage-dns', open: (page) => manageTab(page, 'DNS') },
    { name: 'manage-deploy', open: (page) => manageTab(page, 'Deploy') },
    { name: 'manage-agents', open: (page) => manageTab(page, 'Windows agents') },
    {
      name: 'registration',
      open: async (page) => {
        await manageTab(page, 'Account');
        await page.getByRole('button', { name: 'New Registration' }).click();
        await page.getByRole('form', { name: 'New Registration' }).waitFor();
      },
    },
    {
      name: 'certificate-request',
      open: async (page) => {
        await openRequestForm(page);
      },
    },
    {
      name: 'challenge-window',
      open: async (page) => {
        const row = page.getByTestId('request-row').filter({ hasText: pendingName });
        await row.getByTestId('request-status').click();
        await page.getByTestId('request-window').waitFor();
      },
    },
  ];

  // One test per theme and size (each walks every screen); the last checks that every screen was seen in both.
  const seen = new Set<string>();
  for (const setup of SETUPS) {
    it(`${setup.scheme} ${setup.width}×${setup.height}: no serious or critical violation on any screen; a screenshot of each`, async () => {
      mkdirSync(screensDir, { recursive: true });
      const serious: string[] = [];
      for (const screen of SCREENS) {
        const page = await e2e.openApp();
        try {
          await page.emulateMedia({ colorScheme: setup.scheme });
          await page.setViewportSize({ width: setup.width, height: setup.height });
          const started = Date.now();
          await screen.open(page);
          await page.mouse.move(1, 1);
          await page.waitForTimeout(400);
          const file = `${screen.name}-${setup.scheme}-${setup.width}x${setup.height}.png`;
          await page.screenshot({ path: join(screensDir, file), animations: 'disabled' });
          if (setup.scheme === 'dark' && screen.name === 'requests') {
            mkdirSync(committedShots, { recursive: true });
            copyFileSync(join(screensDir, file), join(committedShots, 'requests-dark.png'));
          }
          // axe once per screen and theme (the viewport changes no colour nor structure).
          const key = `${screen.name}/${setup.scheme}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const found = await axe(page);
          console.log(`axe ${key}: ${found.length} finding(s), ${Date.now() - started} ms`);
          for (const v of found) {
            const bad = v.impact === 'serious' || v.impact === 'critical';
            const line = `${bad ? 'VIOLATION' : 'info'} [${v.impact}] ${v.id} on ${key}: ${v.help}\n${v.nodes.map((n) => `    ${n.target} — ${n.summary}`).join('\n')}`;
            console.log(line);
            if (bad) serious.push(line);
          }
        } catch (err) {
          await page.screenshot({ path: join(artifacts, `a11y-${screen.name}-${setup.scheme}-FAILED.png`) }).catch(() => undefined);
          throw err;
        } finally {
          await page.close();
        }
      }
      assert.deepEqual(serious, [], `serious or critical axe violations:\n${serious.join('\n')}`);
      assert.deepEqual(e2e.pageErrors, []);
    });
  }

  it('checked every screen in both themes', () => {
    assert.equal(seen.size, SCREENS.length * 2, [...seen].join(', '));
  });
});
