// End to end: Certdesk agents in the UI (issue 10), the built renderer in Chromium through the loopback bridge, backed
// by the real services and a real agent process (the built bundle out/agent/certdesk-agent.cjs on loopback, with a
// challenge port so it can answer http-01 itself). The administrator opens Manage → Windows agents, pairs the agent
// (URL → the certificate it offers, which must be the fingerprint the agent printed → name and pairing code; a
// wrong code is refused under the code field), sees it in the table with the OS and version it reported, tests it,
// maps a domain to it from the mapping dialog (agent chosen in the grouped target list, "the agent answers http-01
// itself"), and unpairs it: the mapping goes with it and the agent, told so, prints a new pairing code.
// Download 64-bit asks agents:package for the zip; in the bridge it lands in the export folder.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { AGENT_BUNDLE, startAgentProcess, type AgentProcess } from '../helpers/agent-process.ts';
import { bedGate, failWithoutBed } from '../helpers/bed.ts';
import { E2ESession, shot as takeShot, openRequestForm } from '../helpers/e2e.ts';
import { startExtraPebble, type ExtraPebble } from '../helpers/pebble-extra.ts';

const gate = bedGate(['DBUS_SESSION_BUS_ADDRESS', 'BED_WORK_DIR', 'CHALLTESTSRV_DNS_PORT']);
const shot = (page: Page, name: string, height?: number) => takeShot(page, name, { settleMs: 450, ...(height ? { height } : {}) });

describe('e2e: Windows agents tab — pair, test, map, unpair a real agent; downloads (bridge + keyring + agent process)', { skip: gate.skip }, () => {
  failWithoutBed(gate);
  const e2e = new E2ESession('certdesk-e2e-agents-');
  const call = e2e.call.bind(e2e);
  let agent: AgentProcess | undefined;
  let ca: ExtraPebble | undefined;
  let stateDir = '';
  const domain = `agent-${Date.now().toString(36)}.example.test`;
  const savedPreflight = process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS;

  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'certdesk-e2e-agent-state-'));
    agent = await startAgentProcess({ stateDir, challengePort: 0 });
    assert.ok(agent.challengePort, 'the agent listens for http-01 itself');
    // A CA of this suite's own that dials the agent's challenge port for http-01; the test's names do not resolve
    // to it, so the pre-flight GET goes there directly too.
    process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS = `127.0.0.1:${agent.challengePort}`;
    ca = await startExtraPebble({ name: 'pebble-e2e-agents', httpPort: agent.challengePort });
    await e2e.start({
      beforeBrowser: async () => {
        await call('accounts:register', { name: 'Agents e2e', email: 'agents@example.test', directory: ca!.directoryUrl, caPem: readFileSync(ca!.caFile, 'utf8'), agreeTos: true });
      },
    });
  });
  after(async () => {
    await e2e.close(async () => {
      await agent?.stop();
    });
    await ca?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    if (savedPreflight === undefined) delete process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS;
    else process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS = savedPreflight;
  });

  async function openAgentsTab(page: Page): Promise<Locator> {
    await page.getByRole('toolbar', { name: 'Certificate request actions' }).getByRole('button', { name: 'Manage' }).click();
    const manage = page.getByRole('dialog', { name: 'Manage' });
    await manage.waitFor();
    await manage.getByRole('tab', { name: 'Windows agents' }).click();
    await manage.getByTestId('agents-tab').waitFor();
    return manage;
  }

  /** The helper text under a text field, found through its aria-describedby. */
  async function helperOf(field: Locator): Promise<string> {
    const id = await field.getAttribute('aria-describedby');
    assert.ok(id, 'the field has a helper text');
    return field.page().locator(`[id="${id}"]`).innerText();
  }

  it('pairs the agent (fingerprint accepted, wrong code refused under its field), shows its report, tests, maps a domain, unpairs', () =>
    e2e.withPage('agents-flow', async (page) => {
      const printed = agent!.pairing();
      assert.ok(printed, `the agent printed its pairing lines: ${agent!.stdout()}`);
      const said = execFileSync(process.execPath, [AGENT_BUNDLE, '--version'], { encoding: 'utf8' }).trim();
      const version = /(\d+\.\d+\.\d+\S*)/.exec(said)?.[1];
      assert.ok(version, `the agent says its version: ${said}`);

      const manage = await openAgentsTab(page);
      await manage.getByTestId('no-agents').waitFor();
      await manage.getByTestId('agent-install-steps').getByText('AgentInstaller.exe start', { exact: true }).waitFor();
      await manage.getByText('AgentInstaller.exe stop', { exact: true }).waitFor();

      // Pair: URL → the certificate the agent offers, which is the one it printed.
      await manage.getByTestId('pair-agent').click();
      const urlStep = page.getByRole('dialog', { name: 'Pair an agent' });
      await urlStep.waitFor();
      // Next without a URL: the field says what is missing, nothing is sent.
      await urlStep.getByTestId('pair-submit').click();
      assert.match(await helperOf(urlStep.getByTestId('agent-url')), /^URL is required/);
      await urlStep.getByTestId('agent-url').fill(`https://127.0.0.1:${agent!.port}`);
      await urlStep.getByTestId('pair-submit').click();

      const certStep = page.getByRole('dialog', { name: 'Accept this certificate?' });
      await certStep.getByTestId('agent-cert').waitFor({ timeout: 20_000 });
      assert.equal(await certStep.getByTestId('agent-cert-offered').innerText(), printed.fingerprint, 'the fingerprint shown is the one the agent printed');
      assert.equal(await certStep.getByTestId('agent-already-paired').count(), 0, 'a fresh agent is not paired yet');
      await shot(page, 'agents-pair-certificate');
      await certStep.getByRole('button', { name: 'Accept' }).click();

      const codeStep = page.getByRole('dialog', { name: 'Pair with the code' });
      await codeStep.waitFor();
      assert.equal(await codeStep.getByTestId('agent-name').inputValue(), '127.0.0.1', 'a name is suggested from the host');
      await codeStep.getByTestId('agent-name').fill('iis1');
      // A wrong code: the agent refuses it, the message is under the code field and nothing is stored.
      const wrong = printed.code.replace(/[A-Z]/, (c) => (c === 'A' ? 'B' : 'A'));
      await codeStep.getByTestId('agent-code').fill(wrong);
      await codeStep.getByTestId('pair-submit').click();
      await codeStep.getByTestId('agent-code').and(page.locator('[aria-invalid="true"]')).waitFor({ timeout: 30_000 });
      const codeHelp = await helperOf(codeStep.getByTestId('agent-code'));
      assert.match(codeHelp, /code/i, `the refusal is about the code: ${codeHelp}`);
      assert.equal(await codeStep.getByRole('alert').count(), 0, 'no separate alert: the error sits under the code field');
      assert.deepEqual(await call('agents:list', {}), [], 'a refused pairing stores nothing');
      await shot(page, 'agents-pair-wrong-code');

      // The right code pairs.
      await codeStep.getByTestId('agent-code').fill(agent!.pairing()!.code);
      await codeStep.getByTestId('pair-submit').click();
      await codeStep.waitFor({ state: 'detached', timeout: 30_000 });

      const row = manage.getByTestId('agent-row').filter({ hasText: 'iis1' });
      await row.waitFor();
      const [paired] = await call('agents:list', {});
      assert.ok(paired, 'the agent is stored');
      assert.equal(paired.fingerprint, printed.fingerprint, 'the accepted certificate is pinned');
      assert.equal(paired.secretStored, true, 'its secret is in the keychain');
      assert.equal(await row.getByTestId('agent-url-cell').innerText(), `https://127.0.0.1:${agent!.port}`);
      assert.equal(await row.getByTestId('agent-os').innerText(), `${paired.report.osVersion} · ${paired.report.arch}`);
      assert.match(paired.report.osVersion, process.platform === 'linux' ? /^Linux / : /\S/, 'the OS the agent reported');
      assert.equal(await row.getByTestId('agent-version').innerText(), `Agent ${version} · ${paired.report.hostname}`);
      assert.ok(paired.report.capabilities.includes('self-serve'), 'started with a challenge port, the agent answers http-01 itself');
      const chips = await row.getByTestId('agent-capability').evaluateAll((els) => els.map((e) => e.getAttribute('data-capability')));
      assert.deepEqual(chips, paired.report.capabilities, 'every capability has its chip');

      // Test: each check is shown, the state turns Online.
      await row.getByRole('button', { name: 'Test iis1' }).click();
      const test = page.getByRole('dialog', { name: /^Test agent/ });
      await test.getByTestId('agent-test-result').waitFor({ timeout: 30_000 });
      assert.equal(await test.getByTestId('agent-test-result').getAttribute('data-ok'), 'true', await test.innerText());
      await test.getByRole('button', { name: 'Close' }).click();
      await row.getByTestId('agent-state').filter({ hasText: 'Online' }).waitFor();
      assert.match(await row.getByTestId('agent-last-seen').innerText(), /^Seen /);
      await shot(page, 'agents-tab');

      // Map a domain from Manage → Deploy: the agent is in the target list, under "Certdesk agents".
      await manage.getByRole('tab', { name: 'Deploy' }).click();
      await manage.getByTestId('deploy-tab').waitFor();
      await manage.getByTestId('add-mapping').click();
      const editor = page.getByRole('dialog', { name: 'Map domains to an end server' });
      await editor.waitFor();
      await editor.getByRole('combobox', { name: 'End server' }).click();
      const listbox = page.getByRole('listbox');
      await listbox.getByText('Certdesk agents').waitFor();
      await listbox.getByRole('option', { name: /^iis1 · agent 127\.0\.0\.1:/ }).click();
      await editor.getByTestId('mapping-domains').fill(domain);
      // A directory must be a Windows path on a Windows agent, a POSIX one elsewhere: the form says which.
      await editor.getByTestId('mapping-webroot').fill('relative/dir');
      await editor.getByTestId('mapping-save').click();
      assert.match(await helperOf(editor.getByTestId('mapping-webroot')), /absolute/);
      await editor.getByText('The agent answers http-01 itself').click();
      await editor.getByTestId('mapping-webroot-self-help').waitFor();
      await shot(page, 'agents-mapping', 900);
      await editor.getByTestId('mapping-save').click();
      await editor.waitFor({ state: 'detached' });
      const mappingRow = manage.getByTestId('server-mapping-row').filter({ hasText: domain });
      await mappingRow.waitFor();
      assert.match(await mappingRow.innerText(), /iis1/);
      assert.equal(await mappingRow.getByTestId('mapping-webroot-summary').innerText(), 'The agent answers itself');
      const mappings = await call('servers:mappings', {});
      assert.deepEqual(
        mappings.map((m) => ({ serverId: m.serverId, domain: m.domain, webroot: m.webroot })),
        [{ serverId: paired.id, domain, webroot: 'agent:self' }],
      );

      // Back on the agents tab, its row lists the domain; Unpair says the mapping goes too.
      await manage.getByRole('tab', { name: 'Windows agents' }).click();
      await row.getByTestId('agent-domains').filter({ hasText: domain }).waitFor();
      await row.getByRole('button', { name: 'Unpair iis1' }).click();
      const confirm = page.getByRole('dialog', { name: 'Unpair iis1?' });
      await confirm.waitFor();
      const text = await confirm.getByTestId('unpair-text').innerText();
      assert.match(text, /mapping/);
      assert.ok(text.includes(domain), `the confirmation names the mapped domain: ${text}`);
      await confirm.getByRole('button', { name: 'Unpair agent' }).click();
      await confirm.waitFor({ state: 'detached', timeout: 30_000 });
      await manage.getByTestId('no-agents').waitFor();
      assert.deepEqual(await call('agents:list', {}), []);
      assert.deepEqual(await call('servers:mappings', {}), [], 'its mapping went with it');
      // The agent was told: it forgot the pairing and printed a new code to pair again.
      await agent!.waitFor(new RegExp(`^Pairing code: (?!${printed.code}$)\\S+$`, 'm'), 10_000);
      assert.notEqual(agent!.pairing()!.code, printed.code, 'a new pairing code');
      assert.deepEqual(e2e.pageErrors, []);
    }));

  it('maps a request’s domain to the agent from its row and issues by http-01: the agent answers the challenge, nothing by hand', () =>
    e2e.withPage('agents-issue', async (page) => {
      // Paired through the services (the window's pairing is the first test); the agent printed a fresh code.
      const lines = agent!.pairing()!;
      const paired = await call('agents:pair', { name: 'iis2', url: `https://127.0.0.1:${agent!.port}`, code: lines.code, acceptCert: lines.fingerprint, opId: 'e2e-pair-iis2' });
      const name = `issue-${Date.now().toString(36)}.example.test`;
      try {
        // Raise the request: nothing answers it yet, so the window says manual.
        const req = await openRequestForm(page);
        await req.getByTestId('domain-input').fill(name);
        await req.getByTestId('domain-input').press('Enter');
        await req.getByLabel('Keystore password', { exact: false }).first().fill('keystore-pass-1');
        await req.getByLabel('Confirm password').fill('keystore-pass-1');
        await req.getByRole('button', { name: 'Create', exact: true }).click();
        let win = page.getByTestId('request-window');
        await win.waitFor({ timeout: 30_000 });
        await win.getByTestId('challenge-automation').filter({ hasText: 'manual' }).waitFor();
        await win.getByRole('button', { name: 'Close', exact: true }).last().click();
        await win.waitFor({ state: 'detached' });

        // The mapping icon of its row: the agent is a target; it answers http-01 itself.
        const row = page.getByTestId('request-row').filter({ hasText: name });
        await row.getByTestId('request-mapping').click();
        const editor = page.getByRole('dialog', { name: 'Map domains to an end server' });
        await editor.waitFor();
        assert.equal(await editor.getByTestId('mapping-domains').inputValue(), name, 'the request’s names are prefilled');
        await editor.getByRole('combobox', { name: 'End server' }).click();
        await page.getByRole('listbox').getByRole('option', { name: /^iis2 · agent / }).click();
        await editor.getByText('The agent answers http-01 itself').click();
        await editor.getByTestId('mapping-save').click();
        await editor.waitFor({ state: 'detached' });

        // The window now says the agent answers, and Verify needs nothing by hand.
        await row.getByTestId('request-status').filter({ hasText: 'Pending' }).click();
        win = page.getByTestId('request-window');
        await win.getByTestId('challenge-automated').waitFor();
        assert.match(await win.getByTestId('challenge-automated').innerText(), /Certdesk agent/);
        assert.equal(await win.getByTestId('challenge-automation').first().innerText(), 'http-01 · agent iis2 (answers itself)');
        // The footer does not ask to publish anything by hand either.
        const footer = await win.getByText(/^(Nothing to publish by hand|Publish every value)/).innerText();
        assert.match(footer, /^Nothing to publish by hand: Verify places every value/);
        const token = (await call('requests:list', {})).find((r) => r.names.includes(name))!.challenges[0]!.token;
        await shot(page, 'agents-challenge');
        await win.getByRole('button', { name: 'Verify', exact: true }).click();
        await page.locator('[data-testid="request-window"][data-mode="result"]').waitFor({ timeout: 90_000 });
        const issued = (await call('requests:list', {})).find((r) => r.names.includes(name))!;
        assert.equal(issued.status, 'available', JSON.stringify(issued.error));
        assert.ok(issued.certificate?.serial, 'a certificate was issued');
        // Cleaned up: the agent no longer answers the token.
        const res = await fetch(`http://127.0.0.1:${agent!.challengePort}/.well-known/acme-challenge/${token}`);
        assert.equal(res.status, 404, 'the challenge is withdrawn once validated');
        const [seen] = await call('agents:list', {});
        assert.ok(seen?.lastSeen, 'the agent was seen');
        assert.deepEqual(e2e.pageErrors, []);
      } finally {
        await call('agents:delete', { id: paired.id, confirm: true });
      }
    }));

  it('an agent already paired is explained; another certificate at a pinned URL is shown in red and refused; a failed test turns the state Offline', () =>
    e2e.withPage('agents-mismatch', async (page) => {
      const dirs = [mkdtempSync(join(tmpdir(), 'certdesk-e2e-agent-b-')), mkdtempSync(join(tmpdir(), 'certdesk-e2e-agent-c-'))];
      let first: AgentProcess | undefined;
      let second: AgentProcess | undefined;
      try {
        // Paired through the services (the window's pairing is the test above).
        first = await startAgentProcess({ stateDir: dirs[0]! });
        const url = `https://127.0.0.1:${first.port}`;
        const lines = first.pairing()!;
        const old = await call('agents:pair', { name: 'web-old', url, code: lines.code, acceptCert: lines.fingerprint, opId: 'e2e-pair-old' });

        const manage = await openAgentsTab(page);
        const row = manage.getByTestId('agent-row').filter({ hasText: 'web-old' });
        await row.waitFor();
        const openProbe = async (): Promise<Locator> => {
          await manage.getByTestId('pair-agent').click();
          const dialog = page.getByRole('dialog', { name: 'Pair an agent' });
          await dialog.getByTestId('agent-url').fill(url);
          await dialog.getByTestId('pair-submit').click();
          const cert = page.getByRole('dialog', { name: 'Accept this certificate?' });
          await cert.waitFor({ timeout: 20_000 });
          return cert;
        };

        // The same agent again: its certificate matches the pin, and it says it is paired already.
        let cert = await openProbe();
        await cert.getByTestId('agent-cert').waitFor();
        assert.match(await cert.getByTestId('agent-cert').innerText(), /offers the certificate Certdesk already pinned/);
        assert.equal(await cert.getByTestId('agent-cert-offered').innerText(), lines.fingerprint);
        assert.match(await cert.getByTestId('agent-already-paired').innerText(), /certdesk-agent unpair/);
        await cert.getByRole('button', { name: 'Cancel' }).click();
        await cert.waitFor({ state: 'detached' });

        // Another agent (another identity) on the same address: the pinned and the offered fingerprints, refused.
        await first.stop();
        second = await startAgentProcess({ stateDir: dirs[1]!, port: first.port });
        const other = second.pairing()!.fingerprint;
        assert.notEqual(other, lines.fingerprint);
        cert = await openProbe();
        await cert.getByTestId('agent-cert-mismatch').waitFor();
        assert.equal(await cert.getByTestId('agent-cert-pinned').innerText(), lines.fingerprint);
        assert.equal(await cert.getByTestId('agent-cert-offered').innerText(), other);
        const colour = (id: string) => page.evaluate(`getComputedStyle(document.querySelector('[role="dialog"] [data-testid="${id}"]')).color`) as Promise<string>;
        const red = await colour('agent-cert-offered');
        const plain = await colour('agent-cert-pinned');
        assert.notEqual(red, plain, 'the offered fingerprint is shown in another (error) colour');
        assert.equal(await cert.getByTestId('pair-submit').isDisabled(), true, 'it cannot be accepted');
        assert.equal(await cert.getByTestId('pair-submit').innerText(), 'Refused');
        await shot(page, 'agents-pair-mismatch');
        await cert.getByRole('button', { name: 'Cancel' }).click();
        await cert.waitFor({ state: 'detached' });

        // Testing the pinned agent now fails: the state turns Offline and its tooltip carries the reason.
        await row.getByRole('button', { name: 'Test web-old' }).click();
        const test = page.getByRole('dialog', { name: /^Test agent/ });
        await test.getByTestId('agent-test-result').or(test.getByRole('alert')).waitFor({ timeout: 30_000 });
        const shown = await test.innerText();
        assert.match(shown, /SHA256:/, `the failure names the certificate: ${shown}`);
        await test.getByRole('button', { name: 'Close' }).click();
        const chip = row.getByTestId('agent-state');
        await chip.filter({ hasText: 'Offline' }).waitFor();
        const stored = (await call('agents:list', {})).find((a) => a.id === old.id);
        assert.equal(stored?.state, 'offline');
        assert.equal(stored?.lastTest?.ok, false);
        await chip.hover();
        await page.getByRole('tooltip').filter({ hasText: stored!.lastTest!.message.slice(0, 40) }).waitFor();
        await call('agents:delete', { id: old.id, confirm: true });
        assert.deepEqual(e2e.pageErrors, []);
      } finally {
        await first?.stop();
        await second?.stop();
        for (const d of dirs) rmSync(d, { recursive: true, force: true });
      }
    }));

  it('reading the certificate shows progress and can be cancelled (an address that accepts and never answers)', () =>
    e2e.withPage('agents-probe-cancel', async (page) => {
      const held: Socket[] = [];
      const silent = createServer((socket) => held.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const port = (silent.address() as { port: number }).port;
      try {
        const manage = await openAgentsTab(page);
        await manage.getByTestId('pair-agent').click();
        const dialog = page.getByRole('dialog', { name: 'Pair an agent' });
        await dialog.getByTestId('agent-url').fill(`https://127.0.0.1:${port}`);
        await dialog.getByTestId('pair-submit').click();
        const progress = dialog.getByRole('status', { name: 'Progress' });
        await progress.waitFor();
        assert.equal(await dialog.getByTestId('pair-submit').isDisabled(), true, 'Next waits while the certificate is read');
        await progress.getByRole('button', { name: 'Cancel' }).click();
        const alert = dialog.getByRole('alert');
        await alert.waitFor({ timeout: 20_000 });
        assert.match(await alert.innerText(), /Cancelled/);
        assert.equal(await dialog.getByTestId('agent-url').inputValue(), `https://127.0.0.1:${port}`, 'still on the URL step, the URL kept');
        assert.equal(await dialog.getByTestId('pair-submit').isDisabled(), false);
        assert.deepEqual(await call('agents:list', {}), []);
        assert.deepEqual(e2e.pageErrors, []);
      } finally {
        for (const s of held) s.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }
    }));

  it('Download 64-bit writes the agent zip (the bridge’s export folder stands in for the save dialog) and says where', () =>
    e2e.withPage('agents-download', async (page) => {
      const manage = await openAgentsTab(page);
      await manage.getByTestId('agent-download-x64').click();
      // A prebuilt zip (out/agent/dist) is copied; without one the packager runs (fetching the pinned Node and WinSW once).
      const outcome = manage.getByTestId('agent-download-saved').or(manage.getByTestId('agent-download-error'));
      await outcome.waitFor({ timeout: 600_000 });
      assert.equal(await manage.getByTestId('agent-download-error').count(), 0, await outcome.innerText());
      const path = await manage.getByTestId('agent-download-path').innerText();
      assert.equal(path, join(e2e.exportDir, 'certdesk-agent-windows-x64.zip'), 'saved where the (headless) save dialog said');
      const zip = readFileSync(path);
      assert.equal(zip.subarray(0, 4).toString('latin1'), 'PK\x03\x04', 'a zip archive');
      for (const name of ['AgentInstaller.exe', 'certdesk-agent.exe', 'README.txt']) assert.ok(zip.includes(Buffer.from(name)), `the zip holds ${name}`);
      const saved = await manage.getByTestId('agent-download-saved').innerText();
      assert.match(saved, /64-bit agent \(\d+(\.\d)? (MB|KB)\)/, saved);
      await manage.getByTestId('agent-download-saved').scrollIntoViewIfNeeded();
      await shot(page, 'agents-download');
      assert.deepEqual(e2e.pageErrors, []);
    }));
});
