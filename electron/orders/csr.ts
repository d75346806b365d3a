// CSRs (PKCS#10, RFC 2986) written by hand in DER and signed with node:crypto, so that the signature algorithm is
// the one the user chose (acme-client's helper always signs with SHA-256). No EKU and no must-staple: Let's Encrypt
// refuses or ignores both.
//
// Why by hand: a CSR for ACME is one fixed shape (version 0, an optional CN, the public key as node:crypto exports
// it, one extension request holding the subjectAltName, the signature), about 60 lines of DER. @peculiar/x509,
// which built it before, brings tsyringe, reflect-metadata, asn1js and the ASN.1 schemas with it: evaluating them
// cost ~10 ms of CPU in every `request verify` process (issue 11, scripted issuance), more than all the rest of
// this file's work. The output has the same structure as @peculiar/x509's (test/unit/csr.test.ts checks it with
// openssl and against node:crypto's own verification).
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { AppError } from '../../shared/ipc/errors.ts';
import type { SignatureAlgorithm } from '../../shared/model/request.ts';

// ---------------------------------------------------------------- DER

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

const seq = (...c: Buffer[]) => tlv(0x30, ...c);
const set = (...c: Buffer[]) => tlv(0x31, ...c);

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const b: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) b.unshift(0x80 | (v & 0x7f));
    out.push(...b);
  }
  return tlv(0x06, Buffer.from(out));
}

/** PrintableString when every character allows it (as @peculiar/x509 and OpenSSL choose), else UTF8String. */
function directoryString(text: string): Buffer {
  return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text) ? tlv(0x13, Buffer.from(text, 'ascii')) : tlv(0x0c, Buffer.from(text, 'utf8'));
}

// ---------------------------------------------------------------- algorithms

const OID_COMMON_NAME = '2.5.4.3';
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';

/** The hash and the AlgorithmIdentifier of the signature (RFC 4055 §5 for RSA with its NULL, RFC 5758 §3.2 for ECDSA). */
function signatureAlgorithm(sig: SignatureAlgorithm, keyType: string): { hash: string; id: Buffer } {
  const bits = sig.startsWith('SHA384') ? 384 : sig.startsWith('SHA512') ? 512 : 256;
  if (keyType === 'ec') {
    if (bits === 512) throw AppError.invalid('signatureAlgorithm', 'SHA-512 with ECDSA is not offered.');
    return { hash: `sha${bits}`, id: seq(oid(`1.2.840.10045.4.3.${bits === 256 ? 2 : 3}`)) };
  }
  if (keyType !== 'rsa') throw AppError.invalid('key', `A ${keyType} key cannot sign a certificate request here: use RSA or ECDSA.`);
  const suffix = bits === 256 ? 11 : bits === 384 ? 12 : 13;
  return { hash: `sha${bits}`, id: seq(oid(`1.2.840.113549.1.1.${suffix}`), Buffer.from([0x05, 0x00])) };
}

/** Builds a PEM CSR for `names` (ASCII), the first as common name unless `noCommonName` (tlsserver profile). */
export async function createCsr(keyPem: string, names: string[], sig: SignatureAlgorithm, opts: { noCommonName?: boolean } = {}): Promise<string> {
  const key = createPrivateKey(keyPem);
  const { hash, id } = signatureAlgorithm(sig, key.asymmetricKeyType ?? '');
  const first = names[0] ?? '';
  // A CN is limited to 64 characters; longer first names go in the SAN only.
  const subject = !opts.noCommonName && first.length <= 64 && first !== '' ? seq(set(seq(oid(OID_COMMON_NAME), directoryString(first)))) : seq();
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  // GeneralNames: each a dNSName, [2] IMPLICIT IA5String.
  const san = seq(...names.map((n) => tlv(0x82, Buffer.from(n, 'ascii'))));
  const extensions = seq(seq(oid(OID_SUBJECT_ALT_NAME), tlv(0x04, san)));
  // attributes [0] IMPLICIT SET OF Attribute: one extensionRequest.
  const attributes = tlv(0xa0, seq(oid(OID_EXTENSION_REQUEST), set(extensions)));
  const info = seq(Buffer.from([0x02, 0x01, 0x00]), subject, spki, attributes);
  // ECDSA signatures come out DER-encoded (Ecdsa-Sig-Value), as PKCS#10 wants them; RSA uses PKCS#1 v1.5 padding.
  const signature = sign(hash, info, key);
  const der = seq(info, id, tlv(0x03, Buffer.from([0x00]), signature));
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${b64}\n-----END CERTIFICATE REQUEST-----\n`;
}

/** The DER of a PEM block, base64url-encoded (the `csr` field of an ACME finalize request, RFC 8555 §7.4). */
export function pemBodyBase64Url(pem: string): string {
  const m = /-----BEGIN [A-Z0-9 ]+-----([\s\S]*?)-----END [A-Z0-9 ]+-----/.exec(pem);
  if (!m) throw new AppError('INTERNAL', 'The certificate request is not a PEM block.');
  return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64').toString('base64url');
}
