// ACME Renewal Information (RFC 9773) against a Pebble behind the ARI front (test/helpers/ari-proxy.ts): the
// window the CA serves is what the client reads (certId worked out independently with openssl), Retry-After is
// kept to; a renewal with `replaces` carries it in newOrder; a CA that refuses `replaces` gets the order again
// without it and the certificate is issued.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Request } from '../../shared/model/request.ts';
import { ariCertId } from '../../electron/renewal/ari.ts';
import { startApp, type TestApp } from '../helpers/app.ts';
import { bedEnv, bedGate, failWithoutBed, tempDir } from '../helpers/bed.ts';
import { FakeClock } from '../helpers/renewal-fixtures.ts';
import { exportPem } from '../helpers/certs.ts';
import { Http01Server } from '../helpers/challenges.ts';
import { startAriProxy, type AriProxy } from '../helpers/ari-proxy.ts';
import { opensslCertId } from '../helpers/ari-openssl.ts';
import { startExtraPebble, type ExtraPebble } from '../helpers/pebble-extra.ts';

const HOUR = 3_600_000;

describe('ARI (RFC 9773) through a renewalInfo front before Pebble', () => {
  let ca: ExtraPebble;
  let proxy: AriProxy;
  let http: Http01Server;
  let t: TestApp;
  // A fake clock for everything the ARI client decides by time (Retry-After); the CA runs on real time.
  let now = Date.now();
  const clock = { now: () => new Date(now) };

  const issue = async (label: string): Promise<{ req: Request; leaf: string }> => {
    const r = await t.call('requests:create', { domains: [`${label}-${process.pid}-${Date.now()}.example.test`], challengeType: 'http-01', key: 'ec-p256' });
    http.serve(r);
    const v = await t.call('requests:verify', { id: r.id });
    assert.equal(v.status, 'available', JSON.stringify(v.error));
    return { req: v, leaf: (await exportPem(t, v.id)).cert };
  };
  const renew = (id: string, replaces?: string) =>
    t.app.services.ops.run(undefined, undefined, (op) => t.app.services.requests.renew(id, op, replaces === undefined ? {} : { replaces }));
  const finish = async (r: Request): Promise<Request> => {
    http.serve(r);
    return t.call('requests:verify', { id: r.id });
  };

  before(async () => {
    ca = await startExtraPebble({ name: 'pebble-ari' });
    proxy = await startAriProxy(ca);
    http = await new Http01Server().start(ca.httpPort);
    t = await startApp({ clock });
    await t.call('accounts:register', { name: 'ARI', email: 'ari@example.test', directory: proxy.directoryUrl, caFile: proxy.caFile, agreeTos: true });
  });
  after(async () => {
    await t?.close();
    await http?.stop();
    await proxy?.close();
    await ca?.stop();
  });

  it('the directory names renewalInfo on the front, and every Pebble URL is the front\'s', async () => {
    const [account] = await t.call('accounts:list', {});
    const info = await t.call('accounts:directory', { id: account!.id });
    assert.equal(info.renewalInfo, true);
    const dir = await t.app.services.accounts.directoryOf(t.app.services.accounts.usableAccount(account!.id));
    const origin = new URL(proxy.directoryUrl).origin;
    assert.equal(dir.renewalInfo, `${origin}/renewal-info`);
    assert.ok(dir.newOrder.startsWith(`${origin}/`), dir.newOrder);
    const { req } = await issue('front');
    assert.ok(req.orderUrl?.startsWith(`${origin}/`), `Pebble built the order URL with the front's Host: ${req.orderUrl}`);
  });

  it('reads the window the CA serves for the certificate, and keeps to Retry-After', async () => {
    const { req, leaf } = await issue('window');
    const certId = opensslCertId(leaf);
    assert.equal(ariCertId(leaf), certId, 'our identifier is the one openssl\'s serial and AKI give');
    const start = new Date(now + 20 * 86_400_000);
    const end = new Date(start.getTime() + 2 * 86_400_000);
    proxy.setWindow(certId, { start: start.toISOString(), end: end.toISOString(), explanationURL: 'https://ca.example.test/why', retryAfter: '3600' });
    const asked = proxy.renewalInfoRequests.length;
    const signal = new AbortController().signal;
    const info = await t.app.services.ari.renewalInfo(req.id, signal);
    assert.ok(info);
    assert.equal(info.certId, certId);
    assert.equal(info.start.toISOString(), start.toISOString());
    assert.equal(info.end.toISOString(), end.toISOString());
    assert.equal(info.explanationUrl, 'https://ca.example.test/why');
    assert.equal(info.retryAfter.getTime(), now + HOUR, 'Retry-After: 3600 on the fake clock');
    assert.deepEqual(proxy.renewalInfoRequests.slice(asked), [certId], 'one GET, for this certId');

    // Before Retry-After: the answer is kept, the CA is not asked again (even when its window changed).
    const moved = { start: new Date(start.getTime() - 10 * 86_400_000).toISOString(), end: new Date(start.getTime() - 9 * 86_400_000).toISOString() };
    proxy.setWindow(certId, { ...moved, retryAfter: new Date(now + HOUR + 2 * HOUR).toUTCString() });
    now += HOUR - 1000;
    const kept = await t.app.services.ari.renewalInfo(req.id, signal);
    assert.equal(kept?.start.toISOString(), start.toISOString());
    assert.equal(proxy.renewalInfoRequests.length, asked + 1, 'not asked again before Retry-After');

    // After it: asked again, the new window is read; Retry-After as an HTTP date.
    now += 2000;
    const fresh = await t.app.services.ari.renewalInfo(req.id, signal);
    assert.equal(proxy.renewalInfoRequests.length, asked + 2);
    assert.equal(fresh?.start.toISOString(), moved.start);
    assert.equal(fresh?.end.toISOString(), moved.end);
    assert.equal(fresh?.explanationUrl, null);
    // The date named 3 h after the first ask; now is 1 h + 1 s later: about 2 h left (whole seconds).
    assert.ok(Math.abs(fresh!.retryAfter.getTime() - (now + 2 * HOUR - 1000)) <= 1000, `retryAfter ${fresh!.retryAfter.toISOString()}`);

    // No Retry-After: 6 h.
    proxy.setWindow(certId, { ...moved, retryAfter: null });
    now = fresh!.retryAfter.getTime() + 1;
    const plain = await t.app.services.ari.renewalInfo(req.id, signal);
    assert.equal(plain!.retryAfter.getTime(), now + 6 * HOUR);
  });

  it('says which URL and what was wrong when the CA serves a broken window or none', async () => {
    const { req, leaf } = await issue('broken');
    const certId = opensslCertId(leaf);
    const signal = new AbortController().signal;
    await assert.rejects(t.app.services.ari.renewalInfo(req.id, signal), (err: Error) => /renewal-info\/.+HTTP 404/.test(err.message) && err.message.includes(certId));
    proxy.setWindow(certId, { start: '2030-01-02T00:00:00Z', end: '2030-01-01T00:00:00Z' });
    await assert.rejects(t.app.services.ari.renewalInfo(req.id, signal), (err: Error) => err.message.includes(`/renewal-info/${certId}`) && /ends .* before it starts/.test(err.message));
  });

  it('answers null for a CA whose directory has no renewalInfo', async () => {
    // A second account on the same Pebble without the front: Pebble 2.4's own directory has no renewalInfo.
    const other = await startApp({ clock });
    try {
      await other.call('accounts:register', { name: 'Direct', email: 'd@example.test', directory: ca.directoryUrl, caFile: ca.caFile, agreeTos: true });
      const r = await other.call('requests:create', { domains: [`direct-${Date.now()}.example.test`], challengeType: 'http-01', key: 'ec-p256' });
      http.serve(r);
      const v = await other.call('requests:verify', { id: r.id });
      assert.equal(v.status, 'available');
      assert.equal(await other.app.services.ari.renewalInfo(v.id, new AbortController().signal), null);
    } finally {
      await other.close();
    }
  });

  it('renews with replaces: newOrder carries the certId of the certificate it replaces', async () => {
    const { req, leaf } = await issue('replaces');
    const certId = opensslCertId(leaf);
    const sentBefore = proxy.newOrders.length;
    const pending = await renew(req.id, certId);
    const sent = proxy.newOrders.slice(sentBefore);
    assert.equal(sent.length, 1, JSON.stringify(sent));
    assert.equal(sent[0]!.replaces, certId, `newOrder payload: ${JSON.stringify(sent[0])}`);
    assert.deepEqual(sent[0]!.identifiers, [{ type: 'dns', value: req.names[0] }]);
    assert.deepEqual(pending.replaces, { certId, refused: null });
    const done = await finish(pending);
    assert.equal(done.status, 'renewed', JSON.stringify(done.error));
    assert.notEqual(done.certificate?.serial, req.certificate?.serial);
    assert.equal(done.ordersCreated, req.ordersCreated + 1);

    // Without replaces: none is sent (a manual renewal, or a CA without ARI).
    const again = proxy.newOrders.length;
    await finish(await renew(req.id));
    assert.equal('replaces' in proxy.newOrders[again]!, false, JSON.stringify(proxy.newOrders[again]));
  });

  it('a renewal a person starts (requests:renew, the Renew button, cert renew) also sends replaces', async () => {
    const { req, leaf } = await issue('manual-renew');
    const certId = opensslCertId(leaf);
    const sentBefore = proxy.newOrders.length;
    const pending = await t.call('requests:renew', { id: req.id });
    const sent = proxy.newOrders.slice(sentBefore);
    assert.equal(sent.length, 1, JSON.stringify(sent));
    assert.equal(sent[0]!.replaces, certId, `newOrder payload: ${JSON.stringify(sent[0])}`);
    assert.deepEqual(pending.replaces, { certId, refused: null });
    assert.equal((await finish(pending)).status, 'renewed');
  });

  it('orders again without replaces when the CA refuses it (alreadyReplaced), and the certificate is issued', async () => {
    const { req, leaf } = await issue('refused');
    const certId = opensslCertId(leaf);
    const sentBefore = proxy.newOrders.length;
    proxy.refuseReplaces(1);
    const pending = await renew(req.id, certId);
    const sent = proxy.newOrders.slice(sentBefore);
    assert.equal(sent.length, 2, JSON.stringify(sent));
    assert.equal(sent[0]!.replaces, certId);
    assert.equal('replaces' in sent[1]!, false, `second newOrder has no replaces: ${JSON.stringify(sent[1])}`);
    assert.equal(proxy.refused.length, 1);
    assert.equal(pending.replaces?.certId, certId);
    assert.match(pending.replaces?.refused ?? '', /alreadyReplaced/);
    assert.equal(pending.error, null);
    // One order exists at the CA for this renewal: the refused attempt created none.
    assert.equal(pending.ordersCreated, req.ordersCreated + 1);
    const done = await finish(pending);
    assert.equal(done.status, 'renewed', JSON.stringify(done.error));
    assert.notEqual(done.certificate?.serial, req.certificate?.serial);
    const log = readFileSync(join(t.dataDir, 'logs', 'certdesk.log'), 'utf8');
    assert.match(log, /replaces refused: ordering without it/);
    // The request shows the note.
    const shown = await t.call('requests:get', { id: req.id });
    assert.match(shown.replaces?.refused ?? '', /already been replaced/);
  });
});

/** Renews `id` with `replaces` in a child process that is killed (SIGKILL) when it reaches `checkpoint`. */
function renewKilledAt(dataDir: string, id: string, replaces: string, checkpoint: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/ari-renew-child.ts', dataDir, id, replaces], {
      env: { ...process.env, CERTDESK_TEST_HOLD: checkpoint },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`checkpoint ${checkpoint} not reached: ${err}`));
    }, 60_000);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes(`certdesk-checkpoint: ${checkpoint}`)) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && err.includes(`certdesk-checkpoint: ${checkpoint}`)) resolve();
      else reject(new Error(`the renewal ended (${signal ?? code}) before checkpoint ${checkpoint}: ${err}`));
    });
  });
}

describe('ARI replaces and crash safety (kill -9 after the order was created, then resume)', () => {
  let ca: ExtraPebble;
  let proxy: AriProxy;
  let http: Http01Server;
  let dataDir: string;

  before(async () => {
    ca = await startExtraPebble({ name: 'pebble-ari-crash' });
    proxy = await startAriProxy(ca);
    http = await new Http01Server().start(ca.httpPort);
    dataDir = tempDir('ari-crash');
    const t = await startApp({ dataDir });
    await t.call('accounts:register', { name: 'ARI crash', email: 'arc@example.test', directory: proxy.directoryUrl, caFile: proxy.caFile, agreeTos: true });
    await t.close();
  });
  after(async () => {
    await http?.stop();
    await proxy?.close();
    await ca?.stop();
  });

  /** Issues a certificate on the crash data directory (the app is closed again afterwards). */
  async function issued(label: string): Promise<{ req: Request; certId: string }> {
    const t = await startApp({ dataDir });
    try {
      const r = await t.call('requests:create', { domains: [`${label}-${Date.now()}.example.test`], challengeType: 'http-01', key: 'ec-p256' });
      http.serve(r);
      const v = await t.call('requests:verify', { id: r.id });
      assert.equal(v.status, 'available', JSON.stringify(v.error));
      return { req: v, certId: opensslCertId((await exportPem(t, v.id)).cert) };
    } finally {
      await t.close();
    }
  }

  /** Starts the app again and finishes the interrupted renewal with verify (as `request verify` does). */
  async function resume(id: string): Promise<Request> {
    const t = await startApp({ dataDir });
    try {
      let r = await t.call('requests:verify', { id });
      if (r.status === 'pending') {
        http.serve(r);
        r = await t.call('requests:verify', { id });
      }
      return r;
    } finally {
      await t.close();
    }
  }

  for (const refuse of [false, true]) {
    it(`${refuse ? 'replaces refused, then killed' : 'killed'} at "order-created": resumes to Renewed without another order`, async () => {
      const { req, certId } = await issued(refuse ? 'ari-crash-refused' : 'ari-crash');
      const before = proxy.newOrders.length;
      proxy.refuseReplaces(refuse ? 1 : 0);
      await renewKilledAt(dataDir, req.id, certId, 'order-created');
      const sentByKilled = proxy.newOrders.slice(before);
      assert.equal(sentByKilled.length, refuse ? 2 : 1, JSON.stringify(sentByKilled));
      assert.equal(sentByKilled[0]!.replaces, certId);
      if (refuse) assert.equal('replaces' in sentByKilled[1]!, false);
      const done = await resume(req.id);
      assert.equal(done.status, 'renewed', JSON.stringify(done.error));
      assert.notEqual(done.certificate?.serial, req.certificate?.serial);
      assert.equal(proxy.newOrders.length, before + sentByKilled.length, 'the resumed run sent no order');
      assert.equal(done.ordersCreated, req.ordersCreated + 1);
      assert.equal(done.replaces?.certId, certId, 'the replaces metadata survived the crash');
      if (refuse) assert.match(done.replaces?.refused ?? '', /alreadyReplaced/);
      else assert.equal(done.replaces?.refused, null);
    });
  }
});

describe('ARI in the renewal engine: reconcile renews inside the window the CA serves, with replaces', () => {
  const gate = bedGate(['BIND_PORT', 'BIND_ZONE', 'BIND_TSIG_NAME', 'BIND_TSIG_SECRET', 'BIND_TSIG_ALGORITHM']);
  let pebbleCa: { directoryUrl: string; caFile: string; stop(): Promise<void> };
  let proxy: AriProxy;
  let t: TestApp;
  const clock = new FakeClock(Date.now());
  const savedEnv: Record<string, string | undefined> = {};

  before(async () => {
    failWithoutBed(gate);
    const BIND = `127.0.0.1:${bedEnv('BIND_PORT')}`;
    // dns-01 through an RFC 2136 DNS account on the bed's BIND: an automated certificate (it renews by itself).
    const env = { CERTDESK_DNS_SERVERS: BIND, CERTDESK_DNS_NS_ADDRESSES: `ns1.${bedEnv('BIND_ZONE')}=${BIND}` };
    for (const [k, v] of Object.entries(env)) {
      savedEnv[k] = process.env[k];
      process.env[k] = v;
    }
    const mod = (await import('../bed/pebble.mjs' as string)) as {
      startPebble(o: { workDir: string; dnsPort: number; name: string }): Promise<{ directoryUrl: string; caFile: string; stop(): Promise<void> }>;
    };
    pebbleCa = await mod.startPebble({ workDir: bedEnv('BED_WORK_DIR'), dnsPort: Number(bedEnv('BIND_PORT')), name: `pebble-ari-engine-${process.pid}` });
    proxy = await startAriProxy(pebbleCa);
    t = await startApp({ clock });
    await t.call('accounts:register', { name: 'ARI engine', email: 'are@example.test', directory: proxy.directoryUrl, caFile: proxy.caFile, agreeTos: true });
    await t.call('dns:add', {
      name: 'Bed BIND',
      provider: 'rfc2136',
      fields: { server: '127.0.0.1', port: bedEnv('BIND_PORT'), keyName: bedEnv('BIND_TSIG_NAME'), algorithm: bedEnv('BIND_TSIG_ALGORITHM') },
      secrets: { keySecret: bedEnv('BIND_TSIG_SECRET') },
    });
  });
  after(async () => {
    await t?.close();
    await proxy?.close();
    await pebbleCa?.stop();
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('plans a time inside the window, renews there with replaces, and the new certificate replaces the saved one', async () => {
    const [dns] = await t.call('dns:list', {});
    const name = `ari-engine-${Date.now()}.${bedEnv('BIND_ZONE')}`;
    const r = await t.call('requests:create', { domains: [name], challengeType: 'dns-01', key: 'ec-p256', keystoreType: 'pem', keyPolicy: 'new', dnsAccountId: dns!.id });
    const v = await t.call('requests:verify', { id: r.id });
    assert.equal(v.status, 'available', JSON.stringify(v.error));
    const saved = await t.call('certs:save', { requestId: r.id });
    const certId = opensslCertId((await exportPem(t, r.id)).cert);

    // The CA's window: 10 to 12 days from now (long before the lifetime rule would renew a Pebble certificate).
    const start = new Date(clock.now().getTime() + 10 * 86_400_000);
    const end = new Date(start.getTime() + 2 * 86_400_000);
    proxy.setWindow(certId, { start: start.toISOString(), end: end.toISOString(), explanationURL: 'https://ca.example.test/ari', retryAfter: '21600' });

    const first = await t.app.services.renewal.reconcile('test');
    assert.deepEqual(first.results, [], 'nothing is due before the window');
    assert.ok(proxy.renewalInfoRequests.includes(certId), 'the engine asked the CA for this certificate\'s window');
    const plan = (await t.call('renewal:plans', {})).find((p) => p.certificateId === saved.id)!;
    assert.deepEqual([plan.policy, plan.reason, plan.automated], ['ari', 'ari-window', true]);
    assert.deepEqual(plan.window && [plan.window.start, plan.window.end, plan.window.explanationUrl], [start.toISOString(), end.toISOString(), 'https://ca.example.test/ari']);
    const due = Date.parse(plan.dueAt!);
    assert.ok(due >= start.getTime() && due < end.getTime(), `due ${plan.dueAt} inside [${start.toISOString()}, ${end.toISOString()})`);

    // Just before the chosen time: nothing; at it: renewed, with replaces.
    clock.set(new Date(due - 60_000));
    assert.deepEqual((await t.app.services.renewal.reconcile('test')).results, []);
    const ordersBefore = proxy.newOrders.length;
    clock.set(new Date(due + 1000));
    const pass = await t.app.services.renewal.reconcile('test');
    assert.equal(pass.results.length, 1, JSON.stringify(pass.results));
    const result = pass.results[0]!;
    assert.equal(result.ok, true, result.message);
    assert.equal(result.replaced, true);
    const sent = proxy.newOrders.slice(ordersBefore);
    assert.equal(sent.length, 1, JSON.stringify(sent));
    assert.equal(sent[0]!.replaces, certId, `newOrder payload: ${JSON.stringify(sent[0])}`);
    const after = await t.call('certs:get', { id: saved.id });
    assert.notEqual(after.serial, saved.serial);
    assert.deepEqual(after.history.map((h) => h.serial), [saved.serial]);
    assert.ok(clock.now().getTime() >= start.getTime() && clock.now().getTime() < end.getTime(), 'renewed inside the window');
  });

  it('a CA that refuses replaces still gets the renewal (without it), and the result says it was not a replacement', async () => {
    const [dns] = await t.call('dns:list', {});
    const name = `ari-refused-${Date.now()}.${bedEnv('BIND_ZONE')}`;
    const r = await t.call('requests:create', { domains: [name], challengeType: 'dns-01', key: 'ec-p256', keystoreType: 'pem', keyPolicy: 'new', dnsAccountId: dns!.id });
    assert.equal((await t.call('requests:verify', { id: r.id })).status, 'available');
    const saved = await t.call('certs:save', { requestId: r.id });
    const certId = opensslCertId((await exportPem(t, r.id)).cert);
    // A window that closes now: due at once (a window still open for a minute would put the random instant in the
    // future once in ~60 runs, and this pass would have nothing to renew).
    proxy.setWindow(certId, { start: new Date(clock.now().getTime() - 3_600_000).toISOString(), end: clock.now().toISOString() });
    proxy.refuseReplaces(1);
    const ordersBefore = proxy.newOrders.length;
    const pass = await t.app.services.renewal.reconcile('test');
    const result = pass.results.find((x) => x.certificateId === saved.id);
    assert.ok(result, JSON.stringify(pass.results));
    assert.equal(result.ok, true, result.message);
    assert.equal(result.replaced, false, 'the CA refused replaces: not counted as an ARI replacement');
    const sent = proxy.newOrders.slice(ordersBefore);
    assert.deepEqual(sent.map((p) => p.replaces ?? null), [certId, null]);
    assert.notEqual((await t.call('certs:get', { id: saved.id })).serial, saved.serial);
    assert.match((await t.call('requests:get', { id: r.id })).replaces?.refused ?? '', /alreadyReplaced/);
  });
});
