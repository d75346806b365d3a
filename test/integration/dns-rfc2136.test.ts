// RFC 2136 provider against real BIND 9: TSIG-signed DNS UPDATEs, every TSIG algorithm, sibling TXT values,
// key refusals, global (SOA walk) and per-domain modes, TCP fallback and response-signature checks.
// What BIND holds is read back with dig, never with our own query code.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../shared/ipc/errors.ts';
import { Rfc2136Client } from '../../electron/dns/rfc2136/api.ts';
import { splitTsig, TSIG_ALGORITHMS } from '../../electron/dns/rfc2136/tsig.ts';
import { createProvider, descriptors } from '../../electron/dns/registry.ts';
import type { DnsProvider, ProviderConfig } from '../../electron/dns/types.ts';
import { bedEnv } from '../helpers/bed.ts';
import { makeKey, startExtraBind, type ExtraBind, type TestKey } from '../helpers/dns-bind.ts';
import { digTxt, nsupdate } from '../helpers/dns-tools.ts';

const BED = {
  port: Number(bedEnv('BIND_PORT')),
  zone: bedEnv('BIND_ZONE'),
  key: { name: bedEnv('BIND_TSIG_NAME'), algorithm: bedEnv('BIND_TSIG_ALGORITHM'), secret: bedEnv('BIND_TSIG_SECRET') },
};
const bedServer = `127.0.0.1:${BED.port}`;

function bedConfig(extra: ProviderConfig = {}): ProviderConfig {
  return {
    server: '127.0.0.1',
    port: String(BED.port),
    keyName: BED.key.name,
    keySecret: BED.key.secret,
    algorithm: BED.key.algorithm,
    mode: 'global',
    ...extra,
  };
}

const uniq = () => Math.random().toString(36).slice(2, 10);
/** A dns-01 style value: 43 base64url characters. */
const value = () => Buffer.from(`${uniq()}${uniq()}${uniq()}${uniq()}`).toString('base64url').slice(0, 43).padEnd(43, 'A');

async function rejectsWith(p: Promise<unknown>, check: (e: AppError) => void): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AppError, `expected an AppError, got ${String(e)}`);
    check(e);
    return e;
  }
  assert.fail('expected the call to fail');
}

describe('RFC 2136 provider against BIND', () => {
  let algs: ExtraBind;
  const keys = new Map<string, TestKey>();
  let nogrant: TestKey;

  before(async () => {
    for (const a of TSIG_ALGORITHMS) keys.set(a, makeKey(`key-${a}`, a));
    nogrant = makeKey('nogrant-key', 'hmac-sha256');
    algs = await startExtraBind(
      'algs',
      [{ name: 'algs.test', records: ['@ IN NS ns1.algs.test.', 'ns1 IN A 127.0.0.1'], grant: [...keys.values()].map((k) => k.name) }],
      [...keys.values(), nogrant],
    );
  });
  after(async () => {
    await algs?.stop();
  });

  it('is listed in the registry with the field ids of the CLI contract', () => {
    const d = descriptors().find((x) => x.id === 'rfc2136');
    assert.ok(d);
    assert.deepEqual(
      d.fields.map((f) => f.id),
      ['server', 'port', 'keyName', 'keySecret', 'algorithm', 'mode', 'endpoint'],
    );
    assert.deepEqual(
      d.fields.filter((f) => f.secret).map((f) => f.id),
      ['keySecret'],
    );
    assert.deepEqual(d.fields.find((f) => f.id === 'algorithm')?.options?.map((o) => o.value).sort(), [...TSIG_ALGORITHMS].sort());
    assert.deepEqual(d.fields.find((f) => f.id === 'mode')?.options?.map((o) => o.value), ['global', 'per-domain']);
    assert.deepEqual(d.domainFields?.map((f) => f.id), ['zone', 'keyName', 'keySecret']);
  });

  it('adds and removes a TXT value with the bed key (hmac-sha256), zone found by SOA walk', async () => {
    assert.equal(BED.key.algorithm, 'hmac-sha256');
    const p = createProvider('rfc2136', bedConfig());
    const fqdn = `_acme-challenge.www.${uniq()}.${BED.zone}`;
    const v = value();
    assert.equal(await p.zoneFor!(fqdn), BED.zone);
    await p.present({ fqdn, value: v, ttl: 60 });
    assert.deepEqual(await digTxt(bedServer, fqdn), [v]);
    await p.cleanUp({ fqdn, value: v, ttl: 60 });
    assert.deepEqual(await digTxt(bedServer, fqdn), []);
    const t = await p.test!(`*.shop.${BED.zone}`);
    assert.equal(t.zone, BED.zone);
    assert.match(t.detail, new RegExp(`accepted the key "certdesk-key" \\(hmac-sha256\\) for changes to _acme-challenge\\.shop\\.${BED.zone}`));
  });

  for (const alg of TSIG_ALGORITHMS) {
    it(`adds and removes a TXT value with an ${alg} key`, async () => {
      const key = keys.get(alg)!;
      const p = createProvider('rfc2136', { server: '127.0.0.1', port: String(algs.port), keyName: key.name, keySecret: key.secret, algorithm: alg });
      const fqdn = `_acme-challenge.${alg}.algs.test`;
      const v = value();
      await p.present({ fqdn, value: v, ttl: 60 });
      assert.deepEqual(await digTxt(algs.server, fqdn), [v]);
      await p.cleanUp({ fqdn, value: v, ttl: 60 });
      assert.deepEqual(await digTxt(algs.server, fqdn), []);
    });
  }

  it('keeps two values on one name independently (apex + wildcard), and a value it did not create', async () => {
    const p = createProvider('rfc2136', bedConfig());
    const fqdn = `_acme-challenge.${uniq()}.${BED.zone}`;
    const foreign = 'set-by-someone-else';
    await nsupdate(bedServer, BED.key, [`update add ${fqdn}. 60 IN TXT "${foreign}"`]);
    const [v1, v2] = [value(), value()];
    await p.present({ fqdn, value: v1, ttl: 60 });
    await p.present({ fqdn, value: v2, ttl: 60 });
    assert.deepEqual(await digTxt(bedServer, fqdn), [foreign, v1, v2].sort());
    await p.cleanUp({ fqdn, value: v1, ttl: 60 });
    assert.deepEqual(await digTxt(bedServer, fqdn), [foreign, v2].sort());
    await p.cleanUp({ fqdn, value: v2, ttl: 60 });
    assert.deepEqual(await digTxt(bedServer, fqdn), [foreign]);
  });

  it('removing a value that is not there is harmless', async () => {
    const p = createProvider('rfc2136', bedConfig());
    const fqdn = `_acme-challenge.${uniq()}.${BED.zone}`;
    await p.cleanUp({ fqdn, value: value(), ttl: 60 }); // nothing at that name at all
    const kept = value();
    await p.present({ fqdn, value: kept, ttl: 60 });
    await p.cleanUp({ fqdn, value: value(), ttl: 60 }); // another value than the one there
    assert.deepEqual(await digTxt(bedServer, fqdn), [kept]);
    await p.cleanUp({ fqdn, value: kept, ttl: 60 });
    await p.cleanUp({ fqdn, value: kept, ttl: 60 }); // twice
    assert.deepEqual(await digTxt(bedServer, fqdn), []);
  });

  it('a wrong secret fails with a message saying the server refused the key (BADSIG), and changes nothing', async () => {
    const wrong = Buffer.alloc(32, 7).toString('base64');
    const p = createProvider('rfc2136', bedConfig({ keySecret: wrong }));
    const fqdn = `_acme-challenge.${uniq()}.${BED.zone}`;
    await rejectsWith(p.present({ fqdn, value: value(), ttl: 60 }), (e) => {
      assert.equal(e.code, 'FORBIDDEN');
      assert.match(e.message, /^RFC 2136: /);
      assert.match(e.message, /refused the key "certdesk-key"/);
      assert.match(e.message, /BADSIG/);
      assert.match(e.message, /NOTAUTH/);
      assert.match(e.hint ?? '', /secret/);
      assert.ok(!JSON.stringify(e.toInfo()).includes(wrong), 'the secret never appears in an error');
    });
    assert.deepEqual(await digTxt(bedServer, fqdn), []);
    // Same for the connection test.
    await rejectsWith(p.test!(`www.${BED.zone}`), (e) => assert.match(e.message, /refused the key.*BADSIG/));
  });

  it('a key the server does not know → BADKEY; the wrong algorithm → the server refuses the key', async () => {
    const unknown = createProvider('rfc2136', bedConfig({ keyName: 'no-such-key' }));
    await rejectsWith(unknown.present({ fqdn: `_acme-challenge.${BED.zone}`, value: value(), ttl: 60 }), (e) => {
      assert.equal(e.code, 'FORBIDDEN');
      assert.match(e.message, /refused the key "no-such-key".*BADKEY.*does not know a key named "no-such-key"/);
    });
    const wrongAlg = createProvider('rfc2136', bedConfig({ algorithm: 'hmac-sha512' }));
    await rejectsWith(wrongAlg.present({ fqdn: `_acme-challenge.${BED.zone}`, value: value(), ttl: 60 }), (e) => {
      assert.equal(e.code, 'FORBIDDEN');
      assert.match(e.message, /refused the key "certdesk-key" \(hmac-sha512\): BAD(KEY|SIG)/);
    });
  });

  it('a clock an hour off → BADTIME, saying how far off', async () => {
    const client = new Rfc2136Client({
      server: { host: '127.0.0.1', port: BED.port },
      key: { name: BED.key.name, algorithm: 'hmac-sha256', secret: BED.key.secret },
      now: () => Date.now() / 1000 + 3600,
    });
    await rejectsWith(client.addTxt(BED.zone, `_acme-challenge.${BED.zone}`, value(), 60), (e) => {
      assert.equal(e.code, 'FORBIDDEN');
      assert.match(e.message, /refused the key.*BADTIME/);
      assert.match(e.message, /ahead of the server/);
      assert.match(e.hint ?? '', /clock/);
    });
  });

  it('a key the zone does not grant → REFUSED, saying to grant it in the update policy', async () => {
    const p = createProvider('rfc2136', { server: '127.0.0.1', port: String(algs.port), keyName: nogrant.name, keySecret: nogrant.secret, algorithm: 'hmac-sha256' });
    const fqdn = '_acme-challenge.nogrant.algs.test';
    await rejectsWith(p.present({ fqdn, value: value(), ttl: 60 }), (e) => {
      assert.equal(e.code, 'FORBIDDEN');
      assert.match(e.message, /refused the update to zone algs\.test with the key "nogrant-key".*REFUSED/);
      assert.match(e.hint ?? '', /update-policy/);
    });
    assert.deepEqual(await digTxt(algs.server, fqdn), []);
  });

  it('per-domain mode uses the zone (and key) given in the domain mapping', async () => {
    // The account's own key is wrong; the mapping gives the zone and the right key.
    const p = createProvider('rfc2136', {
      ...bedConfig({ mode: 'per-domain', keyName: 'account-key', keySecret: Buffer.alloc(32, 1).toString('base64') }),
      zone: BED.zone,
      keyName: BED.key.name,
      keySecret: BED.key.secret,
    });
    const fqdn = `_acme-challenge.per-domain.${BED.zone}`;
    assert.equal(await p.zoneFor!(fqdn), BED.zone);
    const v = value();
    await p.present({ fqdn, value: v, ttl: 60 });
    assert.deepEqual(await digTxt(bedServer, fqdn), [v]);
    await p.cleanUp({ fqdn, value: v, ttl: 60 });
    assert.deepEqual(await digTxt(bedServer, fqdn), []);
    const t = await p.test!(`per-domain.${BED.zone}`);
    assert.equal(t.zone, BED.zone);
    assert.match(t.detail, /accepted the key "certdesk-key"/);
  });

  it('per-domain mode: no zone, a name outside the zone, a zone the server does not hold', async () => {
    assert.throws(
      () => createProvider('rfc2136', bedConfig({ mode: 'per-domain' })),
      (e: unknown) => e instanceof AppError && e.code === 'INVALID_INPUT' && e.field === 'zone' && /Per-domain mode needs the zone/.test(e.message),
    );
    const outside = createProvider('rfc2136', bedConfig({ mode: 'per-domain', zone: BED.zone }));
    await rejectsWith(outside.present({ fqdn: '_acme-challenge.elsewhere.test', value: value(), ttl: 60 }), (e) => {
      assert.equal(e.field, 'zone');
      assert.match(e.message, /_acme-challenge\.elsewhere\.test is not inside the zone example\.test/);
    });
    const notHeld = createProvider('rfc2136', bedConfig({ mode: 'per-domain', zone: 'not-held.test' }));
    await rejectsWith(notHeld.present({ fqdn: '_acme-challenge.not-held.test', value: value(), ttl: 60 }), (e) => {
      assert.equal(e.code, 'FORBIDDEN');
      assert.match(e.message, /refused the key "certdesk-key" \(hmac-sha256\) for zone not-held\.test: NOTAUTH/);
      assert.match(e.hint ?? '', /primary server of not-held\.test/);
    });
  });

  it('global mode: a name outside every zone on the server says which zone was missing', async () => {
    const p = createProvider('rfc2136', bedConfig());
    const fqdn = '_acme-challenge.www.absent.invalid';
    await rejectsWith(p.present({ fqdn, value: value(), ttl: 60 }), (e) => {
      assert.equal(e.code, 'NOT_FOUND');
      assert.match(e.message, new RegExp(`the server 127\\.0\\.0\\.1:${BED.port} holds no zone for _acme-challenge\\.www\\.absent\\.invalid`));
      assert.match(e.message, /asked SOA for _acme-challenge\.www\.absent\.invalid, www\.absent\.invalid, absent\.invalid, invalid/);
      assert.match(e.message, /REFUSED/);
    });
    await rejectsWith(p.test!('www.absent.invalid'), (e) => assert.match(e.message, /holds no zone for _acme-challenge\.www\.absent\.invalid/));
  });

  it('bad settings are refused field by field before anything is sent', () => {
    assert.throws(
      () => createProvider('rfc2136', { server: '', keyName: '', keySecret: 'not base64!', algorithm: 'hmac-sha3', port: '70000' }),
      (e: unknown) => {
        assert.ok(e instanceof AppError);
        assert.equal(e.code, 'INVALID_INPUT');
        assert.deepEqual(e.issues?.map((i) => i.field).sort(), ['algorithm', 'keyName', 'keySecret', 'port', 'server']);
        return true;
      },
    );
  });

  it('the endpoint field overrides server and port', async () => {
    const p = createProvider('rfc2136', bedConfig({ server: 'dns.invalid', port: '53', endpoint: bedServer }));
    const fqdn = `_acme-challenge.endpoint.${BED.zone}`;
    const v = value();
    await p.present({ fqdn, value: v, ttl: 60 });
    assert.deepEqual(await digTxt(bedServer, fqdn), [v]);
    await p.cleanUp({ fqdn, value: v, ttl: 60 });
  });

  it('sends large updates over TCP, small ones over UDP', async () => {
    const client = new Rfc2136Client({ server: { host: '127.0.0.1', port: BED.port }, key: { ...BED.key, algorithm: 'hmac-sha256' } });
    const fqdn = `_acme-challenge.tcp.${BED.zone}`;
    const big = 'x'.repeat(700); // > 512 bytes on the wire: three character-strings
    assert.equal((await client.addTxt(BED.zone, fqdn, big, 60)).transport, 'tcp');
    assert.deepEqual(await digTxt(bedServer, fqdn), [big]);
    assert.equal((await client.deleteTxt(BED.zone, fqdn, big)).transport, 'tcp');
    assert.deepEqual(await digTxt(bedServer, fqdn), []);
    const v = value();
    assert.equal((await client.addTxt(BED.zone, fqdn, v, 60)).transport, 'udp');
    assert.equal((await client.deleteTxt(BED.zone, fqdn, v)).transport, 'udp');
  });

  describe('through a meddling proxy', () => {
    let proxy: Proxy;
    after(async () => proxy?.close());

    it('retries over TCP when the UDP answer is truncated', async () => {
      proxy = await startProxy(BED.port, 'truncate');
      const p = createProvider('rfc2136', bedConfig({ mode: 'per-domain', zone: BED.zone, endpoint: `127.0.0.1:${proxy.port}` }));
      const fqdn = `_acme-challenge.truncated.${BED.zone}`;
      const v = value();
      await p.present({ fqdn, value: v, ttl: 60 });
      assert.ok(proxy.udp > 0 && proxy.tcp > 0, `UDP first, then TCP (udp ${proxy.udp}, tcp ${proxy.tcp})`);
      assert.deepEqual(await digTxt(bedServer, fqdn), [v]);
      await p.cleanUp({ fqdn, value: v, ttl: 60 });
      await proxy.close();
    });

    it('refuses an answer whose TSIG MAC does not verify', async () => {
      proxy = await startProxy(BED.port, 'tamper');
      const p: DnsProvider = createProvider('rfc2136', bedConfig({ mode: 'per-domain', zone: BED.zone, endpoint: `127.0.0.1:${proxy.port}` }));
      await rejectsWith(p.present({ fqdn: `_acme-challenge.tampered.${BED.zone}`, value: value(), ttl: 60 }), (e) => {
        assert.equal(e.code, 'FORBIDDEN');
        assert.match(e.message, /carries a signature that does not verify/);
      });
      await p.cleanUp({ fqdn: `_acme-challenge.tampered.${BED.zone}`, value: 'x', ttl: 60 }).catch(() => undefined);
      await proxy.close();
    });

    it('refuses a success answer that carries no signature', async () => {
      proxy = await startProxy(BED.port, 'strip');
      const p = createProvider('rfc2136', bedConfig({ mode: 'per-domain', zone: BED.zone, endpoint: `127.0.0.1:${proxy.port}` }));
      await rejectsWith(p.present({ fqdn: `_acme-challenge.stripped.${BED.zone}`, value: value(), ttl: 60 }), (e) => {
        assert.equal(e.code, 'FORBIDDEN');
        assert.match(e.message, /^RFC 2136: the answer from 127\.0\.0\.1:\d+ is not signed \(NOERROR\); it cannot be trusted/);
      });
      await proxy.close();
    });
  });
});

interface Proxy {
  port: number;
  udp: number;
  tcp: number;
  close(): Promise<void>;
}

/**
 * A DNS proxy in front of BIND. `truncate`: every UDP answer is cut to its header with TC set (TCP goes
 * through untouched). `tamper`: answers are forwarded with one byte of the TSIG MAC flipped (the MAC is
 * near the end: the last 6 bytes are original ID, error and other-len). `strip`: answers lose their TSIG RR.
 */
async function startProxy(targetPort: number, mode: 'truncate' | 'tamper' | 'strip'): Promise<Proxy> {
  const udp = dgram.createSocket('udp4');
  const tcp = net.createServer((client) => {
    stats.tcp += 1;
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  const stats = { udp: 0, tcp: 0 };
  let closed = false;
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  const port = (tcp.address() as net.AddressInfo).port;
  await new Promise<void>((r) => udp.bind(port, '127.0.0.1', r));
  udp.on('message', (msg, rinfo) => {
    stats.udp += 1;
    const up = dgram.createSocket('udp4');
    up.on('message', (answer) => {
      up.close();
      let out: Buffer = Buffer.from(answer);
      if (mode === 'truncate') {
        out = Buffer.from(answer.subarray(0, 12));
        out.writeUInt16BE(out.readUInt16BE(2) | 0x0200, 2);
        for (const o of [4, 6, 8, 10]) out.writeUInt16BE(0, o);
      } else if (mode === 'strip') {
        out = splitTsig(answer)?.unsigned ?? out;
      } else {
        out[out.length - 8] = out[out.length - 8]! ^ 0xff;
      }
      udp.send(out, rinfo.port, rinfo.address);
    });
    up.send(msg, targetPort, '127.0.0.1');
  });
  return {
    port,
    get udp() {
      return stats.udp;
    },
    get tcp() {
      return stats.tcp;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await new Promise<void>((r) => udp.close(() => r()));
      await new Promise<void>((r) => tcp.close(() => r()));
    },
  } as Proxy;
}

