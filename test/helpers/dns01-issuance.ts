// dns-01 end to end with any DNS provider, the one issuance flow of the DNS tests: a Pebble of its own that
// resolves through the bed's BIND orders `example.test` + `*.example.test` (two TXT values at one name at the
// same time), the provider presents both values, the propagation check gates the CA, the certificate is
// issued, every record is cleaned up and BIND serves none. Plain acme-client drives the order; the solver seam
// does it in the app. Each dns-issuance*.test.ts calls dns01IssuanceThrough() with its provider.
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import acme from 'acme-client';
import { waitForTxt, type PropagationProgress } from '../../electron/dns/propagation.ts';
import type { DnsProvider, DnsRecord } from '../../electron/dns/types.ts';
import { bedEnv } from './bed.ts';
import { digTxt } from './dns-tools.ts';

interface PebbleModule {
  startPebble(o: { workDir: string; dnsPort: number; name: string }): Promise<{ directoryUrl: string; caFile: string; stop(): Promise<void> }>;
}

export interface IssuanceCase {
  /** Suite title. */
  title: string;
  /** Short name for the Pebble instance (e.g. the provider id). */
  label: string;
  /** Starts what the provider talks to (e.g. the vendor's fake); run before Pebble starts. */
  start?(): Promise<void>;
  /** Stops it; run after Pebble stops. */
  stop?(): Promise<void>;
  provider(): DnsProvider;
  /** How the two values are presented: at the same moment (default) or one after the other. */
  present?: 'together' | 'one-by-one';
  /** How they are cleaned up: one after the other (default) or at the same moment. */
  cleanUp?: 'one-by-one' | 'together';
  /** Extra checks while both values are presented (sorted), before the CA is asked to validate. */
  whilePresented?(values: string[]): Promise<void> | void;
  /** Extra checks after issuance and cleanUp (e.g. what the fake API was asked, what it still holds). */
  afterIssued?(): Promise<void> | void;
}

export function dns01IssuanceThrough(c: IssuanceCase): void {
  const BIND_PORT = Number(bedEnv('BIND_PORT'));
  const ZONE = bedEnv('BIND_ZONE');
  const bindServer = `127.0.0.1:${BIND_PORT}`;

  describe(c.title, () => {
    let pebble: Awaited<ReturnType<PebbleModule['startPebble']>>;
    before(async () => {
      await c.start?.();
      const mod = (await import('../bed/pebble.mjs' as string)) as PebbleModule;
      pebble = await mod.startPebble({ workDir: bedEnv('BED_WORK_DIR'), dnsPort: BIND_PORT, name: `pebble-dns-${c.label}-${process.pid}` });
      acme.axios.defaults.httpsAgent = new https.Agent({ ca: readFileSync(pebble.caFile, 'utf8') });
    });
    after(async () => {
      await pebble?.stop();
      await c.stop?.();
    });

    it(`issues ${ZONE} + *.${ZONE} with no manual step and leaves no TXT record behind`, async () => {
      const dns = c.provider();
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
      const progress: PropagationProgress[] = [];
      try {
        const challenges = [];
        const records: DnsRecord[] = [];
        for (const authz of authzs) {
          const ch = authz.challenges.find((x) => x.type === 'dns-01');
          assert.ok(ch, 'Pebble offers dns-01');
          records.push({ fqdn: `_acme-challenge.${authz.identifier.value}`, value: await client.getChallengeKeyAuthorization(ch), ttl: 60 });
          challenges.push(ch);
        }
        // Apex and wildcard: two values at one name, both present at once.
        if (c.present === 'one-by-one') {
          for (const r of records) {
            await dns.present(r);
            presented.push(r);
          }
        } else {
          await Promise.all(records.map(async (r) => {
            await dns.present(r);
            presented.push(r);
          }));
        }
        assert.deepEqual(presented.map((r) => r.fqdn), [fqdn, fqdn]);
        const values = records.map((r) => r.value).sort();
        assert.deepEqual(await digTxt(bindServer, fqdn), values);
        await c.whilePresented?.(values);

        const r = await waitForTxt(fqdn, values, {
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
        const info = acme.crypto.readCertificateInfo(await client.getCertificate(finalized));
        assert.deepEqual([...info.domains.altNames].sort(), [...names].sort());
      } finally {
        if (c.cleanUp === 'together') await Promise.all(presented.map((rec) => dns.cleanUp(rec)));
        else for (const rec of presented) await dns.cleanUp(rec);
      }
      assert.deepEqual(await digTxt(bindServer, fqdn), [], 'no TXT record left behind');
      await c.afterIssued?.();
    });
  });
}
