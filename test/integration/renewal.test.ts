// Automatic renewal against a real CA: a Pebble issuing 1-hour certificates that resolves names through the bed's
// BIND (dns-01 through an RFC 2136 DNS account) and dials nginx for http-01 (files placed over SFTP by an end
// server mapping, which also deploys to nginx). The renewal engine's clock is a fake one set forward past the due
// time; the wake-up comes from the scheduler; the renewal itself (order, challenges, issuance, save, deploy) is
// real. A manual certificate is not renewed and its plan says manual; a failing renewal backs off; `renew --due`
// and `renew --dry-run --at` run through the real CLI.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Channel, Req, Res } from '../../shared/ipc/contract.ts';
import { dispatch } from '../../shared/ipc/dispatch.ts';
import type { EventName } from '../../shared/ipc/events.ts';
import type { RenewalPlan } from '../../shared/model/renewal.ts';
import { bootstrap, type App } from '../../electron/app/bootstrap.ts';
import type { WakeDriver, WakeRule } from '../../electron/renewal/scheduler.ts';
import { bedEnv, bedGate, failWithoutBed, tempDir } from '../helpers/bed.ts';
import { FakeClock } from '../helpers/renewal-fixtures.ts';
import { servedSerial } from '../helpers/tls.ts';

const gate = bedGate(['BIND_PORT', 'BIND_ZONE', 'BIND_TSIG_NAME', 'BIND_TSIG_SECRET', 'SSHD_PORT', 'SSHD_CLIENT_KEY', 'SSHD_HOST_KEY_SHA256', 'NGINX_HTTP_PORT', 'NGINX_HTTPS_PORT', 'NGINX_WEBROOT', 'NGINX_TLS_DIR', 'NGINX_RELOAD']);
const CLI = join(process.cwd(), 'out/cli/certdesk.cjs');
const VALIDITY_S = 3600;

interface PebbleModule {
  startPebble(o: { workDir: string; dnsPort: number; name: string; validityPeriod?: number; httpPort?: number }): Promise<{ directoryUrl: string; caFile: string; stop(): Promise<void> }>;
}

let seq = 0;
const uniq = () => `${Date.now().toString(36)}${(seq++).toString(36)}`;

describe('automatic renewal against Pebble with 1-hour certificates', { skip: gate.skip }, () => {
  failWithoutBed(gate);
  let pebble: Awaited<ReturnType<PebbleModule['startPebble']>>;
  let app: App;
  let dataDir: string;
  let serverId: string;
  const clock = new FakeClock(Date.now());
  const driver: WakeDriver & { fire: ((at: Date) => void) | null; rule: WakeRule | null } = {
    fire: null,
    rule: null,
    async every(rule, fire) {
      driver.rule = rule;
      driver.fire = fire;
      return () => undefined;
    },
  };
  const events: EventName[] = [];
  const savedEnv: Record<string, string | undefined> = {};
  const env: Record<string, string> = {};
  let webroot: string;

  async function call<C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>> {
    const r = await dispatch(app.handlers, channel, req, { face: 'cli' });
    if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.code}: ${r.error.message}`), { info: r.error });
    return r.value as Res<C>;
  }
  const planOf = async (id: string): Promise<RenewalPlan> => (await call('renewal:plans', {})).find((p) => p.certificateId === id)!;

  /** Raises, verifies and saves a request; returns the saved certificate's id and request id. */
  async function issue(input: Req<'requests:create'>): Promise<{ certId: string; requestId: string; serial: string }> {
    const r = await call('requests:create', input);
    const v = await call('requests:verify', { id: r.id });
    assert.equal(v.status, 'available', JSON.stringify(v.error));
    const c = await call('certs:save', { requestId: r.id });
    return { certId: c.id, requestId: r.id, serial: c.serial };
  }

  before(async () => {
    webroot = bedEnv('NGINX_WEBROOT');
    const BIND = `127.0.0.1:${bedEnv('BIND_PORT')}`;
    // The propagation check asks BIND; the http-01 pre-flight connects to nginx directly.
    Object.assign(env, { CERTDESK_DNS_SERVERS: BIND, CERTDESK_DNS_NS_ADDRESSES: `ns1.${bedEnv('BIND_ZONE')}=${BIND}`, CERTDESK_HTTP01_PREFLIGHT_ADDRESS: `127.0.0.1:${bedEnv('NGINX_HTTP_PORT')}` });
    for (const [k, v] of Object.entries(env)) {
      savedEnv[k] = process.env[k];
      process.env[k] = v;
    }
    const mod = (await import('../bed/pebble.mjs' as string)) as PebbleModule;
    pebble = await mod.startPebble({ workDir: bedEnv('BED_WORK_DIR'), dnsPort: Number(bedEnv('BIND_PORT')), name: `pebble-renewal-${process.pid}`, validityPeriod: VALIDITY_S, httpPort: Number(bedEnv('NGINX_HTTP_PORT')) });
    dataDir = tempDir('renewal');
    // The long-running face: the scheduler runs, on the test's clock and wake-up driver.
    app = await bootstrap({ dataDir, face: 'bridge', renewal: { clock, driver } });
    app.events.on((e) => void events.push(e));
    await call('accounts:register', { name: 'Renewals', email: 'renew@example.test', directory: pebble.directoryUrl, caFile: pebble.caFile, agreeTos: true });
    await call('dns:add', {
      name: 'Office BIND',
      provider: 'rfc2136',
      fields: { server: '127.0.0.1', port: bedEnv('BIND_PORT'), keyName: bedEnv('BIND_TSIG_NAME'), algorithm: bedEnv('BIND_TSIG_ALGORITHM') },
      secrets: { keySecret: bedEnv('BIND_TSIG_SECRET') },
    });
    const server = await call('servers:add', {
      name: 'web1',
      host: '127.0.0.1',
      port: Number(bedEnv('SSHD_PORT')),
      user: bedEnv('SSHD_USER'),
      privateKey: readFileSync(bedEnv('SSHD_CLIENT_KEY'), 'utf8'),
      acceptHostKey: bedEnv('SSHD_HOST_KEY_SHA256'),
    });
    serverId = server.id;
  });
  after(async () => {
    await app?.close();
    await pebble?.stop();
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  let manualId = '';
  let failingId = '';
  let failingName = '';

  it('a saved certificate with automatic validation renews by itself after its due time: replaced (old serial in history) and deployed to nginx; a manual one is not renewed and says manual', async () => {
    const dnsAccount = (await call('dns:list', {}))[0]!;
    const dnsName = `dns-${uniq()}.${bedEnv('BIND_ZONE')}`;
    const a = await issue({ domains: [dnsName], challengeType: 'dns-01', key: 'ec-p256', keystoreType: 'pem', keyPolicy: 'new', dnsAccountId: dnsAccount.id });

    const deployName = `deploy-${uniq()}.example.test`;
    const tls = bedEnv('NGINX_TLS_DIR');
    await call('servers:map', {
      serverId,
      domains: [deployName],
      webroot,
      deploy: { enabled: true, format: 'pem', fullchainPath: join(tls, 'fullchain.pem'), keyPath: join(tls, 'privkey.pem'), reload: bedEnv('NGINX_RELOAD'), check: `127.0.0.1:${bedEnv('NGINX_HTTPS_PORT')}` },
    });
    const b = await issue({ domains: [deployName], challengeType: 'http-01', key: 'ec-p256', keystoreType: 'pem', keyPolicy: 'new' });
    assert.equal(await servedSerial(bedEnv('NGINX_HTTPS_PORT'), deployName), b.serial, 'deployed at issuance');

    // Issued through a server mapping, then the mapping goes: nobody answers its http-01 challenge any more.
    const manualName = `manual-${uniq()}.example.test`;
    await call('servers:map', { serverId, domains: [manualName], webroot });
    const m = await issue({ domains: [manualName], challengeType: 'http-01', key: 'ec-p256', keystoreType: 'pem', keyPolicy: 'new' });
    await call('servers:unmap', { serverId, domains: [manualName] });
    manualId = m.certId;

    const pa = await planOf(a.certId);
    const pb = await planOf(b.certId);
    const pm = await planOf(m.certId);
    assert.deepEqual([pa.automated, pa.automation, pa.state, pa.policy, pa.reason], [true, 'DNS account Office BIND', 'scheduled', 'ari', 'lifetime']);
    assert.deepEqual([pb.automated, pb.automation, pb.state], [true, 'server web1', 'scheduled']);
    assert.deepEqual([pm.automated, pm.state, pm.reason], [false, 'manual', 'manual']);
    // A 1-hour certificate (under 10 days) is due when half its lifetime remains.
    const ca = await call('certs:get', { id: a.certId });
    const half = (Date.parse(ca.notAfter) - Date.parse(ca.notBefore)) / 2;
    assert.equal(pa.dueAt, new Date(Date.parse(ca.notAfter) - half).toISOString());
    assert.equal(ca.renewal?.dueAt, pa.dueAt, 'certs:get carries the plan');

    // A wake-up before the due time renews nothing.
    driver.fire!(clock.now());
    await app.services.scheduler!.idle();
    assert.equal((await call('certs:get', { id: a.certId })).serial, a.serial);

    // The renewed certificates must be due later than the test clock below: their validity starts at the real time
    // of the renewal, in whole seconds, and the clock is set one second past the older ones' due times. Issuance is
    // fast enough that all of this can happen within that second, so real time first moves 2 s past b's start.
    const bStart = Date.parse((await call('certs:get', { id: b.certId })).notBefore);
    if (Date.now() < bStart + 2000) await sleep(bStart + 2000 - Date.now());
    // The clock passes both due times; the next scheduled wake-up renews them.
    clock.set(new Date(Math.max(Date.parse(pa.dueAt!), Date.parse(pb.dueAt!)) + 1000));
    const dry = await call('renewal:dry-run', {});
    assert.deepEqual(new Set(dry.due), new Set([a.certId, b.certId]), 'the manual certificate is not among those due');
    events.length = 0;
    driver.fire!(clock.now());
    await app.services.scheduler!.idle();

    for (const x of [a, b]) {
      const c = await call('certs:get', { id: x.certId });
      assert.notEqual(c.serial, x.serial, `${c.commonName}: a new certificate`);
      assert.deepEqual(c.history.map((h) => h.serial), [x.serial], `${c.commonName}: the replaced version is in history`);
      assert.equal((await call('requests:get', { id: x.requestId })).status, 'renewed');
      const p = c.renewal!;
      assert.deepEqual([p.state, p.failures, p.lastAttempt?.ok], ['scheduled', 0, true]);
      assert.match(p.lastAttempt!.message, new RegExp(`serial ${c.serial}`));
      assert.ok(Date.parse(p.dueAt!) > Date.parse(x === a ? pa.dueAt! : pb.dueAt!), 'due again later');
    }
    const renewedB = await call('certs:get', { id: b.certId });
    assert.equal(await servedSerial(bedEnv('NGINX_HTTPS_PORT'), deployName), renewedB.serial, 'nginx serves the renewed certificate');
    const deployments = (await call('requests:get', { id: b.requestId })).deployments;
    assert.deepEqual([deployments[0]?.trigger, deployments[0]?.status, deployments[0]?.serial], ['renewed', 'deployed', renewedB.serial]);
    assert.ok(events.includes('renewal:changed') && events.includes('certs:changed'), 'renewal:changed and certs:changed were emitted');

    const manual = await call('certs:get', { id: m.certId });
    assert.deepEqual([manual.serial, manual.history.length, manual.renewal?.state], [m.serial, 0, 'manual'], 'the manual certificate was not touched');

    // Out of the way for the next tests (their clock moves on).
    await call('servers:unmap', { serverId, domains: [deployName] });
    for (const x of [a, b]) await call('certs:delete', { id: x.certId, confirm: true });
  });

  it('a failing renewal backs off (1 min, then 10 min) and renews once the cause is fixed', async () => {
    failingName = `fail-${uniq()}.example.test`;
    await call('servers:map', { serverId, domains: [failingName], webroot });
    const f = await issue({ domains: [failingName], challengeType: 'http-01', key: 'ec-p256', keystoreType: 'pem', keyPolicy: 'new' });
    failingId = f.certId;
    // The mapping now names a webroot nginx does not serve: the CA will find no challenge file.
    const elsewhere = tempDir('not-served');
    mkdirSync(elsewhere, { recursive: true });
    await call('servers:map', { serverId, domains: [failingName], webroot: elsewhere });
    const p0 = await planOf(f.certId);
    clock.set(new Date(Date.parse(p0.dueAt!) + 1000));
    const t1 = clock.now().getTime();
    const r1 = (await call('renewal:run-due', {})).results;
    assert.equal(r1.length, 1);
    assert.equal(r1[0]!.ok, false);
    assert.match(r1[0]!.message, /Validation failed/);
    let p = await planOf(f.certId);
    assert.deepEqual([p.state, p.failures, p.nextAttemptAt], ['retrying', 1, new Date(t1 + 60_000).toISOString()]);
    assert.equal((await call('certs:get', { id: f.certId })).serial, f.serial, 'the saved certificate is unchanged');

    clock.advance(30_000);
    assert.deepEqual((await call('renewal:run-due', {})).results, [], 'nothing before the back-off ends');
    clock.set(new Date(t1 + 60_000));
    const r2 = (await call('renewal:run-due', {})).results;
    assert.equal(r2[0]?.ok, false);
    p = await planOf(f.certId);
    assert.deepEqual([p.failures, p.nextAttemptAt], [2, new Date(t1 + 60_000 + 600_000).toISOString()]);

    // Fixed: the next attempt after the back-off renews.
    await call('servers:map', { serverId, domains: [failingName], webroot });
    clock.set(new Date(Date.parse(p.nextAttemptAt!)));
    const r3 = (await call('renewal:run-due', {})).results;
    assert.equal(r3[0]?.ok, true, r3[0]?.message);
    const c = await call('certs:get', { id: f.certId });
    assert.deepEqual(c.history.map((h) => h.serial), [f.serial]);
    assert.deepEqual([c.renewal?.failures, c.renewal?.nextAttemptAt, c.renewal?.lastAttempt?.ok], [0, null, true]);
    // The plan follows the new version (its own half-lifetime; the test's clock runs ahead of the CA's).
    assert.equal(c.renewal?.dueAt, new Date((Date.parse(c.notBefore) + Date.parse(c.notAfter)) / 2).toISOString());
    assert.equal(r3[0]!.serial, c.serial);
  });

  it('renew --dry-run --at and renew --due through the real CLI; a failed renewal exits non-zero', async () => {
    // The CLI takes the data directory's lock: the app goes first.
    await app.close();
    const cli = (args: string[]) => {
      const r = spawnSync(process.execPath, [CLI, '--data-dir', dataDir, ...args], { encoding: 'utf8', timeout: 180_000, env: { ...process.env, ...env } });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    // 1 day before expiry of a 1-hour certificate: due at its start, i.e. now.
    const pol = cli(['cert', 'policy', failingId.slice(0, 8), 'days', '--days', '1']);
    assert.equal(pol.code, 0, pol.stderr);
    assert.match(pol.stdout, /Policy\s+days: 1 before expiry \(own\)/);
    const cert = JSON.parse(cli(['--json', 'cert', 'show', failingId]).stdout) as Res<'certs:get'>;
    assert.equal(cert.renewal?.dueAt, cert.notBefore);

    const before = new Date(Date.parse(cert.notBefore) - 3_600_000).toISOString();
    const dryBefore = cli(['--json', 'renew', '--dry-run', '--at', before]);
    assert.equal(dryBefore.code, 0, dryBefore.stderr);
    assert.deepEqual((JSON.parse(dryBefore.stdout) as Res<'renewal:dry-run'>).due, [], 'not due before its start');
    const later = new Date(Date.now() + 60_000).toISOString();
    const dry = cli(['renew', '--dry-run', '--at', later]);
    assert.equal(dry.code, 0, dry.stderr);
    const rowOf = (id: string) => dry.stdout.split('\n').find((l) => l.startsWith(id.slice(0, 8))) ?? '';
    assert.match(rowOf(failingId), /renews.*1 days before expiry/);
    assert.match(rowOf(manualId), /manual/);
    assert.match(dry.stdout, new RegExp(`1 of 2 would renew at ${later.replace(/\./g, '\\.')}`));
    const badAt = cli(['renew', '--dry-run', '--at', 'tomorrow']);
    assert.equal(badAt.code, 2);
    assert.match(badAt.stderr, /--at|At must be a date/);

    const due = cli(['renew', '--due']);
    assert.equal(due.code, 0, `${due.stdout}\n${due.stderr}`);
    assert.match(due.stdout, new RegExp(`renewed\\s+${failingId.slice(0, 8)}\\s+${failingName.replace(/\./g, '\\.')}: Renewed: serial`));
    assert.match(due.stdout, /1 renewed, 0 failed\./);
    const show = cli(['cert', 'show', failingId.slice(0, 8)]);
    assert.match(show.stdout, /Renewal\s+due \S+ \[due\]: 1 days before expiry/);
    assert.match(show.stdout, /History\s+\S+ \(until .*\), \S+ \(until/);

    // Broken again: renew --due fails and says so, with a non-zero exit.
    const elsewhere = tempDir('not-served-cli');
    mkdirSync(elsewhere, { recursive: true });
    const remap = cli(['server', 'map', 'web1', '--domains', failingName, '--webroot', elsewhere]);
    assert.equal(remap.code, 0, remap.stderr);
    const failed = cli(['--json', 'renew', '--due']);
    assert.equal(failed.code, 1, failed.stderr);
    const results = (JSON.parse(failed.stdout) as Res<'renewal:run-due'>).results;
    assert.deepEqual(results.map((r) => [r.certificateId, r.ok]), [[failingId, false]]);
    const again = cli(['renew', '--due']);
    assert.equal(again.code, 0, 'backing off: nothing due for a minute');
    assert.match(again.stdout, /Nothing is due for renewal now\./);
  });
});
