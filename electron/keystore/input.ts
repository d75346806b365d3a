// What every export format starts from: the key, the leaf and its chain, checked once (readable, the key
// belongs to the leaf, the chain is in issuing order) so each writer only has to encode.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { AppError } from '../../shared/ipc/errors.ts';

export interface KeystoreInput {
  /** Unencrypted PKCS#8 PEM (node:crypto's export); PKCS#1/SEC1 PEM is read too. RSA or EC. */
  keyPem: string;
  /** The leaf certificate (exactly one PEM block). */
  certPem: string;
  /** Intermediates, the leaf's issuer first; a root may come last. A string may hold several PEM blocks. */
  chainPems: string[];
  /** PKCS#12 friendlyName (defaults to `alias`, then the leaf's CN or first DNS name). */
  friendlyName?: string;
  /** JKS alias (defaults to `friendlyName`, then the leaf's CN or first DNS name); lower-cased as keytool does. */
  alias?: string;
  /** Store password: PKCS#12 (everything), JKS integrity, encrypted PEM key. */
  password: string;
  /** JKS key password and encrypted PEM key passphrase; defaults to `password`. Not used by PKCS#12. */
  keyPassword?: string;
}

export interface PreparedInput {
  key: KeyObject;
  /** PKCS#8 PrivateKeyInfo DER. */
  pkcs8: Buffer;
  leaf: X509Certificate;
  /** The chain after the leaf, in issuing order. */
  chain: X509Certificate[];
  /** DER of the leaf then the chain. */
  certsDer: Buffer[];
  /** Default display name (leaf CN or first DNS name). */
  commonName: string;
}

export const MIN_PASSWORD_LENGTH = 8;
const MAX_NAME_LENGTH = 255;

/** Throws INVALID_INPUT for an empty or short keystore password. */
export function validatePassword(password: unknown, field: string): asserts password is string {
  if (typeof password !== 'string' || password.length === 0) {
    throw AppError.invalid(field, 'Keystore password is required.', 'Choose a password of at least 8 characters.');
  }
  // keytool itself refuses fewer than 6 characters; 8 leaves a margin and matches common policy.
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw AppError.invalid(field, 'Keystore password is too short: use at least 8 characters.');
  }
}

/** An alias or friendly name: not empty, no control characters, at most 255 characters. */
export function validateEntryName(name: string, field: string, what = 'Alias'): string {
  const trimmed = name.trim();
  if (trimmed.length === 0) throw AppError.invalid(field, `${what} is empty.`, 'Use a short name such as the domain name.');
  if (/\p{Cc}/u.test(trimmed)) {
    throw AppError.invalid(field, `${what} contains control characters (line breaks, tabs, ...).`, 'Use printable characters only.');
  }
  if (trimmed.length > MAX_NAME_LENGTH) throw AppError.invalid(field, `${what} is longer than ${MAX_NAME_LENGTH} characters.`);
  return trimmed;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*?)-----END CERTIFICATE-----/g;

function pemCertBlocks(pem: string): Buffer[] {
  return [...pem.matchAll(CERT_BLOCK)].map((m) => Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'));
}

function parseCert(der: Buffer, field: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (err) {
    throw AppError.invalid(field, `Certificate is not readable (${(err as Error).message}).`);
  }
}

/** The subject CN, else the first DNS name, else ''. */
export function certCommonName(cert: X509Certificate): string {
  for (const line of cert.subject.split('\n')) {
    if (line.startsWith('CN=')) return line.slice(3);
  }
  const dns = /(?:^|,\s*)DNS:([^,]+)/.exec(cert.subjectAltName ?? '');
  return dns?.[1]?.trim() ?? '';
}

export function prepareInput(input: KeystoreInput): PreparedInput {
  if (typeof input.keyPem !== 'string' || !input.keyPem.includes('-----BEGIN')) {
    throw AppError.invalid('keyPem', 'Private key is missing or not PEM.');
  }
  if (/ENCRYPTED/.test(input.keyPem)) {
    throw AppError.invalid('keyPem', 'Private key is encrypted.', 'Pass the unencrypted key; the export encrypts it with the keystore password.');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(input.keyPem);
  } catch (err) {
    throw AppError.invalid('keyPem', `Private key is not readable (${(err as Error).message}).`);
  }
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ec') {
    throw AppError.invalid('keyPem', `Key type ${key.asymmetricKeyType ?? 'unknown'} cannot be exported: only RSA and EC keys are supported.`);
  }

  const leafBlocks = pemCertBlocks(input.certPem ?? '');
  if (leafBlocks.length !== 1) {
    throw AppError.invalid(
      'certPem',
      leafBlocks.length === 0 ? 'Certificate is missing or not PEM.' : `Expected one certificate, found ${leafBlocks.length}.`,
      'Pass the leaf certificate alone and the intermediates as the chain.',
    );
  }
  const leaf = parseCert(leafBlocks[0] as Buffer, 'certPem');
  if (!leaf.checkPrivateKey(key)) {
    throw AppError.invalid('keyPem', 'The private key does not belong to this certificate.');
  }

  const chain: X509Certificate[] = [];
  for (const pem of input.chainPems ?? []) {
    const blocks = pemCertBlocks(pem);
    if (blocks.length === 0) throw AppError.invalid('chainPems', 'A chain entry is not a PEM certificate.');
    for (const der of blocks) chain.push(parseCert(der, 'chainPems'));
  }
  const all = [leaf, ...chain];
  for (let i = 0; i + 1 < all.length; i++) {
    const child = all[i] as X509Certificate;
    const parent = all[i + 1] as X509Certificate;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      throw AppError.invalid(
        'chainPems',
        `Chain is out of order: certificate ${i + 1} ("${parent.subject.replace(/\n/g, ', ')}") did not issue "${child.subject.replace(/\n/g, ', ')}".`,
        "List the leaf's issuer first, then each issuer's issuer.",
      );
    }
  }

  return {
    key,
    pkcs8: key.export({ type: 'pkcs8', format: 'der' }),
    leaf,
    chain,
    certsDer: all.map((c) => c.raw),
    commonName: certCommonName(leaf),
  };
}

/** The name to give the entry: the explicit one (validated), else the leaf's CN, else "certificate". */
export function entryName(explicit: string | undefined, fallback: string, field: string, what: string): string {
  if (explicit !== undefined) return validateEntryName(explicit, field, what);
  const cleaned = fallback.replace(/\p{Cc}/gu, '').trim().slice(0, MAX_NAME_LENGTH);
  return cleaned || 'certificate';
}

/** PEM text of one DER block: 64-character lines, LF, trailing newline. */
export function toPem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
