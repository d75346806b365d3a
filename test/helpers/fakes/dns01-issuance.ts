// dns-01 end to end through a cloud provider (dns-issuance.test.ts's pattern, shared by the per-provider
// issuance tests): a Pebble that resolves through the bed's BIND issues `example.test` + `*.example.test`
// while the provider (its real client against the vendor's fake API, which writes into BIND) presents the
// two values at `_acme-challenge.example.test`; the propagation check gates the CA; the records are gone
// afterwards.
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import acme from 'acme-client';
import { waitForTxt } from '../../../electron/dns/propagation.ts';
import type { DnsProvider, DnsRecord } from '../../../electron/dns/types.ts';
import { bedEnv } from '../bed.ts';
import { digTxt } from '../dns-tools.ts';

interface PebbleModule {
  startPebble(o: { workDir: string; dnsPort: number; name: string }): Promise<{ directoryUrl: string; caFile: string; stop(): Promise<void> }>;
}

export interface IssuanceCase {
  title: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  provider(): DnsProvider;
  /** Extra checks after issuance (e.g. what the fake API was asked). */
  afterIssued?(): void;
}

export function dns01IssuanceThrough(c: IssuanceCase): void {
  const BIND_PORT = Number(bedEnv('BIND_PORT'));
  const ZONE = bedEnv('BIND_ZONE');
  const bindServer = `127.0.0.1:${BIND_PORT}`;

  describe(c.title, () => {
    let pebble: Awaited<ReturnType<PebbleModule['startPebble']>>;
    before(async () => {
      await c.start();
      const mod = (await import('../../bed/pebble.mjs' as string)) as PebbleModule;
      pebble = await mod.startPebble({ workDir: bedEnv('BED_WORK_DIR'), dnsPort: BIND_PORT, name: `pebble-dns-${process.pid}` });
      acme.axios.defaults.httpsAgent = new https.Agent({ ca: readFileSync(pebble.caFile, 'utf8') });
    });
    after(async () => {
      await pebble?.stop();
      await c.stop();
    });

    it(`issues ${ZONE} + *.${ZONE} with no manual step and leaves no TXT record behind`, async () => {
      const dns = c.provider();
      const client = new acme.Client({ directoryUrl: pebble.directoryUrl, accountKey: await acme.crypto.createPrivateKey(2048), backoffMin: 100, backoffMax: 500 });
      await client.createAccount({ termsOfServiceAgreed: true });
      const names = [ZONE, `*.${ZONE}`];
      const order = await client.createOrder({ identifiers: names.map((value) => ({ type: 'dns', value })) });
      const authzs = await client.getAuthorizations(order);
      assert.equal(authzs.length, 2);
      const presented: DnsRecord[] = [];
      try {
        const challenges = [];
        const records: DnsRecord[] = [];
        for (const authz of authzs) {
          const ch = authz.challenges.find((x) => x.type === 'dns-01');
          assert.ok(ch, 'Pebble offers dns-01');
          records.push({ fqdn: `_acme-challenge.${authz.identifier.value}`, value: await client.getChallengeKeyAuthorization(ch), ttl: 60 });
          challenges.push(ch);
        }
        // Apex and wildcard: two values at one name, presented at the same moment.
        await Promise.all(records.map(async (r) => {
          await dns.present(r);
          presented.push(r);
        }));
        const fqdn = `_acme-challenge.${ZONE}`;
        assert.deepEqual(await digTxt(bindServer, fqdn), records.map((r) => r.value).sort());
        const r = await waitForTxt(fqdn, records.map((p) => p.value), {
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
        const info = acme.crypto.readCertificateInfo(await client.getCertificate(finalized));
        assert.deepEqual([...info.domains.altNames].sort(), [...names].sort());
      } finally {
        for (const rec of presented) await dns.cleanUp(rec);
      }
      assert.deepEqual(await digTxt(bindServer, `_acme-challenge.${ZONE}`), [], 'no TXT record left behind');
      c.afterIssued?.();
    });
  });
}
