// Account keys: generated with node:crypto (native and fast), described and thumbprinted for display.
import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { AppError } from '../../shared/ipc/errors.ts';

export function generateAccountKey(): string {
  // P-256 (ES256): small JWS, accepted by every ACME CA; RFC 8555 requires ES256 or RS256 support.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export function parsePrivateKey(pem: string, field: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw AppError.invalid(
      field,
      `Account key is not a readable private key (${(err as Error).message}).`,
      'Use the PEM file Certdesk exported (BEGIN PRIVATE KEY, BEGIN EC PRIVATE KEY or BEGIN RSA PRIVATE KEY), not encrypted.',
    );
  }
  const alg = keyAlgorithm(key);
  if (!/^(rsa-(2048|3072|4096)|ec-p(256|384|521))$/.test(alg)) {
    throw AppError.invalid(field, `Account key type ${alg} is not usable with ACME.`, 'Use an RSA (2048–4096 bit) or EC P-256/P-384 key.');
  }
  return key;
}

export function keyAlgorithm(key: KeyObject): string {
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return `rsa-${d.modulusLength ?? '?'}`;
  if (key.asymmetricKeyType === 'ec') {
    const curve = { prime256v1: 'p256', secp384r1: 'p384', secp521r1: 'p521' }[d.namedCurve ?? ''] ?? d.namedCurve;
    return `ec-${curve}`;
  }
  return key.asymmetricKeyType ?? 'unknown';
}

/** RFC 7638 JWK thumbprint (base64url SHA-256 of the required members in lexicographic order). */
export function jwkThumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>;
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: 'EC', x: jwk.x, y: jwk.y } : { e: jwk.e, kty: 'RSA', n: jwk.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

export function toPkcs8Pem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}
