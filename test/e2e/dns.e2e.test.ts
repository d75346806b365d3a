// End to end: DNS automation in the UI (issue 7), the built renderer in Chromium through the loopback bridge,
// backed by the real services, the bed's keyring, BIND and a Pebble of this suite's own that resolves through
// that BIND. The administrator adds an RFC 2136 DNS account with the form generated from its descriptor, tests
// it (the zone is shown), sets the DNS servers the checks start from (Settings), raises `example.test` +
// `*.example.test` with dns-01 and the DNS account, presses Verify and watches each name's propagation until
// the certificate is Available; the TXT records are gone afterwards (dig is the witness), and the TSIG secret
// is in no file of the data directory and never in the page. Also: errors under the fields, a failing Test
// connection, Delete refused while a pending request uses the account (naming it), Assign DNS, DNS mappings.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { bedGate, failWithoutBed } from '../helpers/bed.ts';
import dnsPacket from 'dns-packet';
import { digTxt, nsupdate } from '../helpers/dns-tools.ts';
import { E2ESession, shot as takeShot, openRequestForm } from '../helpers/e2e.ts';

const gate = bedGate(['BED_WORK_DIR', 'BIND_PORT', 'BIND_ZONE', 'BIND_TSIG_NAME', 'BIND_TSIG_SECRET', 'BIND_TSIG_ALGORITHM']);
const BIND_PORT = process.env.BIND_PORT ?? '';
const ZONE = process.env.BIND_ZONE ?? 'example.test';
const TSIG_NAME = process.env.BIND_TSIG_NAME ?? '';
const TSIG_SECRET = process.env.BIND_TSIG_SECRET ?? '';
const TSIG_ALGORITHM = process.env.BIND_TSIG_ALGORITHM ?? 'hmac-sha256';
const BIND = `127.0.0.1:${BIND_PORT}`;
/** A well-formed TSIG secret BIND does not know. */
const WRONG_SECRET = Buffer.alloc(32, 7).toString('base64');
const PASSWORD = 'keystore-pass-1';
/** How long the second name server lags behind the primary for a new TXT record set. */
const LAG_MS = 10_000;

const shot = (page: Page, name: string, height?: number) => takeShot(page, name, { settleMs: 450, ...(height ? { height } : {}) });

interface PebbleModule {
  startPebble(o: { workDir: string; dnsPort: number; name: string }): Promise<{ directoryUrl: string; caFile: string; stop(): Promise<void> }>;
}

/**
 * A secondary name server that lags (the complaint users of other tools have most about dns-01): it answers
 * everything as the BIND primary does, except that a new set of TXT values at an _acme-challenge name stays
 * invisible for `lagMs` after it first appeared at the primary, and for as long as `hold` is set (so that a step
 * that must happen while Certdesk waits does not depend on how fast a loaded machine gets there).
 */
class LaggingSecondary {
  private socket: Socket | null = null;
  private readonly firstSeen = new Map<string, number>();
  hidden = 0;
  hold = false;

  constructor(
    private readonly primaryPort: number,
    private readonly lagMs: number,
  ) {}

  async start(): Promise<string> {
    const socket = createSocket('udp4');
    this.socket = socket;
    socket.on('message', (query, client) => {
      const upstream = createSocket('udp4');
      upstream.once('message', (answer) => {
        upstream.close();
        let out: Uint8Array = answer;
        const packet = dnsPacket.decode(answer);
        const q = packet.questions?.[0];
        if (q?.type === 'TXT' && /^_acme-challenge\./i.test(q.name) && packet.answers?.length) {
          const key = `${q.name.toLowerCase()} ${packet.answers.map((a) => JSON.stringify((a as { data?: unknown }).data)).sort().join(' ')}`;
          const first = this.firstSeen.get(key) ?? Date.now();
          this.firstSeen.set(key, first);
          if (this.hold || Date.now() - first < this.lagMs) {
            this.hidden++;
            out = dnsPacket.encode({ ...packet, answers: [] });
          }
        }
        socket.send(out, client.port, client.address);
      });
      upstream.send(query, this.primaryPort, '127.0.0.1');
    });
    await new Promise<void>((ok) => socket.bind(0, '127.0.0.1', () => ok()));
    return `127.0.0.1:${socket.address().port}`;
  }

  stop(): void {
    this.socket?.close();
  }
}

/** Every file under `dir` (the data directory: db.json, keys, logs). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('e2e: DNS accounts and automatic dns-01 in the UI (bridge + Pebble resolving through BIND)', { skip: gate.skip }, () => {
  failWithoutBed(gate);
  const e2e = new E2ESession('certdesk-e2e-dns-');
  const call = e2e.call.bind(e2e);
  const withPage = e2e.withPage.bind(e2e);
  let pebble: Awaited<ReturnType<PebbleModule['startPebble']>> | undefined;
  const secondary = new LaggingSecondary(Number(BIND_PORT), LAG_MS);
  const tsig = { name: TSIG_NAME, algorithm: TSIG_ALGORITHM, secret: TSIG_SECRET };
  /** The zone gets a second NS (the lagging one) for this suite; `after` takes it away again. */
  const NS2 = [`${ZONE}. 60 IN NS ns2.${ZONE}.`, `ns2.${ZONE}. 60 IN A 127.0.0.1`];
  const progressMessages: string[] = [];

  async function openManage(page: Page, tab: 'DNS' | 'Deploy'): Promise<Locator> {
    await page.getByRole('toolbar', { name: 'Certificate request actions' }).getByRole('button', { name: 'Manage' }).click();
    const manage = page.getByRole('dialog', { name: 'Manage' });
    await manage.waitFor();
    await manage.getByRole('tab', { name: tab }).click();
    return manage;
  }

  async function chooseOption(page: Page, scope: Locator, label: string, option: string | RegExp): Promise<void> {
    await scope.getByRole('combobox', { name: label }).click();
    await page.getByRole('listbox').getByRole('option', { name: option }).click();
    await page.getByRole('listbox').waitFor({ state: 'detached' });
  }

  /** Manage → DNS → Add DNS account → RFC 2136 → the generated form, filled in; returns the tab. */
  async function addRfc2136(page: Page, manage: Locator, name: string, secret: string): Promise<void> {
    await manage.getByRole('button', { name: 'Add DNS account' }).click();
    await manage.getByRole('button', { name: 'RFC 2136' }).click();
    const form = manage.getByRole('form', { name: 'New RFC 2136 DNS account' });
    await form.waitFor();
    await form.getByLabel('Name', { exact: false }).first().fill(name);
    await form.getByLabel('DNS server', { exact: false }).fill('127.0.0.1');
    await form.getByLabel('Port', { exact: false }).fill(BIND_PORT);
    await form.getByLabel('TSIG key name', { exact: false }).fill(TSIG_NAME);
    await form.getByLabel('TSIG key secret', { exact: false }).fill(secret);
    await chooseOption(page, form, 'TSIG algorithm', TSIG_ALGORITHM.toUpperCase());
    await form.getByRole('button', { name: 'Add DNS account' }).click();
    await form.waitFor({ state: 'detached' });
  }

  before(async () => {
    // The zone's name servers: ns1 is the bed's BIND (on its own port, not 53), ns2 the lagging secondary.
    // A stuck check fails in time.
    const ns2 = await secondary.start();
    await nsupdate(BIND, tsig, NS2.map((rr) => `update add ${rr}`));
    process.env.CERTDESK_DNS_NS_ADDRESSES = `ns1.${ZONE}=${BIND},ns2.${ZONE}=${ns2}`;
    process.env.CERTDESK_DNS_PROPAGATION_TIMEOUT_MS = '60000';
    const mod = (await import('../bed/pebble.mjs' as string)) as PebbleModule;
    // This suite's own Pebble: it resolves every name through the bed's BIND, so only a real TXT record passes.
    pebble = await mod.startPebble({ workDir: process.env.BED_WORK_DIR!, dnsPort: Number(BIND_PORT), name: `pebble-e2e-dns-${process.pid}` });
    await e2e.start({
      onEvent: (event, payload) => {
        if (event === 'ops:progress') {
          const p = payload as { step: string; message: string; item?: string };
          progressMessages.push(`${p.step}${p.item ? `[${p.item}]` : ''}: ${p.message}`);
        }
      },
      beforeBrowser: async () => {
        await call('accounts:register', {
          name: 'DNS e2e',
          email: 'dns@certdesk.example.org',
          directory: pebble!.directoryUrl,
          caPem: readFileSync(pebble!.caFile, 'utf8'),
          agreeTos: true,
        });
      },
    });
  });

  after(() =>
    e2e.close(async () => {
      await pebble?.stop();
      await nsupdate(BIND, tsig, NS2.map((rr) => `update delete ${rr}`)).catch(() => undefined);
      secondary.stop();
    }),
  );

  it('adds an RFC 2136 DNS account from its generated form, tests it, and issues example.test + *.example.test with it', () =>
    withPage('dns-flow', async (page) => {
      const manage = await openManage(page, 'DNS');
      await manage.getByTestId('no-dns-accounts').waitFor();

      // The form is generated from the descriptor: labels, help, a password input for the secret, required
      // marks, a select for the options, and the advanced field (Endpoint) folded away.
      await manage.getByRole('button', { name: 'Add DNS account' }).click();
      await manage.getByRole('button', { name: 'RFC 2136' }).waitFor();
      await shot(page, 'dns-01-choose-provider');
      await manage.getByRole('button', { name: 'RFC 2136' }).click();
      const form = manage.getByRole('form', { name: 'New RFC 2136 DNS account' });
      await form.waitFor();
      assert.equal(await form.getByLabel('TSIG key secret', { exact: false }).getAttribute('type'), 'password');
      assert.match(await form.innerText(), /Host name or IP address of the primary \(master\) server/);
      assert.equal(await form.getByLabel('Endpoint', { exact: false }).count(), 0, 'advanced fields start folded');
      assert.match(await form.getByRole('combobox', { name: 'Mode' }).innerText(), /Global/);
      assert.match(await form.getByRole('combobox', { name: 'TSIG algorithm' }).innerText(), /HMAC-SHA256/);
      assert.equal(await form.getByLabel('Port', { exact: false }).getAttribute('placeholder'), '53');

      // Nothing filled in: each error under the field it names, nothing sent.
      await form.getByRole('button', { name: 'Add DNS account' }).click();
      await form.getByText('DNS server is required.').waitFor();
      assert.match(await form.innerText(), /TSIG key name is required\./);
      assert.match(await form.innerText(), /TSIG key secret is required\./);
      assert.equal((await call('dns:list', {})).length, 0, 'nothing sent');
      // The keyboard focus goes to the first field in error (Name).
      await form.locator('[data-field="name"]:focus').waitFor();
      // A bad port is refused under the Port field.
      await form.getByLabel('Port', { exact: false }).fill('53x');
      await form.getByRole('button', { name: 'Add DNS account' }).click();
      await form.getByText('Port must be a whole number.').waitFor();
      await form.getByRole('button', { name: /^Advanced/ }).click();
      await form.getByLabel('Endpoint', { exact: false }).waitFor();
      await shot(page, 'dns-02-form-errors', 900);
      // Back leads to the provider choice, and from there to the list.
      await form.getByRole('button', { name: 'Back', exact: true }).click();
      await manage.getByRole('list', { name: 'DNS providers' }).waitFor();
      await manage.getByRole('button', { name: 'DNS accounts' }).click();
      await manage.getByTestId('no-dns-accounts').waitFor();

      await addRfc2136(page, manage, 'Test BIND', TSIG_SECRET);
      // After Add, Test connection opens: a domain, Test, the zone found.
      const test = page.getByRole('dialog', { name: /^Test connection/ });
      await test.waitFor();
      await test.getByLabel('Domain to look for').fill(ZONE);
      await test.getByRole('button', { name: 'Test', exact: true }).click();
      await test.getByTestId('dns-test-zone').waitFor({ timeout: 30_000 });
      assert.equal(await test.getByTestId('dns-test-zone').innerText(), ZONE);
      await shot(page, 'dns-03-test-connection');
      await test.getByRole('button', { name: 'Close', exact: true }).click();
      await test.waitFor({ state: 'detached' });

      const row = manage.getByTestId('dns-account-row').filter({ hasText: 'Test BIND' });
      await row.waitFor();
      assert.match(await row.innerText(), /Test BIND[\s\S]*RFC 2136[\s\S]*Enabled[\s\S]*OK · example\.test/);
      const [account] = await call('dns:list', {});
      assert.ok(account);
      assert.deepEqual(account.secrets, { keySecret: true });
      assert.equal(account.fields.server, '127.0.0.1');
      assert.equal(account.fields.port, BIND_PORT);

      // The secret is in the keychain only: in no file of the data directory, never in the page.
      for (const f of filesUnder(e2e.dataDir)) assert.equal(readFileSync(f, 'latin1').includes(TSIG_SECRET), false, `${f} holds the TSIG secret`);
      await row.getByRole('button', { name: 'Edit Test BIND' }).click();
      const edit = manage.getByRole('form', { name: 'Edit Test BIND' });
      await edit.waitFor();
      assert.equal(await edit.getByLabel('TSIG key secret', { exact: false }).inputValue(), '');
      await edit.getByTestId('stored-keySecret').filter({ hasText: 'Stored' }).waitFor();
      assert.equal((await page.content()).includes(TSIG_SECRET), false, 'the page never holds the secret');
      await shot(page, 'dns-04-edit-stored-secret', 900);
      await edit.getByRole('button', { name: 'Save changes' }).click();
      await edit.waitFor({ state: 'detached' });
      assert.deepEqual((await call('dns:list', {}))[0]?.secrets, { keySecret: true }, 'a secret not sent stays stored');
      await shot(page, 'dns-05-tab');
      await page.getByRole('dialog', { name: 'Manage' }).getByRole('button', { name: 'Close' }).first().click();
      await manage.waitFor({ state: 'detached' });

      // Settings: the DNS checks start from the test BIND (the machine's resolvers do not know example.test).
      await page.getByRole('button', { name: 'Settings' }).click();
      const checks = page.getByRole('form', { name: 'DNS checks' });
      await checks.waitFor();
      await checks.getByLabel('DNS servers').fill('not a server!');
      await checks.getByRole('button', { name: 'Save' }).click();
      await checks.getByText(/is not a server/).waitFor();
      await checks.getByLabel('DNS servers').fill(BIND);
      await checks.getByRole('button', { name: 'Save' }).click();
      await page.getByText(`DNS checks start from ${BIND}.`).waitFor();
      assert.deepEqual((await call('settings:get', {})).dnsServers, [BIND]);
      await page.getByRole('button', { name: "Let's Encrypt" }).click();

      // The request: apex + wildcard, dns-01 with the DNS account.
      const dialog = await openRequestForm(page);
      for (const n of [ZONE, `*.${ZONE}`]) {
        await dialog.getByTestId('domain-input').fill(n);
        await dialog.getByTestId('domain-input').press('Enter');
      }
      await dialog.getByRole('radio', { name: /dns-01/ }).check();
      await chooseOption(page, dialog, 'DNS account', /Test BIND/);
      await dialog.getByLabel('Keystore password', { exact: false }).first().fill(PASSWORD);
      await dialog.getByLabel('Confirm password').fill(PASSWORD);
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      const win = page.getByTestId('request-window');
      await win.waitFor({ timeout: 30_000 });
      const [created] = await call('requests:list', {});
      assert.ok(created);
      assert.equal(created.dnsAccountId, account.id);
      const cards = win.getByTestId('challenge-card');
      assert.equal(await cards.count(), 2);
      for (const t of await win.getByTestId('challenge-automation').allInnerTexts()) assert.equal(t, 'dns-01 · Test BIND');
      await win.getByTestId('challenge-automated').waitFor();
      assert.equal((await win.getByTestId('name-state').allInnerTexts()).join('|'), 'Ready for Verify|Ready for Verify');

      // Every per-name progress line the window shows, as it changes (the check may take well under a second).
      // (A script string: this file is type-checked for Node, without the DOM's types.)
      await page.evaluate(`(() => {
        const seen = [];
        window.__progress = seen;
        new MutationObserver(() => {
          for (const el of document.querySelectorAll('[data-testid="name-progress"]')) {
            const t = el.textContent || '';
            if (t && seen[seen.length - 1] !== t) seen.push(t);
          }
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
      })()`);
      secondary.hold = true;
      await win.getByRole('button', { name: 'Verify', exact: true }).click();
      // The secondary lags: each card says how many name servers see the record while Certdesk waits.
      await win.getByTestId('name-progress').filter({ hasText: '1 of 2 name servers see the record' }).first().waitFor({ timeout: 30_000 });
      await shot(page, 'dns-06-challenge-propagation');

      // Cancel while Certdesk waits: the verification stops and the records it added are removed.
      await win.getByRole('button', { name: 'Cancel verification' }).click();
      secondary.hold = false;
      await win.getByText('Verification cancelled.', { exact: false }).waitFor({ timeout: 20_000 });
      assert.equal((await call('requests:get', { id: created.id })).status !== 'available', true);
      for (let i = 0; i < 50 && (await digTxt(BIND, `_acme-challenge.${ZONE}`)).length > 0; i++) await page.waitForTimeout(200);
      assert.deepEqual(await digTxt(BIND, `_acme-challenge.${ZONE}`), [], 'a cancelled verification leaves no TXT record');
      await shot(page, 'dns-06b-cancelled');

      // Verify again, to the end.
      await win.getByRole('button', { name: 'Verify', exact: true }).click();
      await page.locator('[data-testid="request-window"][data-mode="result"]').waitFor({ timeout: 120_000 });
      const shownProgress = (await page.evaluate('window.__progress')) as string[];
      assert.ok(secondary.hidden > 0, 'the secondary was asked while it lagged');
      assert.ok(
        shownProgress.includes('1 of 2 name servers see the record') && shownProgress.includes('2 of 2 name servers see the record'),
        `the window showed the propagation per name (saw: ${JSON.stringify(shownProgress)}; events: ${JSON.stringify(progressMessages)})`,
      );
      const issued = await call('requests:get', { id: created.id });
      assert.equal(issued.status, 'available');
      assert.deepEqual([...(issued.certificate?.names ?? [])].sort(), [ZONE, `*.${ZONE}`].sort());
      assert.match(await win.getByTestId('result-details').innerText(), new RegExp(`\\*\\.${ZONE.replace('.', '\\.')}`));
      await shot(page, 'dns-07-result');
      // Clean-up removed exactly what was presented.
      assert.deepEqual(await digTxt(BIND, `_acme-challenge.${ZONE}`), [], 'no TXT record left behind');
      await win.getByRole('button', { name: 'Close', exact: true }).click();
      await win.waitFor({ state: 'detached' });
      assert.match(await page.getByTestId('request-row').first().innerText(), /dns-01 · Test BIND[\s\S]*Available/);
    }));

  it('says why a DNS account fails, refuses to delete one a pending request uses (naming it), and Assign DNS frees it', () =>
    withPage('dns-conflict', async (page) => {
      let manage = await openManage(page, 'DNS');
      await addRfc2136(page, manage, 'Wrong key', WRONG_SECRET);
      const test = page.getByRole('dialog', { name: /^Test connection/ });
      await test.waitFor();
      await test.getByLabel('Domain to look for').fill(ZONE);
      await test.getByRole('button', { name: 'Test', exact: true }).click();
      const message = test.getByTestId('error-message');
      await message.waitFor({ timeout: 30_000 });
      assert.match(await message.innerText(), /^RFC 2136: /, 'the provider says who refused');
      assert.match(await message.innerText(), /TSIG|key|BADSIG|BADKEY|refused/i);
      assert.equal((await test.innerText()).includes(WRONG_SECRET), false);
      await shot(page, 'dns-08-test-failed');
      await test.getByRole('button', { name: 'Close', exact: true }).click();
      await test.waitFor({ state: 'detached' });
      const wrong = (await call('dns:list', {})).find((a) => a.name === 'Wrong key');
      assert.ok(wrong);
      await page.getByRole('dialog', { name: 'Manage' }).getByRole('button', { name: 'Close' }).first().click();
      await manage.waitFor({ state: 'detached' });

      // A pending request that uses it (raised through the API: the request dialog is covered above).
      const pending = await call('requests:create', {
        domains: [`pending.${ZONE}`],
        challengeType: 'dns-01',
        key: 'ec-p256',
        keystoreType: 'pem',
        dnsAccountId: wrong.id,
      });
      manage = await openManage(page, 'DNS');
      const row = manage.getByTestId('dns-account-row').filter({ hasText: 'Wrong key' });
      await row.getByTestId('dns-used-by').filter({ hasText: `pending.${ZONE}` }).waitFor();
      await row.getByRole('button', { name: 'Delete Wrong key' }).click();
      const del = page.getByRole('dialog', { name: /^Delete DNS account/ });
      await del.getByRole('button', { name: 'Delete', exact: true }).click();
      await del.getByTestId('error-message').waitFor();
      assert.match(await del.getByTestId('error-message').innerText(), new RegExp(`pending\\.${ZONE.replace('.', '\\.')}`), 'the refusal names the request');
      await shot(page, 'dns-09-delete-refused');
      await del.getByRole('button', { name: 'Cancel' }).click();
      await del.waitFor({ state: 'detached' });

      // Disable: the request dialog lists it greyed, saying why.
      await row.getByRole('button', { name: 'Disable Wrong key' }).click();
      await row.getByTestId('dns-status').filter({ hasText: 'Disabled' }).waitFor();
      await page.getByRole('alert').filter({ hasText: 'is disabled' }).waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
      await shot(page, 'dns-09b-tab-two-accounts');
      await page.getByRole('dialog', { name: 'Manage' }).getByRole('button', { name: 'Close' }).first().click();
      await manage.waitFor({ state: 'detached' });

      // Assign DNS → Manual for the pending request; then the account can go.
      const reqRow = page.getByTestId('request-row').filter({ hasText: `pending.${ZONE}` });
      await reqRow.getByRole('gridcell').first().click();
      await page.getByRole('button', { name: 'More' }).click();
      await page.getByRole('menuitem', { name: /Assign DNS/ }).click();
      const assign = page.getByRole('dialog', { name: /^Assign DNS/ });
      await assign.waitFor();
      await assign.getByRole('combobox', { name: 'DNS account' }).click();
      const greyed = page.getByRole('listbox').getByRole('option', { name: /Wrong key/ });
      assert.equal(await greyed.getAttribute('aria-disabled'), 'true');
      assert.match(await greyed.innerText(), /disabled: enable it in Manage → DNS/);
      await shot(page, 'dns-10-assign-dns');
      await page.getByRole('listbox').getByRole('option', { name: /Manual/ }).click();
      await page.getByRole('listbox').waitFor({ state: 'detached' });
      await assign.getByRole('button', { name: 'Assign', exact: true }).click();
      await assign.waitFor({ state: 'detached' });
      assert.equal((await call('requests:get', { id: pending.id })).dnsAccountId, null);
      await reqRow.filter({ hasText: 'dns-01 · manual' }).waitFor();

      manage = await openManage(page, 'DNS');
      await manage.getByTestId('dns-account-row').filter({ hasText: 'Wrong key' }).getByRole('button', { name: 'Delete Wrong key' }).click();
      const del2 = page.getByRole('dialog', { name: /^Delete DNS account/ });
      await del2.getByRole('button', { name: 'Delete', exact: true }).click();
      await del2.waitFor({ state: 'detached' });
      await manage.getByTestId('dns-account-row').filter({ hasText: 'Wrong key' }).waitFor({ state: 'detached' });
      assert.equal((await call('dns:list', {})).some((a) => a.name === 'Wrong key'), false);
    }));

  it('keeps DNS mappings per domain in Manage → Deploy, with the RFC 2136 per-domain fields, and shows them from a request row', () =>
    withPage('dns-mappings', async (page) => {
      const manage = await openManage(page, 'Deploy');
      await manage.getByTestId('no-dns-mappings').waitFor();
      await manage.getByRole('button', { name: 'Add DNS mapping' }).click();
      const dialog = page.getByRole('dialog', { name: 'New DNS mapping' });
      await dialog.waitFor();
      await dialog.getByLabel('Domain', { exact: false }).first().fill(`pending.${ZONE}`);
      await chooseOption(page, dialog, 'DNS account', /Test BIND/);
      // RFC 2136's domainFields: Zone (required), its own key name and secret (optional).
      await dialog.getByRole('button', { name: 'Save mapping' }).click();
      await dialog.getByText('Zone is required.').waitFor();
      await dialog.getByLabel('Zone', { exact: false }).fill(ZONE);
      assert.equal(await dialog.getByLabel('TSIG key secret', { exact: false }).getAttribute('type'), 'password');
      await dialog.getByLabel('TSIG key name', { exact: false }).fill(TSIG_NAME);
      await dialog.getByLabel('TSIG key secret', { exact: false }).fill(TSIG_SECRET);
      await shot(page, 'dns-11-mapping-form');
      await dialog.getByRole('button', { name: 'Save mapping' }).click();
      await dialog.waitFor({ state: 'detached' });
      const mRow = manage.getByTestId('dns-mapping-row').filter({ hasText: `pending.${ZONE}` });
      await mRow.waitFor();
      assert.match(await mRow.innerText(), new RegExp(`Test BIND[\\s\\S]*${ZONE.replace('.', '\\.')}`));
      const [mapping] = await call('dns:mappings', {});
      assert.equal(mapping?.zone, ZONE);
      assert.deepEqual(mapping?.secrets, { keySecret: true });
      for (const f of filesUnder(e2e.dataDir)) assert.equal(readFileSync(f, 'latin1').includes(TSIG_SECRET), false, `${f} holds the TSIG secret`);
      await shot(page, 'dns-12-deploy-mappings');
      await page.getByRole('dialog', { name: 'Manage' }).getByRole('button', { name: 'Close' }).first().click();
      await manage.waitFor({ state: 'detached' });

      // The mapping icon of the request row opens the mappings of its domains.
      const reqRow = page.getByTestId('request-row').filter({ hasText: `pending.${ZONE}` });
      await reqRow.getByTestId('request-mapping').click();
      const mappings = page.getByRole('dialog', { name: /^Mappings/ });
      await mappings.waitFor();
      assert.match(await mappings.getByTestId('dns-mapping-row').innerText(), /Test BIND/);
      await mappings.getByRole('button', { name: `Remove the DNS mapping of pending.${ZONE}` }).click();
      const remove = page.getByRole('dialog', { name: /^Remove the DNS mapping/ });
      await remove.getByRole('button', { name: 'Remove', exact: true }).click();
      await remove.waitFor({ state: 'detached' });
      await mappings.getByTestId('dns-mapping-row').filter({ hasText: 'No mapping' }).waitFor();
      assert.deepEqual(await call('dns:mappings', {}), []);
    }));
});
