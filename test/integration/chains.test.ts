// Preferred chain: when the CA offers alternate chains (Pebble with an alternate root), the request's
// "preferred chain" (an issuer common name) picks the one that is downloaded and exported.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { startApp, type TestApp } from '../helpers/app.ts';
import { exportPem } from '../helpers/certs.ts';
import { Http01Server } from '../helpers/challenges.ts';
import { startExtraPebble, type ExtraPebble } from '../helpers/pebble-extra.ts';

function get(url: string, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

const cnOf = (pem: string) => new X509Certificate(pem).subject.split('\n').find((l) => l.startsWith('CN='))!.slice(3);
const chainIssuers = (pem: string) =>
  (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((b) => new X509Certificate(b).issuer.split('\n').find((l) => l.startsWith('CN='))!.slice(3));

describe('preferred chain', () => {
  let ca: ExtraPebble;
  let t: TestApp;
  let http: Http01Server;
  before(async () => {
    ca = await startExtraPebble({ name: 'pebble-altroots', alternateRoots: 1 });
    http = await new Http01Server().start(ca.httpPort);
    t = await startApp();
    await t.call('accounts:register', { name: 'Chains', email: 'c@example.test', directory: ca.directoryUrl, caFile: ca.caFile, agreeTos: true });
  });
  after(async () => {
    await t?.close();
    await http?.stop();
    await ca?.stop();
  });

  it('downloads the default chain without a preference and the alternate one when preferred', async () => {
    const caPem = readFileSync(ca.caFile);
    const root0 = cnOf(await get(`${ca.mgmtUrl}/roots/0`, caPem));
    const root1 = cnOf(await get(`${ca.mgmtUrl}/roots/1`, caPem));
    assert.notEqual(root0, root1);

    const plain = await t.call('requests:create', { domains: [`chain-a-${Date.now()}.example.test`], challengeType: 'http-01', key: 'ec-p256' });
    http.serve(plain);
    await t.call('requests:verify', { id: plain.id });
    const defaultIssuers = chainIssuers((await exportPem(t, plain.id)).fullchain);
    assert.ok(defaultIssuers.includes(root0), `default chain ends at ${root0}: ${defaultIssuers}`);

    const preferred = await t.call('requests:create', {
      domains: [`chain-b-${Date.now()}.example.test`],
      challengeType: 'http-01',
      key: 'ec-p256',
      preferredChain: root1,
    });
    http.serve(preferred);
    const v = await t.call('requests:verify', { id: preferred.id });
    assert.equal(v.preferredChain, root1);
    const issuers = chainIssuers((await exportPem(t, preferred.id)).fullchain);
    assert.ok(issuers.includes(root1), `preferred chain ends at ${root1}: ${issuers}`);
    assert.ok(!issuers.includes(root0));
  });
});
