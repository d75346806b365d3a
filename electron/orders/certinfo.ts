// Reads what people and the repository need from an issued certificate.
import { createHash, X509Certificate } from 'node:crypto';
import type { CertificateSummary } from '../../shared/model/request.ts';

export function splitPem(chain: string): string[] {
  return chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((b) => b + '\n') ?? [];
}

function cnOf(dn: string): string {
  const cn = dn.split('\n').find((l) => l.startsWith('CN='));
  return cn ? cn.slice(3) : dn.replace(/\n/g, ', ');
}

export function summarize(leafPem: string): CertificateSummary {
  const c = new X509Certificate(leafPem);
  const names = (c.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
  const pub = c.publicKey;
  const d = pub.asymmetricKeyDetails ?? {};
  const keyType =
    pub.asymmetricKeyType === 'rsa'
      ? `rsa-${d.modulusLength}`
      : pub.asymmetricKeyType === 'ec'
        ? ({ prime256v1: 'ec-p256', secp384r1: 'ec-p384' } as Record<string, string>)[d.namedCurve ?? ''] ?? `ec-${d.namedCurve}`
        : String(pub.asymmetricKeyType);
  return {
    serial: c.serialNumber.toUpperCase(),
    issuer: cnOf(c.issuer),
    notBefore: new Date(c.validFrom).toISOString(),
    notAfter: new Date(c.validTo).toISOString(),
    sha256: c.fingerprint256,
    sha1: c.fingerprint,
    names,
    keyType,
  };
}

export function daysLeft(notAfter: string, now: Date): number {
  return Math.floor((Date.parse(notAfter) - now.getTime()) / 86_400_000);
}

export function publicKeyDer(pemOrCert: string): Buffer {
  return new X509Certificate(pemOrCert).publicKey.export({ format: 'der', type: 'spki' }) as Buffer;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
