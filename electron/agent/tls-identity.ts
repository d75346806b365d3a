// The agent's own TLS identity: an ECDSA P-256 key and a self-signed certificate made at first start (20 years,
// CN = host name, SANs host name / localhost / 127.0.0.1). Certdesk never trusts it through a CA: it pins the
// certificate's SHA-256 fingerprint at pairing, so the certificate only has to be stable and well-formed.
// @peculiar/x509 over node:crypto's WebCrypto: pure JavaScript, so the agent bundle needs no native module.
import { X509Certificate, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { certFingerprint } from './protocol.ts';

export interface TlsIdentity {
  /** PKCS#8 PEM. */
  keyPem: string;
  certPem: string;
  /** `SHA256:...` of the certificate's DER (protocol.certFingerprint). */
  fingerprint: string;
}

const YEAR_MS = 365.25 * 86400_000;

/** A DNS name usable as CN and SAN: the host name as given when it is one, else `certdesk-agent`. */
export function certHostName(hostname: string): string {
  const h = hostname.trim().toLowerCase();
  return /^[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))*$/.test(h) && h.length <= 253 ? h : 'certdesk-agent';
}

export async function createTlsIdentity(hostname: string, now = new Date()): Promise<TlsIdentity> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const host = certHostName(hostname);
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x10; // positive, and no leading zero byte to strip
  const names: { type: 'dns' | 'ip'; value: string }[] = [{ type: 'dns', value: host }];
  if (host !== 'localhost') names.push({ type: 'dns', value: 'localhost' });
  names.push({ type: 'ip', value: '127.0.0.1' });
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: `CN=${host}, O=Certdesk agent`,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + 20 * YEAR_MS),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
  const certPem = cert.toString('pem');
  return { keyPem, certPem, fingerprint: pemFingerprint(certPem) };
}

/** The fingerprint of a PEM certificate as pairing shows it. */
export function pemFingerprint(certPem: string): string {
  return certFingerprint(new X509Certificate(certPem).raw);
}
