// Issue 11 items 1 and 1b against the real bed: the pre-flight check of manual challenges (requests:preflight
// and `certdesk request check`) with Pebble's orders, http-01 answers on the port Pebble dials, TXT records in
// BIND (the bed's example.test, and a zone on two BIND servers for "not visible yet"); then a failing
// validation whose real Pebble texts become plain sentences in `request show`. Also: a URL given to
// `request create --domains` becomes its host name with a note on stderr.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import type { PreflightItem, PreflightResult } from '../../shared/model/preflight.ts';
import { plainProblem } from '../../shared/model/problems.ts';
import type { Request } from '../../shared/model/request.ts';
import { createProvider } from '../../electron/dns/registry.ts';
import type { DnsProvider } from '../../electron/dns/types.ts';
import { startApp, type TestApp } from '../helpers/app.ts';
import { bedEnv, bedGate, closedPort, failWithoutBed, pebble } from '../helpers/bed.ts';
import { Http01Server } from '../helpers/challenges.ts';
import { certdesk } from '../helpers/cli.ts';
import { makeKey, startExtraBind, type ExtraBind } from '../helpers/dns-bind.ts';

const gate = bedGate(['PEBBLE_DIRECTORY', 'PEBBLE_HTTP_PORT', 'BIND_PORT', 'BIND_ZONE', 'BIND_TSIG_NAME', 'BIND_TSIG_SECRET', 'DBUS_SESSION_BUS_ADDRESS']);
const uniq = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const ENV_KEYS = ['CERTDESK_HTTP01_PREFLIGHT_ADDRESS', 'CERTDESK_DNS_SERVERS', 'CERTDESK_DNS_NS_ADDRESSES'] as const;
const TWO_NS_ZONE = 'pf2.test';

describe('pre-flight check of manual challenges (Pebble + BIND)', { skip: gate.skip }, () => {
  failWithoutBed(gate);
  let t: TestApp;
  let http: Http01Server;
  let bedDns: DnsProvider;
  let a: ExtraBind;
  let b: ExtraBind;
  let pa: DnsProvider;
  const saved: Record<string, string | undefined> = {};
  const progress: { opId: string; step: string; item?: string; message: string }[] = [];
  let zone = '';

  const item = (r: PreflightResult, name: string): PreflightItem => {
    const i = r.items.find((x) => x.name === name);
    assert.ok(i, `a result for ${name}: ${JSON.stringify(r.items.map((x) => x.name))}`);
    return i;
  };

  before(async () => {
    if (gate.problem) return;
    zone = bedEnv('BIND_ZONE');
    const bindServer = `127.0.0.1:${bedEnv('BIND_PORT')}`;
    const records = [`@ IN NS ns1.${TWO_NS_ZONE}.`, `@ IN NS ns2.${TWO_NS_ZONE}.`, 'ns1 IN A 127.0.0.1', 'ns2 IN A 127.0.0.1'];
    const ka = makeKey('pf-a', 'hmac-sha256');
    const kb = makeKey('pf-b', 'hmac-sha256');
    [a, b] = await Promise.all([
      startExtraBind('pf-a', [{ name: TWO_NS_ZONE, records, grant: [ka.name] }], [ka]),
      startExtraBind('pf-b', [{ name: TWO_NS_ZONE, records, grant: [kb.name] }], [kb]),
    ]);
    pa = createProvider('rfc2136', { server: '127.0.0.1', endpoint: a.server, keyName: ka.name, keySecret: ka.secret, algorithm: ka.algorithm });
    bedDns = createProvider('rfc2136', {
      server: '127.0.0.1',
      endpoint: bindServer,
      keyName: bedEnv('BIND_TSIG_NAME'),
      keySecret: bedEnv('BIND_TSIG_SECRET'),
      algorithm: process.env.BIND_TSIG_ALGORITHM ?? 'hmac-sha256',
    });
    for (const k of ENV_KEYS) saved[k] = process.env[k];
    // The CA dials PEBBLE_HTTP_PORT for every name (its DNS answers 127.0.0.1): the check must do the same.
    process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS = `127.0.0.1:${bedEnv('PEBBLE_HTTP_PORT')}`;
    process.env.CERTDESK_DNS_SERVERS = `${bindServer},${a.server}`;
    process.env.CERTDESK_DNS_NS_ADDRESSES = `ns1.${zone}=${bindServer},ns1.${TWO_NS_ZONE}=${a.server},ns2.${TWO_NS_ZONE}=${b.server}`;
    t = await startApp();
    t.app.events.on((event, payload) => {
      if (event === 'ops:progress') progress.push(payload as (typeof progress)[number]);
    });
    http = await new Http01Server().start();
    const P = pebble();
    await t.call('accounts:register', { name: 'Pre-flight', email: 'preflight@example.test', directory: P.directory, caFile: P.caFile, agreeTos: true });
  });

  after(async () => {
    await http?.stop();
    await t?.close().catch(() => undefined);
    await Promise.all([a?.stop(), b?.stop()]);
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  let failedId = '';

  it('http-01: served → ready, missing → not found (404), other content → wrong content; the request does not change', async () => {
    const [ok, missing, wrong] = ['ok', 'missing', 'wrong'].map((p) => `${p}-${uniq()}.${zone}`) as [string, string, string];
    const r = await t.call('requests:create', { domains: [ok, missing, wrong], challengeType: 'http-01', key: 'ec-p256' });
    const ch = (n: string) => r.challenges.find((c) => c.name === n)!;
    http.serve({ ...r, challenges: [ch(ok)] } as Request);
    http.serve({ ...r, challenges: [ch(wrong)] } as Request, 'this-is-not-the-key-authorization');
    const before = http.requests;
    const opId = randomUUID();
    const res = await t.call('requests:preflight', { id: r.id, opId });

    assert.equal(res.requestId, r.id);
    assert.equal(res.ready, false);
    assert.equal(res.items.length, 3);
    assert.ok(http.requests - before >= 3, 'every URL was fetched from the port the CA dials');
    const i1 = item(res, ok);
    assert.equal(i1.verdict, 'ready', i1.message);
    assert.equal(i1.where, ch(ok).httpUrl);
    const i2 = item(res, missing);
    assert.equal(i2.verdict, 'not-found', i2.message);
    assert.match(i2.message, /^Answered 404 \(not found\)/);
    assert.match(i2.message, new RegExp(`connected to 127\\.0\\.0\\.1:${bedEnv('PEBBLE_HTTP_PORT')}`));
    const i3 = item(res, wrong);
    assert.equal(i3.verdict, 'wrong-content', i3.message);
    assert.equal(i3.got, 'this-is-not-the-key-authorization');
    const content = ch(wrong).httpContent!;
    assert.equal(i3.expected, `${content.slice(0, 19)}…${content.slice(-19)}`, 'expected is the key authorization, shortened');

    // Progress per name under the caller's opId.
    const mine = progress.filter((p) => p.opId === opId);
    for (const n of [ok, missing, wrong]) assert.ok(mine.some((p) => p.item === n && /fetching http:\/\//.test(p.message)), `progress for ${n}`);
    assert.ok(mine.some((p) => p.item === ok && p.message === `${ok}: Ready`));
    assert.equal((await t.call('requests:get', { id: r.id })).status, 'pending', 'a check changes nothing');

    // Verify anyway: Pebble fails the two names; its texts become plain sentences.
    const v = await t.call('requests:verify', { id: r.id });
    assert.equal(v.status, 'failed');
    const e404 = v.challenges.find((c) => c.name === missing)!.error!;
    const eWrong = v.challenges.find((c) => c.name === wrong)!.error!;
    assert.match(e404.detail, /returned 404/, `Pebble's text: ${e404.detail}`);
    assert.equal(
      plainProblem(e404, { identifier: missing, challengeType: 'http-01' })!.split('. ')[0],
      `Your server returned 404 (not found) for this path: http://${missing}:${bedEnv('PEBBLE_HTTP_PORT')}${ch(missing).httpPath}`,
    );
    assert.match(eWrong.detail, /did not match/, `Pebble's text: ${eWrong.detail}`);
    assert.match(plainProblem(eWrong, { identifier: wrong, challengeType: 'http-01' })!, /other content than the file content shown here\. It served "this-is-not-the-key-authorization"\./);
    failedId = r.id;
  });

  it('http-01: a closed port is unreachable (says which address), and a check can be cancelled', async () => {
    const name = `closed-${uniq()}.${zone}`;
    const r = await t.call('requests:create', { domains: [name], challengeType: 'http-01', key: 'ec-p256' });
    const port = await closedPort();
    process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS = `127.0.0.1:${port}`;
    const sockets: Socket[] = [];
    let silent: Server | null = null;
    try {
      const res = await t.call('requests:preflight', { id: r.id });
      const i = item(res, name);
      assert.equal(i.verdict, 'unreachable');
      assert.equal(i.message, `Could not fetch the file: the connection was refused (127.0.0.1:${port}).`);

      // A server that accepts and never answers: the check waits until cancelled.
      silent = createServer((s) => sockets.push(s));
      await new Promise<void>((ok) => silent!.listen(0, '127.0.0.1', ok));
      process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS = `127.0.0.1:${(silent.address() as { port: number }).port}`;
      const opId = randomUUID();
      const started = Date.now();
      const pending = t.raw('requests:preflight', { id: r.id, opId });
      while (sockets.length === 0) await new Promise((ok) => setTimeout(ok, 20));
      assert.equal((await t.call('ops:cancel', { opId })).cancelled, true);
      const env = await pending;
      assert.equal(env.ok, false);
      assert.equal(!env.ok && env.error.code, 'CANCELLED');
      assert.ok(Date.now() - started < 4000, 'cancelled before the fetch timed out');
    } finally {
      for (const s of sockets) s.destroy();
      silent?.close();
      process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS = `127.0.0.1:${bedEnv('PEBBLE_HTTP_PORT')}`;
    }
  });

  it('dns-01: no TXT → not found; the TXT in BIND → ready; another value → wrong content; on one of two servers → not visible yet', async () => {
    const name = `txt-${uniq()}.${zone}`;
    const two = `two-${uniq()}.${TWO_NS_ZONE}`;
    const r = await t.call('requests:create', { domains: [name, two], challengeType: 'dns-01', key: 'ec-p256' });
    const c = r.challenges.find((x) => x.name === name)!;
    const c2 = r.challenges.find((x) => x.name === two)!;

    let res = await t.call('requests:preflight', { id: r.id });
    let i = item(res, name);
    assert.equal(i.verdict, 'not-found', i.message);
    assert.match(i.message, new RegExp(`No TXT record at _acme-challenge\\.${name.replace(/\./g, '\\.')}: ns1\\.${zone.replace(/\./g, '\\.')} \\(127\\.0\\.0\\.1:\\d+\\) says (NXDOMAIN \\(no such name\\)|no TXT value)`));
    assert.deepEqual(i.servers.map((s) => [s.nameServer, s.sees]), [[`ns1.${zone}`, false]]);

    await bedDns.present({ fqdn: c.dnsName!, value: 'an-old-value-from-last-time', ttl: 60 });
    res = await t.call('requests:preflight', { id: r.id });
    i = item(res, name);
    assert.equal(i.verdict, 'wrong-content', i.message);
    assert.equal(i.got, 'an-old-value-from-last-time');
    assert.equal(i.expected, `${c.dnsValue!.slice(0, 19)}…${c.dnsValue!.slice(-19)}`, 'the expected TXT value, shortened to its ends');

    await bedDns.cleanUp({ fqdn: c.dnsName!, value: 'an-old-value-from-last-time', ttl: 60 });
    await bedDns.present({ fqdn: c.dnsName!, value: c.dnsValue!, ttl: 60 });
    await pa.present({ fqdn: c2.dnsName!, value: c2.dnsValue!, ttl: 60 });
    res = await t.call('requests:preflight', { id: r.id });
    i = item(res, name);
    assert.equal(i.verdict, 'ready', i.message);
    assert.match(i.message, /Every authoritative name server of .* \(1\) answers the value/);
    const i2 = item(res, two);
    assert.equal(i2.verdict, 'not-visible', i2.message);
    assert.deepEqual(i2.servers.map((s) => [s.nameServer, s.sees, s.answer]), [
      [`ns1.${TWO_NS_ZONE}`, true, 'answers the value'],
      [`ns2.${TWO_NS_ZONE}`, false, 'NXDOMAIN'],
    ]);
    assert.match(i2.message, new RegExp(`1 of 2 name servers of ${TWO_NS_ZONE.replace('.', '\\.')} answer the value; not yet: ns2\\.pf2\\.test \\(${b.server}\\): NXDOMAIN`));
    assert.equal(res.ready, false);
    await bedDns.cleanUp({ fqdn: c.dnsName!, value: c.dnsValue!, ttl: 60 });
    await pa.cleanUp({ fqdn: c2.dnsName!, value: c2.dnsValue!, ttl: 60 });
  });

  it('CLI: request check prints the verdicts (exit 1 when not all ready), request show puts the plain sentence above the CA text, a URL as a name is reduced', async () => {
    assert.ok(failedId, 'the http-01 test ran first');
    await t.close();
    const check = await certdesk(t.dataDir, 'request', 'check', failedId.slice(0, 8));
    assert.equal(check.code, 1, check.err);
    // The name the CA validated is not checked again.
    assert.match(check.out, /^ok-\S+: not checked \(already valid at the CA\)$/m);
    assert.match(check.out, /^missing-\S+\s+NOT FOUND\s+http-01/m);
    assert.match(check.out, /^wrong-\S+\s+WRONG CONTENT\s+http-01/m);
    assert.match(check.out, /got\s+this-is-not-the-key-authorization/);
    assert.match(check.out, /2 of 2 not ready/);
    const json = await certdesk(t.dataDir, 'request', 'check', failedId, '--json');
    const parsed = JSON.parse(json.out) as PreflightResult;
    assert.deepEqual(parsed.items.map((x) => x.verdict).sort(), ['not-found', 'wrong-content']);
    assert.equal(parsed.ready, false);
    assert.equal(json.code, 1);

    const show = await certdesk(t.dataDir, 'request', 'show', failedId);
    assert.equal(show.code, 0, show.err);
    const lines = show.out.split('\n');
    const p = lines.findIndex((l) => /^\s+Problem\s+Your server returned 404 \(not found\) for this path: http:\/\/missing-/.test(l));
    assert.ok(p > 0, show.out);
    assert.match(lines[p + 1]!, /^\s+Error\s+Non-200 status code from HTTP: .* returned 404/, 'the CA text follows the sentence');

    const url = `http://www.cli-${uniq()}.${zone}:8080/index.html`;
    const created = await certdesk(t.dataDir, 'request', 'create', '--domains', `${url},api.${zone}.`, '--challenge', 'http-01', '--key', 'ec-p256', '--json');
    assert.equal(created.code, 0, created.err);
    const host = new URL(url).hostname;
    assert.ok(created.err.includes(`certdesk: note: Reduced the URL to its host name: ${url} → ${host}.`), created.err);
    assert.deepEqual((JSON.parse(created.out) as Request).names, [host, `api.${zone}`]);
  });
});
