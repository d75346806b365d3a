// dns-01 end to end with any DNS provider (the pattern of test/integration/dns-issuance.test.ts): a Pebble
// that resolves through the bed's BIND orders `example.test` + `*.example.test` (two TXT values at one name at
// the same time), the provider presents the records, the propagation check gates the CA, the certificate is
// issued, and every record is cleaned up.
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import acme from 'acme-client';
import { waitForTxt, type PropagationProgress } from '../../electron/dns/propagation.ts';
import type { DnsProvider, DnsRecord } from '../../electron/dns/types.ts';
import { bedEnv } from './bed.ts';
import { digTxt } from './dns-tools.ts';

interface PebbleModule {
  startPebble(o: { workDir: string; dnsPort: number; name: string }): Promise<{ directoryUrl: string; caFile: string; stop(): Promise<void> }>;
}

export type DnsPebble = Awaited<ReturnType<PebbleModule['startPebble']>>;

/** A Pebble of its own that resolves through the bed's BIND. */
export async function startDnsPebble(label: string): Promise<DnsPebble> {
  const mod = (await import('../bed/pebble.mjs' as string)) as PebbleModule;
  const pebble = await mod.startPebble({ workDir: bedEnv('BED_WORK_DIR'), dnsPort: Number(bedEnv('BIND_PORT')), name: `pebble-dns-${label}-${process.pid}` });
  acme.axios.defaults.httpsAgent = new https.Agent({ ca: readFileSync(pebble.caFile, 'utf8') });
  return pebble;
}

/** Issues ZONE + *.ZONE through `dns`; asserts both values were visible at once and nothing is left behind. */
export async function issueApexAndWildcard(pebble: DnsPebble, dns: DnsProvider): Promise<void> {
  const ZONE = bedEnv('BIND_ZONE');
  const bindServer = `127.0.0.1:${bedEnv('BIND_PORT')}`;
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
    const records: DnsRecord[] = [];
    for (const authz of authzs) {
      const ch = authz.challenges.find((c) => c.type === 'dns-01');
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
}
