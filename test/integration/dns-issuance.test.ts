// The dns-01 building blocks end to end, before the order flow uses them: a Pebble that resolves through the
// bed's BIND issues `example.test` + `*.example.test` (two TXT values at one name at the same time) with the
// RFC 2136 provider presenting the records and the propagation check gating the CA, and the records are
// gone afterwards. Plain acme-client drives the order here; the solver seam will do it in the app.
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import acme from 'acme-client';
import { waitForTxt, type PropagationProgress } from '../../electron/dns/propagation.ts';
import { createProvider } from '../../electron/dns/registry.ts';
import type { DnsRecord } from '../../electron/dns/types.ts';
import { bedEnv } from '../helpers/bed.ts';
import { digTxt } from '../helpers/dns-tools.ts';

const BIND_PORT = Number(bedEnv('BIND_PORT'));
const ZONE = bedEnv('BIND_ZONE');
const bindServer = `127.0.0.1:${BIND_PORT}`;

interface PebbleModule {
  startPebble(o: { workDir: string; dnsPort: number; name: string }): Promise<{ directoryUrl: string; caFile: string; stop(): Promise<void> }>;
}

describe('dns-01 through RFC 2136 and the propagation check, validated by Pebble resolving through BIND', () => {
  let pebble: Awaited<ReturnType<PebbleModule['startPebble']>>;

  before(async () => {
    const mod = (await import('../bed/pebble.mjs' as string)) as PebbleModule;
    pebble = await mod.startPebble({ workDir: bedEnv('BED_WORK_DIR'), dnsPort: BIND_PORT, name: `pebble-dns-${process.pid}` });
    acme.axios.defaults.httpsAgent = new https.Agent({ ca: readFileSync(pebble.caFile, 'utf8') });
  });
  after(async () => {
    await pebble?.stop();
  });

  it(`issues ${ZONE} + *.${ZONE} with no manual step and leaves no TXT record behind`, async () => {
    const dns = createProvider('rfc2136', {
      server: '127.0.0.1',
      port: String(BIND_PORT),
      keyName: bedEnv('BIND_TSIG_NAME'),
      keySecret: bedEnv('BIND_TSIG_SECRET'),
      algorithm: bedEnv('BIND_TSIG_ALGORITHM'),
      mode: 'global',
    });
    const client = new acme.Client({
      directoryUrl: pebble.directoryUrl,
      accountKey: await acme.crypto.createPrivateKey(2048),
      backoffMin: 100,
      backoffMax: 500,
    });
    await client.createAccount({ termsOfServiceAgreed: true });
    const names = [ZONE, `*.${ZONE}`];
    const order = await client.createOrder({ identifiers: names.map((value) => ({ type: 'dns', value })) });
    const authzs = await client.getAuthorizations(order);
    assert.equal(authzs.length, 2);

    const presented: DnsRecord[] = [];
    const progress: PropagationProgress[] = [];
    try {
      const challenges = [];
      for (const authz of authzs) {
        const ch = authz.challenges.find((c) => c.type === 'dns-01');
        assert.ok(ch, 'Pebble offers dns-01');
        const record = { fqdn: `_acme-challenge.${authz.identifier.value}`, value: await client.getChallengeKeyAuthorization(ch), ttl: 60 };
        await dns.present(record);
        presented.push(record);
        challenges.push(ch);
      }
      // Apex and wildcard: two values at the same name, both present at once.
      const fqdn = `_acme-challenge.${ZONE}`;
      assert.deepEqual(presented.map((r) => r.fqdn), [fqdn, fqdn]);
      assert.deepEqual(await digTxt(bindServer, fqdn), presented.map((r) => r.value).sort());

      const r = await waitForTxt(fqdn, presented.map((p) => p.value), {
        startServers: [bindServer],
        nameServerAddresses: { [`ns1.${ZONE}`]: bindServer },
        intervalMs: 100,
        timeoutMs: 10_000,
        onProgress: (p) => progress.push(p),
      });
      assert.equal(r.zone, ZONE);
      assert.equal(progress.at(-1)?.message, '1 of 1 name server sees the record');

      for (const ch of challenges) await client.completeChallenge(ch);
      for (const ch of challenges) await client.waitForValidStatus(ch);
      const [, csr] = await acme.crypto.createCsr({ commonName: ZONE, altNames: names });
      const finalized = await client.finalizeOrder(order, csr);
      const pem = await client.getCertificate(finalized);
      const info = acme.crypto.readCertificateInfo(pem);
      assert.deepEqual([...info.domains.altNames].sort(), [...names].sort());
    } finally {
      for (const rec of presented) await dns.cleanUp(rec);
    }
    assert.deepEqual(await digTxt(bindServer, `_acme-challenge.${ZONE}`), [], 'no TXT record left behind');
  });
});
