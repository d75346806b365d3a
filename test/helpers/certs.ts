// Reads issued certificates and keys the way an administrator's tools would.
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestApp } from './app.ts';
import { tempDir } from './bed.ts';

export function leafOf(pemChain: string): X509Certificate {
  const first = pemChain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0];
  if (!first) throw new Error('no certificate in PEM');
  return new X509Certificate(first);
}

export function sansOf(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '').split(', ').filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4)).sort();
}

export function spkiOf(keyOrCert: string | X509Certificate): Buffer {
  const pub = typeof keyOrCert === 'string' ? createPublicKey(createPrivateKey(keyOrCert)) : keyOrCert.publicKey;
  return pub.export({ format: 'der', type: 'spki' }) as Buffer;
}

export function keyTypeOf(cert: X509Certificate): string {
  const pub = cert.publicKey;
  const d = pub.asymmetricKeyDetails ?? {};
  if (pub.asymmetricKeyType === 'rsa') return `rsa-${d.modulusLength}`;
  return ({ prime256v1: 'ec-p256', secp384r1: 'ec-p384' } as Record<string, string>)[d.namedCurve ?? ''] ?? String(d.namedCurve);
}

/** Exports an issued request's certificate + key as PEM files and reads them back. */
export async function exportPem(t: TestApp, id: string): Promise<{ cert: string; chain: string; fullchain: string; key: string; dir: string }> {
  const dir = join(tempDir('pem'), 'out');
  await t.call('certs:export', { id, format: 'pem', out: dir });
  const read = (n: string) => readFileSync(join(dir, n), 'utf8');
  return { cert: read('cert.pem'), chain: read('chain.pem'), fullchain: read('fullchain.pem'), key: read('privkey.pem'), dir };
}
