// dns-01 end to end through Azure DNS: the real @azure/identity + @azure/arm-dns clients talk to the local fake
// of Entra ID and Resource Manager (HTTPS, throwaway CA trusted by that client only), the fake writes the record
// sets into the bed's BIND, and a Pebble that resolves through BIND issues `example.test` + `*.example.test`
// (two TXT values in one Azure record set at the same time). The records are gone afterwards, in "Azure" and
// in BIND.
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import acme from 'acme-client';
import { waitForTxt } from '../../electron/dns/propagation.ts';
import type { DnsRecord } from '../../electron/dns/types.ts';
import { bedEnv } from '../helpers/bed.ts';
import { digTxt } from '../helpers/dns-tools.ts';
import { azureProvider, startBedAzureFake } from '../helpers/fakes/azure.ts';

const BIND_PORT = Number(bedEnv('BIND_PORT'));
const ZONE = bedEnv('BIND_ZONE');
const bindServer = `127.0.0.1:${BIND_PORT}`;

interface PebbleModule {
  startPebble(o: { workDir: string; dnsPort: number; name: string }): Promise<{ directoryUrl: string; caFile: string; stop(): Promise<void> }>;
}

describe('dns-01 through Azure DNS (fake Azure writing into BIND), validated by Pebble resolving through BIND', () => {
  let pebble: Awaited<ReturnType<PebbleModule['startPebble']>>;
  let fake: Awaited<ReturnType<typeof startBedAzureFake>>;

  before(async () => {
    fake = await startBedAzureFake({ pageSize: 2 });
    const mod = (await import('../bed/pebble.mjs' as string)) as PebbleModule;
    pebble = await mod.startPebble({ workDir: bedEnv('BED_WORK_DIR'), dnsPort: BIND_PORT, name: `pebble-dns-azure-${process.pid}` });
    acme.axios.defaults.httpsAgent = new https.Agent({ ca: readFileSync(pebble.caFile, 'utf8') });
  });
  after(async () => {
    await pebble?.stop();
    await fake?.stop();
  });

  it(`issues ${ZONE} + *.${ZONE} with no manual step and leaves no TXT record behind`, async () => {
    const dns = azureProvider(fake);
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

    const fqdn = `_acme-challenge.${ZONE}`;
    const presented: DnsRecord[] = [];
    try {
      const challenges = [];
      const records: DnsRecord[] = [];
      for (const authz of authzs) {
        const ch = authz.challenges.find((c) => c.type === 'dns-01');
        assert.ok(ch, 'Pebble offers dns-01');
        records.push({ fqdn: `_acme-challenge.${authz.identifier.value}`, value: await client.getChallengeKeyAuthorization(ch), ttl: 60 });
        challenges.push(ch);
      }
      // Apex and wildcard at the same moment: one Azure record set, replaced whole, must end up with both.
      await Promise.all(records.map((r) => dns.present(r).then(() => presented.push(r))));
      const values = records.map((r) => r.value).sort();
      assert.deepEqual(fake.txt(ZONE, '_acme-challenge'), values, 'Azure holds both values in one record set');
      assert.deepEqual(await digTxt(bindServer, fqdn), values, 'BIND serves both values');
      const writes = fake.requests.filter((r) => r.service === 'arm' && r.method === 'PUT');
      assert.equal(writes.length, 2);
      assert.equal(writes[0]!.ifNoneMatch, '*', 'the record set is created only if absent');
      assert.ok(writes[1]!.ifMatch, 'the second value is added on top of the etag just read');
      assert.ok(writes.every((w) => w.status < 300), 'serialised: no write was refused with 412');

      const r = await waitForTxt(fqdn, values, {
        startServers: [bindServer],
        nameServerAddresses: { [`ns1.${ZONE}`]: bindServer },
        intervalMs: 100,
        timeoutMs: 10_000,
      });
      assert.equal(r.zone, ZONE);

      for (const ch of challenges) await client.completeChallenge(ch);
      for (const ch of challenges) await client.waitForValidStatus(ch);
      const [, csr] = await acme.crypto.createCsr({ commonName: ZONE, altNames: names });
      const finalized = await client.finalizeOrder(order, csr);
      const pem = await client.getCertificate(finalized);
      const info = acme.crypto.readCertificateInfo(pem);
      assert.deepEqual([...info.domains.altNames].sort(), [...names].sort());
    } finally {
      await Promise.all(presented.map((rec) => dns.cleanUp(rec)));
    }
    assert.deepEqual(fake.txt(ZONE, '_acme-challenge'), [], 'the record set is gone in Azure');
    assert.deepEqual(await digTxt(bindServer, fqdn), [], 'no TXT record left behind in BIND');
    const del = fake.requests.filter((q) => q.service === 'arm' && q.method === 'DELETE');
    assert.equal(del.length, 1, 'the last value removed deletes the record set, once');
    assert.ok(del[0]!.ifMatch, 'the delete is conditional on the etag just read');
  });
});
