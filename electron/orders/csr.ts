// CSRs built with @peculiar/x509 so that the signature algorithm is the one the user chose (acme-client's
// helper always signs with SHA-256). No EKU and no must-staple: Let's Encrypt refuses or ignores both.
import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';
import type { SignatureAlgorithm } from '../../shared/model/request.ts';

// Loaded with the first CSR: @peculiar/x509 (with tsyringe, reflect-metadata and the ASN.1 schemas) is large, and
// most commands never build a CSR.
let x509Lib: Promise<typeof X509> | null = null;
function loadX509(): Promise<typeof X509> {
  x509Lib ??= import('@peculiar/x509').then((m) => {
    m.cryptoProvider.set(webcrypto as never);
    return m;
  });
  return x509Lib;
}

function algorithms(sig: SignatureAlgorithm, keyType: string, curve?: string) {
  const hash = sig.startsWith('SHA384') ? 'SHA-384' : sig.startsWith('SHA512') ? 'SHA-512' : 'SHA-256';
  if (keyType === 'ec') {
    const namedCurve = curve === 'secp384r1' ? 'P-384' : 'P-256';
    return { importAlg: { name: 'ECDSA', namedCurve }, signAlg: { name: 'ECDSA', hash } };
  }
  return {
    importAlg: { name: 'RSASSA-PKCS1-v1_5', hash },
    signAlg: { name: 'RSASSA-PKCS1-v1_5', hash },
  };
}

/** Builds a PEM CSR for `names` (ASCII), the first as common name unless `noCommonName` (tlsserver profile). */
export async function createCsr(keyPem: string, names: string[], sig: SignatureAlgorithm, opts: { noCommonName?: boolean } = {}): Promise<string> {
  const x509 = await loadX509();
  const key = createPrivateKey(keyPem);
  const { importAlg, signAlg } = algorithms(sig, key.asymmetricKeyType ?? '', key.asymmetricKeyDetails?.namedCurve);
  const subtle = webcrypto.subtle;
  const privateKey = await subtle.importKey('pkcs8', key.export({ format: 'der', type: 'pkcs8' }), importAlg, false, ['sign']);
  const publicKey = await subtle.importKey('spki', createPublicKey(key).export({ format: 'der', type: 'spki' }), importAlg, true, ['verify']);
  const first = names[0] ?? '';
  // A CN is limited to 64 characters; longer first names go in the SAN only.
  const cn = !opts.noCommonName && first.length <= 64 ? `CN=${first}` : '';
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    ...(cn ? { name: cn } : {}),
    keys: { privateKey, publicKey } as never,
    signingAlgorithm: signAlg,
    extensions: [new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: 'dns' as const, value: n })))],
  });
  return csr.toString('pem');
}
