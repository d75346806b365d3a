// Automatic http-01 through an end server (issue 8): Certdesk places the challenge files over SFTP into the
// webroot nginx serves, Pebble (dialling nginx) validates them, the files are gone afterwards; a server mapping
// wins over DNS for a dns-01 request; failures and cancels clean up too; after issuance (and after a renewal)
// the certificate is deployed and nginx serves it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EventName, EventPayload } from '../../shared/ipc/events.ts';
import { startApp, type TestApp } from '../helpers/app.ts';
import { bedEnv, bedGate, failWithoutBed, tempDir } from '../helpers/bed.ts';
import { startExtraPebble, type ExtraPebble } from '../helpers/pebble-extra.ts';
import { servedSerial } from '../helpers/tls.ts';

const gate = bedGate(['SSHD_PORT', 'SSHD_CLIENT_KEY', 'SSHD_HOST_KEY_SHA256', 'NGINX_HTTP_PORT', 'NGINX_HTTPS_PORT', 'NGINX_WEBROOT', 'NGINX_TLS_DIR', 'NGINX_RELOAD']);

let seq = 0;
const uniq = () => `${Date.now().toString(36)}${(seq++).toString(36)}`;
const challengeDir = (webroot: string) => join(webroot, '.well-known', 'acme-challenge');
const tokenFiles = (webroot: string) => (existsSync(challengeDir(webroot)) ? readdirSync(challengeDir(webroot)).filter((f) => !f.startsWith('.')) : []);

describe('automatic http-01 through an end server, validated by Pebble dialling nginx', { skip: gate.skip }, () => {
  failWithoutBed(gate);
  let t: TestApp;
  let ca: ExtraPebble;
  let serverId: string;
  let webroot: string;
  const progress: EventPayload<'ops:progress'>[] = [];
  const savedEnv = process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS;

  before(async () => {
    webroot = bedEnv('NGINX_WEBROOT');
    // The names of the test do not resolve to nginx: the pre-flight check connects to nginx's port directly.
    process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS = `127.0.0.1:${bedEnv('NGINX_HTTP_PORT')}`;
    ca = await startExtraPebble({ name: 'pebble-nginx', httpPort: Number(bedEnv('NGINX_HTTP_PORT')) });
    t = await startApp();
    t.app.events.on(<E extends EventName>(event: E, payload: EventPayload<E>) => {
      if (event === 'ops:progress') progress.push(payload as EventPayload<'ops:progress'>);
    });
    await t.call('accounts:register', { name: 'Servers', email: 'servers@example.test', directory: ca.directoryUrl, caFile: ca.caFile, agreeTos: true });
    const server = await t.call('servers:add', {
      name: 'web1',
      host: '127.0.0.1',
      port: Number(bedEnv('SSHD_PORT')),
      user: bedEnv('SSHD_USER'),
      privateKey: readFileSync(bedEnv('SSHD_CLIENT_KEY'), 'utf8'),
      acceptHostKey: bedEnv('SSHD_HOST_KEY_SHA256'),
    });
    serverId = server.id;
    await t.call('servers:map', { serverId, domains: ['http01.example.test'], webroot });
  });
  after(async () => {
    if (savedEnv === undefined) delete process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS;
    else process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS = savedEnv;
    await t?.close();
    await ca?.stop();
  });

  it('issues a certificate whose http-01 files Certdesk placed over SFTP, with no manual step; the files are gone afterwards', async () => {
    const names = [`a-${uniq()}.http01.example.test`, `b-${uniq()}.http01.example.test`];
    const r = await t.call('requests:create', { domains: names, challengeType: 'http-01', key: 'ec-p256' });
    assert.equal(r.status, 'pending');
    for (const c of r.challenges) {
      assert.equal(c.automation, `server web1 (webroot ${webroot})`, 'the window says who answers');
      assert.deepEqual(c.answeredBy, { kind: 'ssh', name: 'web1', webroot }, 'as data: one SSH end server');
    }
    const before = tokenFiles(webroot);
    progress.length = 0;
    const v = await t.call('requests:verify', { id: r.id, opId: `op-${uniq()}` });
    assert.equal(v.status, 'available', JSON.stringify(v.error));
    assert.deepEqual([...v.certificate!.names].sort(), [...names].sort());
    // Placed on the server (the steps say so), served by nginx (the pre-flight saw it), validated by Pebble.
    for (const c of r.challenges) {
      assert.ok(progress.some((p) => p.item === c.name && p.message.includes(`${challengeDir(webroot)}/${c.token}`)), `${c.name}: the file was written`);
      assert.ok(progress.some((p) => p.item === c.name && p.message.includes('The challenge file is served')), `${c.name}: the pre-flight saw it served`);
      assert.ok(!existsSync(join(challengeDir(webroot), c.token)), `${c.name}: the file is gone afterwards`);
    }
    assert.deepEqual(tokenFiles(webroot), before, 'nothing else left in the webroot');
    const db = JSON.parse(readFileSync(join(t.dataDir, 'db.json'), 'utf8')) as { requests: { id: string; placed: unknown[] }[] };
    assert.deepEqual(db.requests.find((x) => x.id === r.id)?.placed, [], 'no placed files left in the bookkeeping');
  });

  it('a server mapping wins over DNS: a dns-01 request for a mapped name validates by http-01 through the server', async () => {
    const name = `dns-${uniq()}.http01.example.test`;
    const r = await t.call('requests:create', { domains: [name], challengeType: 'dns-01', key: 'ec-p256' });
    assert.equal(r.challenges[0]!.automation, `server web1 (webroot ${webroot})`);
    const v = await t.call('requests:verify', { id: r.id });
    assert.equal(v.status, 'available', JSON.stringify(v.error));
    assert.equal(v.challenges[0]!.type, 'http-01', 'answered by http-01');
    assert.deepEqual(tokenFiles(webroot), []);
  });

  it('a webroot nginx does not serve: the pre-flight warns with the reason, the CA fails the order, and the files are removed', async () => {
    const elsewhere = tempDir('not-served');
    mkdirSync(elsewhere, { recursive: true });
    const domain = `wrong-${uniq()}.example.test`;
    await t.call('servers:map', { serverId, domains: [domain], webroot: elsewhere });
    const r = await t.call('requests:create', { domains: [domain], challengeType: 'http-01', key: 'ec-p256' });
    progress.length = 0;
    const v = await t.call('requests:verify', { id: r.id });
    assert.equal(v.status, 'failed', 'the CA refused');
    assert.equal(v.challenges[0]!.status, 'invalid');
    const warning = progress.find((p) => p.item === domain && p.message.startsWith(`${domain}: Warning:`));
    assert.ok(warning, 'the pre-flight warned');
    assert.match(warning!.message, /answered HTTP 404|serves other content/);
    assert.equal((await t.call('requests:get', { id: r.id })).status, 'failed');
    assert.deepEqual(tokenFiles(elsewhere), [], 'the file placed in the wrong webroot was removed after the failure');
    await t.call('servers:unmap', { serverId, domains: [domain] });
  });

  it('a cancelled Verify removes the files it placed', async () => {
    const domain = `cancel-${uniq()}.http01.example.test`;
    const r = await t.call('requests:create', { domains: [domain], challengeType: 'http-01', key: 'ec-p256' });
    const opId = `op-cancel-${uniq()}`;
    let cancelled = false;
    const off = t.app.events.on(<E extends EventName>(event: E, payload: EventPayload<E>) => {
      const p = payload as EventPayload<'ops:progress'>;
      // Cancel as soon as the file is on the server, before the CA is asked.
      if (!cancelled && event === 'ops:progress' && p.opId === opId && p.message.includes('writing')) {
        cancelled = true;
        void t.call('ops:cancel', { opId });
      }
    });
    const env = await t.raw('requests:verify', { id: r.id, opId });
    off();
    assert.ok(cancelled, 'the cancel was sent');
    assert.equal(env.ok, false);
    assert.equal((env as { error: { code: string } }).error.code, 'CANCELLED');
    assert.deepEqual(tokenFiles(webroot), [], 'no challenge file left after the cancel');
    const after = await t.call('requests:get', { id: r.id });
    assert.equal(after.status, 'pending', 'nothing was submitted: Verify can be tried again');
    const v = await t.call('requests:verify', { id: r.id });
    assert.equal(v.status, 'available', JSON.stringify(v.error));
  });

  it('deploys after issuance and again after a renewal: nginx serves each new certificate', async () => {
    const domain = `deploy-${uniq()}.http01.example.test`;
    const tls = bedEnv('NGINX_TLS_DIR');
    await t.call('servers:map', {
      serverId,
      domains: [domain],
      webroot,
      deploy: {
        enabled: true,
        format: 'pem',
        fullchainPath: join(tls, 'fullchain.pem'),
        keyPath: join(tls, 'privkey.pem'),
        reload: bedEnv('NGINX_RELOAD'),
        check: `127.0.0.1:${bedEnv('NGINX_HTTPS_PORT')}`,
      },
    });
    const r = await t.call('requests:create', { domains: [domain], challengeType: 'http-01', key: 'ec-p256' });
    const v = await t.call('requests:verify', { id: r.id });
    assert.equal(v.status, 'available', JSON.stringify(v.error));
    assert.equal(v.deployments.length, 1);
    const d = v.deployments[0]!;
    assert.equal(d.status, 'deployed', d.reason ?? '');
    assert.equal(d.trigger, 'issued');
    assert.equal(d.servedSerial, v.certificate!.serial);
    assert.equal(await servedSerial(`127.0.0.1:${bedEnv('NGINX_HTTPS_PORT')}`, domain), v.certificate!.serial, 'nginx serves it');

    await t.call('requests:renew', { id: r.id });
    const renewed = await t.call('requests:verify', { id: r.id });
    assert.equal(renewed.status, 'renewed', JSON.stringify(renewed.error));
    assert.notEqual(renewed.certificate!.serial, v.certificate!.serial);
    const d2 = renewed.deployments[0]!;
    assert.equal(d2.status, 'deployed', d2.reason ?? '');
    assert.equal(d2.trigger, 'renewed');
    assert.equal(await servedSerial(`127.0.0.1:${bedEnv('NGINX_HTTPS_PORT')}`, domain), renewed.certificate!.serial, 'nginx serves the renewed one');
    assert.deepEqual(tokenFiles(webroot), []);
    await t.call('servers:unmap', { serverId, domains: [domain] });
  });

  it('killed right after placing a file: the next start of the app removes it, and Verify then issues', async () => {
    const dataDir = tempDir('http01-crash');
    const setup = await startApp({ dataDir });
    await setup.call('accounts:register', { name: 'Crash', email: 'crash@example.test', directory: ca.directoryUrl, caFile: ca.caFile, agreeTos: true });
    const server = await setup.call('servers:add', {
      name: 'web1',
      host: '127.0.0.1',
      port: Number(bedEnv('SSHD_PORT')),
      user: bedEnv('SSHD_USER'),
      privateKey: readFileSync(bedEnv('SSHD_CLIENT_KEY'), 'utf8'),
      acceptHostKey: bedEnv('SSHD_HOST_KEY_SHA256'),
    });
    await setup.call('servers:map', { serverId: server.id, domains: ['crash.http01.example.test'], webroot });
    const r = await setup.call('requests:create', { domains: [`k-${uniq()}.crash.http01.example.test`], challengeType: 'http-01', key: 'ec-p256' });
    await setup.close();
    const file = join(challengeDir(webroot), r.challenges[0]!.token);

    // The CLI holds at the "placed" checkpoint (the file is on the server, the CA not asked yet) and is killed.
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [join(process.cwd(), 'out/cli/certdesk.cjs'), '--data-dir', dataDir, '--json', 'request', 'verify', r.id], {
        env: { ...process.env, CERTDESK_TEST_HOLD: 'placed' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('certdesk-checkpoint: placed')) child.kill('SIGKILL');
      });
      child.on('exit', (_c, signal) => {
        clearTimeout(timer);
        if (signal === 'SIGKILL' && err.includes('certdesk-checkpoint: placed')) resolve();
        else reject(new Error(`the CLI did not reach the checkpoint: ${err}`));
      });
    });
    assert.ok(existsSync(file), 'the killed run left its file on the server');

    // A long-running face cleans up what a killed process left, at start.
    const again = await startApp({ dataDir, face: 'bridge' });
    try {
      const deadline = Date.now() + 30_000;
      while (existsSync(file) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
      assert.ok(!existsSync(file), 'removed at the next start');
      const v = await again.call('requests:verify', { id: r.id });
      assert.equal(v.status, 'available', JSON.stringify(v.error));
      assert.deepEqual(tokenFiles(webroot), []);
    } finally {
      await again.close();
    }
  });
});
