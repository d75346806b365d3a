// Propagation check against real BIND: two BIND instances serve the same zone (prop.test) and are updated
// separately, so "the record is on one of two authoritative servers" is real, not simulated. The NS names
// (ns1/ns2.prop.test) come from DNS as in real life; both resolve to 127.0.0.1, so `nameServerAddresses`
// says on which port each one listens. A CNAME at _acme-challenge.cn.prop.test delegates to the bed's
// example.test zone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../shared/ipc/errors.ts';
import { DNS_SERVERS_ENV, PropagationChecker, defaultStartServers, waitForTxt, type PropagationOptions, type PropagationProgress } from '../../electron/dns/propagation.ts';
import { createProvider } from '../../electron/dns/registry.ts';
import type { DnsProvider } from '../../electron/dns/types.ts';
import { bedEnv } from '../helpers/bed.ts';
import { makeKey, startExtraBind, type ExtraBind, type TestKey } from '../helpers/dns-bind.ts';
import { digTxt } from '../helpers/dns-tools.ts';

const BED = {
  port: Number(bedEnv('BIND_PORT')),
  zone: bedEnv('BIND_ZONE'),
  key: { name: bedEnv('BIND_TSIG_NAME'), algorithm: bedEnv('BIND_TSIG_ALGORITHM'), secret: bedEnv('BIND_TSIG_SECRET') },
};
const bedServer = `127.0.0.1:${BED.port}`;
const ZONE = 'prop.test';

const uniq = () => Math.random().toString(36).slice(2, 10);
const value = () => `v-${uniq()}${uniq()}${uniq()}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function provider(server: string, key: TestKey | typeof BED.key): DnsProvider {
  return createProvider('rfc2136', { server: '127.0.0.1', endpoint: server, keyName: key.name, keySecret: key.secret, algorithm: key.algorithm });
}

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('propagation check against two authoritative BIND servers', () => {
  let a: ExtraBind;
  let b: ExtraBind;
  let pa: DnsProvider;
  let pb: DnsProvider;
  let pbed: DnsProvider;
  let base: PropagationOptions;

  before(async () => {
    const records = [
      '@ IN NS ns1.prop.test.',
      '@ IN NS ns2.prop.test.',
      'ns1 IN A 127.0.0.1',
      'ns2 IN A 127.0.0.1',
      `_acme-challenge.cn IN CNAME _acme-challenge.cn-target.${BED.zone}.`,
    ];
    const ka = makeKey('prop-a', 'hmac-sha256');
    const kb = makeKey('prop-b', 'hmac-sha512');
    [a, b] = await Promise.all([
      startExtraBind('prop-a', [{ name: ZONE, records, grant: [ka.name] }], [ka]),
      startExtraBind('prop-b', [{ name: ZONE, records, grant: [kb.name] }], [kb]),
    ]);
    pa = provider(a.server, ka);
    pb = provider(b.server, kb);
    pbed = provider(bedServer, BED.key);
    base = {
      startServers: [a.server, bedServer],
      nameServerAddresses: { 'ns1.prop.test': a.server, 'ns2.prop.test': b.server, [`ns1.${BED.zone}`]: bedServer },
      intervalMs: 100,
      queryTimeoutMs: 500,
      timeoutMs: 20_000,
    };
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('finds the zone and both name servers from DNS (SOA walk, NS, addresses)', async () => {
    const auth = await new PropagationChecker(base).authority(`_acme-challenge.www.${ZONE}`);
    assert.equal(auth.zone, ZONE);
    assert.equal(auth.target, `_acme-challenge.www.${ZONE}`);
    assert.deepEqual(auth.cnames, []);
    assert.deepEqual(auth.servers, [
      { nameServer: 'ns1.prop.test', address: a.server },
      { nameServer: 'ns2.prop.test', address: b.server },
    ]);
  });

  it('a record on one of two authoritative servers holds the check back until both answer', async () => {
    const fqdn = `_acme-challenge.held.${ZONE}`;
    const v = value();
    await pa.present({ fqdn, value: v, ttl: 60 });
    assert.deepEqual(await digTxt(a.server, fqdn), [v]);
    assert.deepEqual(await digTxt(b.server, fqdn), []);

    const progress: PropagationProgress[] = [];
    let settled = false;
    const wait = waitForTxt(fqdn, v, { ...base, onProgress: (p) => progress.push(p) }).finally(() => {
      settled = true;
    });
    await until('"1 of 2" progress', () => progress.some((p) => p.seen === 1));
    await sleep(600); // several polling rounds: still held back
    assert.equal(settled, false, 'the check must wait while ns2 does not answer the value');
    const one = progress.at(-1)!;
    assert.equal(one.message, '1 of 2 name servers see the record');
    assert.deepEqual(
      one.servers.map((s) => [s.nameServer, s.sees]),
      [
        ['ns1.prop.test', true],
        ['ns2.prop.test', false],
      ],
    );
    assert.equal(one.servers[1]!.last, 'NXDOMAIN');

    await pb.present({ fqdn, value: v, ttl: 60 });
    const r = await wait;
    assert.equal(r.zone, ZONE);
    const last = progress.at(-1)!;
    assert.equal(last.message, '2 of 2 name servers see the record');
    assert.equal(last.done, true);
    await Promise.all([pa.cleanUp({ fqdn, value: v, ttl: 60 }), pb.cleanUp({ fqdn, value: v, ttl: 60 })]);
  });

  it('waits for every value at one name (apex + wildcard) and ignores other values', async () => {
    const fqdn = `_acme-challenge.two.${ZONE}`;
    const [v1, v2] = [value(), value()];
    for (const p of [pa, pb]) await p.present({ fqdn, value: v1, ttl: 60 });
    await pa.present({ fqdn, value: v2, ttl: 60 });
    const progress: PropagationProgress[] = [];
    const wait = waitForTxt(fqdn, [v1, v2], { ...base, onProgress: (p) => progress.push(p) });
    await until('first round', () => progress.length > 0);
    assert.equal(progress[0]!.seen, 1);
    assert.equal(progress[0]!.servers[1]!.last, '1 other TXT value');
    await pb.present({ fqdn, value: v2, ttl: 60 });
    await wait;
    for (const p of [pa, pb]) for (const v of [v1, v2]) await p.cleanUp({ fqdn, value: v, ttl: 60 });
  });

  it('a timeout names the server that never answered', async () => {
    const fqdn = `_acme-challenge.late.${ZONE}`;
    const v = value();
    await pb.present({ fqdn, value: v, ttl: 60 });
    const t0 = Date.now();
    await assert.rejects(waitForTxt(fqdn, v, { ...base, timeoutMs: 1500 }), (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.equal(e.code, 'NETWORK');
      assert.match(e.message, /did not reach every authoritative name server of prop\.test within 2 s: 1 of 2 see it/);
      const never = e.message.split('never answered it:')[1] ?? '';
      assert.match(never, new RegExp(`ns1\\.prop\\.test \\(127\\.0\\.0\\.1:${a.port}\\): NXDOMAIN`));
      assert.doesNotMatch(never, /ns2\.prop\.test/);
      return true;
    });
    assert.ok(Date.now() - t0 < 5000, 'gave up near the timeout');
    await pb.cleanUp({ fqdn, value: v, ttl: 60 });
  });

  it('follows a CNAME at _acme-challenge into another zone (acme-dns style delegation)', async () => {
    const name = `_acme-challenge.cn.${ZONE}`;
    const target = `_acme-challenge.cn-target.${BED.zone}`;
    const v = value();
    const progress: PropagationProgress[] = [];
    const wait = waitForTxt(name, v, { ...base, onProgress: (p) => progress.push(p) });
    await until('first round', () => progress.length > 0);
    assert.equal(progress[0]!.message, '0 of 1 name server sees the record');
    await pbed.present({ fqdn: target, value: v, ttl: 60 }); // written in the target zone, on the bed's BIND
    const r = await wait;
    assert.equal(r.target, target);
    assert.equal(r.zone, BED.zone);
    assert.deepEqual(r.cnames, [`${name} → ${target}`]);
    assert.deepEqual(r.servers, [{ nameServer: `ns1.${BED.zone}`, address: bedServer }]);
    assert.deepEqual(await digTxt(bedServer, target), [v]);
    await pbed.cleanUp({ fqdn: target, value: v, ttl: 60 });
  });

  it('zoneServers gives a zone\'s servers directly; alsoCheck adds a server (an RFC 2136 account\'s own)', async () => {
    const fqdn = `_acme-challenge.given.${ZONE}`;
    const v = value();
    await pa.present({ fqdn, value: v, ttl: 60 });
    const checker = new PropagationChecker({ ...base, nameServerAddresses: {}, zoneServers: { [ZONE]: [a.server] }, alsoCheck: [b.server], timeoutMs: 800 });
    const auth = await checker.authority(fqdn);
    assert.deepEqual(auth.servers, [
      { nameServer: a.server, address: a.server },
      { nameServer: b.server, address: b.server },
    ]);
    const states = await checker.checkOnce(auth, [v]);
    assert.deepEqual(
      states.map((s) => s.sees),
      [true, false],
    );
    await assert.rejects(checker.waitForTxt(fqdn, v), new RegExp(`never answered it: 127\\.0\\.0\\.1:${b.port}: NXDOMAIN`));
    await pa.cleanUp({ fqdn, value: v, ttl: 60 });
  });

  it('start servers come from CERTDESK_DNS_SERVERS when none are given', async () => {
    assert.deepEqual(defaultStartServers({ [DNS_SERVERS_ENV]: `${a.server},[::1]:5353, 127.0.0.1` }), [
      { host: '127.0.0.1', port: a.port },
      { host: '::1', port: 5353 },
      { host: '127.0.0.1', port: 53 },
    ]);
    const saved = process.env[DNS_SERVERS_ENV];
    process.env[DNS_SERVERS_ENV] = `${b.server}`;
    try {
      const { startServers: _omit, ...rest } = base;
      const auth = await new PropagationChecker(rest).authority(`_acme-challenge.env.${ZONE}`);
      assert.equal(auth.zone, ZONE);
    } finally {
      if (saved === undefined) delete process.env[DNS_SERVERS_ENV];
      else process.env[DNS_SERVERS_ENV] = saved;
    }
  });

  it('a name in no zone says which name had no zone', async () => {
    await assert.rejects(waitForTxt('_acme-challenge.www.nowhere.invalid', 'x', base), (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.equal(e.code, 'NOT_FOUND');
      assert.match(e.message, /No DNS zone holds _acme-challenge\.www\.nowhere\.invalid/);
      assert.match(e.hint ?? '', /REFUSED/);
      return true;
    });
  });

  it('stops when cancelled', async () => {
    const ac = new AbortController();
    const fqdn = `_acme-challenge.cancel.${ZONE}`;
    const progress: PropagationProgress[] = [];
    const wait = waitForTxt(fqdn, value(), { ...base, signal: ac.signal, onProgress: (p) => progress.push(p) });
    await until('first round', () => progress.length > 0);
    const t0 = Date.now();
    ac.abort();
    await assert.rejects(wait, (e: unknown) => e instanceof AppError && e.code === 'CANCELLED');
    assert.ok(Date.now() - t0 < 1000);
  });
});
