// electron/orders/csr.ts writes PKCS#10 requests by hand (DER): OpenSSL must read and verify them, and they must
// say exactly what the request asks for (names, CN or none, key, signature algorithm), for RSA and ECDSA keys.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { createCsr, pemBodyBase64Url } from '../../electron/orders/csr.ts';
import type { SignatureAlgorithm } from '../../shared/model/request.ts';

function openssl(args: string[], input: string): string {
  const r = spawnSync('openssl', args, { input, encoding: 'utf8' });
  assert.equal(r.status, 0, `openssl ${args.join(' ')}: ${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

describe('CSR (hand-written PKCS#10)', () => {
  const cases: [string, string, SignatureAlgorithm, RegExp][] = [
    ['RSA', rsa, 'SHA256withRSA', /sha256WithRSAEncryption/],
    ['RSA', rsa, 'SHA384withRSA', /sha384WithRSAEncryption/],
    ['RSA', rsa, 'SHA512withRSA', /sha512WithRSAEncryption/],
    ['P-256', p256, 'SHA256withECDSA', /ecdsa-with-SHA256/],
    ['P-384', p384, 'SHA384withECDSA', /ecdsa-with-SHA384/],
  ];
  for (const [label, key, sig, algo] of cases) {
    it(`${label} ${sig}: OpenSSL verifies it; CN, SANs, key and algorithm are the request's`, async () => {
      const names = ['www.example.test', 'example.test', 'a-long-label.sub.example.test'];
      const pem = await createCsr(key, names, sig);
      assert.match(pem, /^-----BEGIN CERTIFICATE REQUEST-----\n([A-Za-z0-9+/=]{64}\n)*[A-Za-z0-9+/=]{1,64}\n-----END CERTIFICATE REQUEST-----\n$/);
      const text = openssl(['req', '-noout', '-verify', '-text'], pem);
      assert.match(text, /verify OK/);
      assert.match(text, /Subject: CN\s?=\s?www\.example\.test/);
      assert.match(text, /DNS:www\.example\.test, DNS:example\.test, DNS:a-long-label\.sub\.example\.test/);
      assert.match(text, new RegExp(`Signature Algorithm: ${algo.source}`));
      assert.doesNotMatch(text, /Extended Key Usage|TLS Feature|1\.3\.6\.1\.5\.5\.7\.1\.24/, 'no EKU, no must-staple');
      // The public key in the CSR is the request key's.
      const pub = openssl(['req', '-noout', '-pubkey'], pem);
      assert.equal(createPublicKey(pub).export({ format: 'pem', type: 'spki' }), createPublicKey(key).export({ format: 'pem', type: 'spki' }));
    });
  }

  it('no CN for the tlsserver profile, nor for a first name longer than 64 characters (SAN only)', async () => {
    for (const [names, opts] of [
      [['a.example.test'], { noCommonName: true }],
      [[`${'x'.repeat(60)}.example.test`, 'b.example.test'], {}],
    ] as const) {
      const text = openssl(['req', '-noout', '-verify', '-text'], await createCsr(rsa, [...names], 'SHA256withRSA', opts));
      assert.match(text, /verify OK/);
      assert.match(text, /Subject:\s*\n/);
      for (const n of names) assert.match(text, new RegExp(`DNS:${n.replace(/\./g, '\\.')}`));
    }
  });

  it('a wildcard CN (not a PrintableString character) is a UTF8String; 100 names fit (long DER lengths)', async () => {
    const names = ['*.example.test', ...Array.from({ length: 99 }, (_, i) => `host-${i}.example.test`)];
    const pem = await createCsr(p256, names, 'SHA256withECDSA');
    const parsed = openssl(['asn1parse'], pem);
    assert.match(parsed, /UTF8STRING\s*:\*\.example\.test/);
    const text = openssl(['req', '-noout', '-verify', '-text'], pem);
    assert.match(text, /verify OK/);
    assert.match(text, /DNS:host-98\.example\.test/);
  });

  it('pemBodyBase64Url is the DER of the PEM block, base64url (the finalize request field)', async () => {
    const pem = await createCsr(rsa, ['a.example.test'], 'SHA256withRSA');
    const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    assert.equal(pemBodyBase64Url(pem), der.toString('base64url'));
    assert.throws(() => pemBodyBase64Url('not a pem'));
  });
});
