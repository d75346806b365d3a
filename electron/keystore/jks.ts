// JKS (Sun's proprietary Java KeyStore) writer. Hand-written because no npm package writes JKS (they read
// it at best) and the format is small and frozen: Java has defaulted to PKCS#12 since 9, but older
// Tomcat/Jetty/WebLogic setups and their runbooks still ask for a .jks file.
//
// File layout (all integers big-endian, strings in Java's "modified UTF-8" with a u16 byte length):
//   u32 magic 0xFEEDFEED, u32 version 2, u32 entry count,
//   per PrivateKeyEntry: u32 tag 1, alias, u64 creation date (ms since 1970), u32 length + protected key,
//                        u32 chain length, per certificate: "X.509", u32 length + DER,
//   20-byte trailer = SHA-1(storePassword as UTF-16BE ‖ "Mighty Aphrodite" ‖ everything before).
// Protected key = DER EncryptedPrivateKeyInfo { algorithm 1.3.6.1.4.1.42.2.17.1.1 (Sun's JKS key
// protector), NULL } whose data is salt(20) ‖ (PKCS#8 XOR keystream) ‖ SHA-1(keyPassword UTF-16BE ‖ PKCS#8),
// keystream = d1 ‖ d2 ‖ ... with d0 = salt, d(i) = SHA-1(keyPassword UTF-16BE ‖ d(i-1)).
// The key protector only sees PKCS#8 bytes, so RSA and EC keys are stored alike.
import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../../shared/ipc/errors.ts';
import { nullValue, octetString, oid, sequence, utf16be } from './der.ts';
import { entryName, prepareInput, validatePassword, type KeystoreInput } from './input.ts';

const JKS_MAGIC = 0xfeedfeed;
const JKS_VERSION = 2;
const TAG_PRIVATE_KEY = 1;
const KEY_PROTECTOR_OID = '1.3.6.1.4.1.42.2.17.1.1';
const INTEGRITY_WHITENER = Buffer.from('Mighty Aphrodite', 'utf8');

/** Java's DataOutput.writeUTF: u16 length, NUL as C0 80, each UTF-16 unit (surrogates too) on its own. */
export function modifiedUtf8(s: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x01 && c <= 0x7f) bytes.push(c);
    else if (c <= 0x7ff) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  if (bytes.length > 0xffff) throw new RangeError('string too long for modified UTF-8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(bytes.length);
  return Buffer.concat([len, Buffer.from(bytes)]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** Sun's JKS key protection of a PKCS#8 PrivateKeyInfo, as DER EncryptedPrivateKeyInfo. */
export function protectKey(pkcs8: Buffer, keyPassword: string, salt: Buffer = randomBytes(20)): Buffer {
  const pw = utf16be(keyPassword);
  const stream = Buffer.alloc(Math.ceil(pkcs8.length / 20) * 20);
  let digest = salt;
  for (let off = 0; off < stream.length; off += 20) {
    digest = createHash('sha1').update(pw).update(digest).digest();
    digest.copy(stream, off);
  }
  const masked = Buffer.alloc(pkcs8.length);
  for (let i = 0; i < pkcs8.length; i++) masked[i] = (pkcs8[i] as number) ^ (stream[i] as number);
  const check = createHash('sha1').update(pw).update(pkcs8).digest();
  return sequence(sequence(oid(KEY_PROTECTOR_OID), nullValue()), octetString(Buffer.concat([salt, masked, check])));
}

/** keytool stores aliases lower-cased (Locale.ENGLISH); JavaScript's toLowerCase is locale-independent too. */
export function jksAlias(name: string): string {
  return name.toLowerCase();
}

export interface JksOptions {
  /** Creation date written into the entry (default: now). */
  date?: Date;
}

/** A JKS keystore with one PrivateKeyEntry (key + leaf + chain). */
export function toJks(input: KeystoreInput, opts: JksOptions = {}): Buffer {
  validatePassword(input.password, 'password');
  const keyPassword = input.keyPassword ?? input.password;
  if (input.keyPassword !== undefined) validatePassword(input.keyPassword, 'keyPassword');
  const p = prepareInput(input);
  const alias = jksAlias(
    entryName(input.alias ?? input.friendlyName, p.commonName, input.alias !== undefined ? 'alias' : 'friendlyName', 'Alias'),
  );
  let aliasBytes: Buffer;
  try {
    aliasBytes = modifiedUtf8(alias);
  } catch {
    throw AppError.invalid('alias', 'Alias is too long.');
  }

  const parts: Buffer[] = [
    u32(JKS_MAGIC),
    u32(JKS_VERSION),
    u32(1),
    u32(TAG_PRIVATE_KEY),
    aliasBytes,
    u64((opts.date ?? new Date()).getTime()),
  ];
  const protectedKey = protectKey(p.pkcs8, keyPassword);
  parts.push(u32(protectedKey.length), protectedKey, u32(p.certsDer.length));
  for (const der of p.certsDer) parts.push(modifiedUtf8('X.509'), u32(der.length), der);

  const body = Buffer.concat(parts);
  const trailer = createHash('sha1').update(utf16be(input.password)).update(INTEGRITY_WHITENER).update(body).digest();
  return Buffer.concat([body, trailer]);
}
