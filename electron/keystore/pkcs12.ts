// PKCS#12 (.pfx / .p12) writer, RFC 7292. Built by hand from DER because node-forge's toPkcs12Asn1 takes
// only forge RSA keys: here the PKCS8ShroudedKeyBag wraps node:crypto's PKCS#8 DER as is, so RSA and EC
// keys go through the same code.
//
// Layout (what OpenSSL writes): PFX { version 3, authSafe = data(AuthenticatedSafe), macData } with
//   AuthenticatedSafe = [ encryptedData(SafeContents: cert bags, leaf first),
//                         data(SafeContents: one PKCS8ShroudedKeyBag) ].
// The key bag and the leaf's cert bag carry friendlyName and localKeyId = SHA-1(leaf DER), which is how
// readers (OpenSSL, Java, Windows) pair the key with its certificate. Chain cert bags carry no attributes.
//
// Profiles:
//   modern: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for the key and the certificates, MAC HMAC-SHA256 —
//           OpenSSL 3's default. Imports on Windows 10 1709+ / Server 2019+, OpenSSL 1.1.1+, Java 8u301+ /
//           11.0.12+ / 17+.
//   legacy: pbeWithSHAAnd3-KeyTripleDES-CBC for the key and the certificates, MAC HMAC-SHA1 — for
//           Windows Server 2016 / Windows 10 before 1709 and older, older Java, and macOS keychains that
//           refuse AES-encrypted / SHA-256-MAC PFX. 3DES rather than RC2-40 for the certificates: every such reader takes
//           it and OpenSSL 3 opens it without `-legacy` (RC2 sits in its legacy provider).
import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { bmpString, explicit, implicitPrimitive, integer, nullValue, octetString, oid, sequence, setOf, utf16be } from './der.ts';
import { entryName, prepareInput, validatePassword, type KeystoreInput } from './input.ts';

export type Pkcs12Profile = 'modern' | 'legacy';

export interface Pkcs12Options {
  profile: Pkcs12Profile;
}

// Iterations. modern: 10,000 for PBKDF2 and the MAC — what Java's keytool writes by default, 5x OpenSSL's
// 2048 and above NIST SP 800-132's floor of 1,000, while import stays instantaneous everywhere (the file's
// strength rests mostly on the password; the count only slows guessing). legacy: 2048, OpenSSL's
// historical default, the count the old Windows CryptoAPI importers were tested with.
const MODERN_ITERATIONS = 10_000;
const LEGACY_ITERATIONS = 2048;

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  pbeWithShaAnd3KeyTripleDesCbc: '1.2.840.113549.1.12.1.3',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
} as const;

type HashName = 'sha1' | 'sha256';
const HASH_LEN: Record<HashName, number> = { sha1: 20, sha256: 32 };

/** PKCS#12 password encoding (RFC 7292 B.1): BMPString bytes with a two-byte NUL terminator. */
function bmpPassword(password: string): Buffer {
  return Buffer.concat([utf16be(password), Buffer.alloc(2)]);
}

/** Repeats `src` to fill a multiple of `v` bytes (at least one block of `v` when `src` is not empty). */
function fillBlocks(src: Buffer, v: number): Buffer {
  if (src.length === 0) return Buffer.alloc(0);
  const out = Buffer.alloc(v * Math.ceil(src.length / v));
  for (let i = 0; i < out.length; i++) out[i] = src[i % src.length] as number;
  return out;
}

/** The PKCS#12 key derivation of RFC 7292 Appendix B.2 (id 1 = key, 2 = IV, 3 = MAC key). */
export function pkcs12Kdf(hash: HashName, password: Buffer, salt: Buffer, id: 1 | 2 | 3, iterations: number, n: number): Buffer {
  const u = HASH_LEN[hash];
  const v = 64; // input block size of SHA-1 and SHA-256
  const d = Buffer.alloc(v, id);
  const i = Buffer.concat([fillBlocks(salt, v), fillBlocks(password, v)]);
  const out: Buffer[] = [];
  for (let produced = 0; ; produced += u) {
    let a = createHash(hash).update(d).update(i).digest();
    for (let r = 1; r < iterations; r++) a = createHash(hash).update(a).digest();
    out.push(a);
    if (produced + u >= n) break;
    // I_j = (I_j + B + 1) mod 2^(8v) for each v-byte block, B = A repeated to v bytes.
    const b = fillBlocks(a, v).subarray(0, v);
    for (let off = 0; off < i.length; off += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (i[off + k] as number) + (b[k] as number) + carry;
        i[off + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, n);
}

interface Encryption {
  algorithm: Buffer; // AlgorithmIdentifier DER
  ciphertext: Buffer;
}

function encryptModern(password: string, plaintext: Buffer): Encryption {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  // PBES2 hands the password to PBKDF2 as its UTF-8 bytes (OpenSSL and Java do the same).
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, MODERN_ITERATIONS, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const algorithm = sequence(
    oid(OID.pbes2),
    sequence(
      sequence(
        oid(OID.pbkdf2),
        sequence(octetString(salt), integer(MODERN_ITERATIONS), sequence(oid(OID.hmacWithSha256), nullValue())),
      ),
      sequence(oid(OID.aes256Cbc), octetString(iv)),
    ),
  );
  return { algorithm, ciphertext };
}

function encryptLegacy(password: string, plaintext: Buffer): Encryption {
  const salt = randomBytes(8);
  const pw = bmpPassword(password);
  const key = pkcs12Kdf('sha1', pw, salt, 1, LEGACY_ITERATIONS, 24);
  const iv = pkcs12Kdf('sha1', pw, salt, 2, LEGACY_ITERATIONS, 8);
  const cipher = createCipheriv('des-ede3-cbc', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const algorithm = sequence(oid(OID.pbeWithShaAnd3KeyTripleDesCbc), sequence(octetString(salt), integer(LEGACY_ITERATIONS)));
  return { algorithm, ciphertext };
}

function attribute(type: string, value: Buffer): Buffer {
  return sequence(oid(type), setOf(value));
}

function macData(profile: Pkcs12Profile, password: string, authSafe: Buffer): Buffer {
  const hash: HashName = profile === 'modern' ? 'sha256' : 'sha1';
  const iterations = profile === 'modern' ? MODERN_ITERATIONS : LEGACY_ITERATIONS;
  const salt = randomBytes(profile === 'modern' ? 16 : 8);
  // The MAC key comes from the PKCS#12 KDF with the MAC's own hash, also for SHA-256 (OpenSSL, Java, Windows).
  const macKey = pkcs12Kdf(hash, bmpPassword(password), salt, 3, iterations, HASH_LEN[hash]);
  const mac = createHmac(hash, macKey).update(authSafe).digest();
  return sequence(
    sequence(sequence(oid(hash === 'sha256' ? OID.sha256 : OID.sha1), nullValue()), octetString(mac)),
    octetString(salt),
    integer(iterations),
  );
}

/** A PKCS#12 file holding the key, the leaf and the chain, all protected with `input.password`. */
export function toPkcs12(input: KeystoreInput, opts: Pkcs12Options): Buffer {
  const profile = opts.profile;
  if (profile !== 'modern' && profile !== 'legacy') throw new TypeError(`unknown PKCS#12 profile ${String(profile)}`);
  validatePassword(input.password, 'password');
  const p = prepareInput(input);
  const name = entryName(
    input.friendlyName ?? input.alias,
    p.commonName,
    input.friendlyName !== undefined ? 'friendlyName' : 'alias',
    'Friendly name',
  );
  const encrypt = profile === 'modern' ? encryptModern : encryptLegacy;

  const localKeyId = createHash('sha1').update(p.leaf.raw).digest();
  const attrs = setOf(attribute(OID.friendlyName, bmpString(name)), attribute(OID.localKeyId, octetString(localKeyId)));

  const certBags = p.certsDer.map((der, index) =>
    sequence(
      oid(OID.certBag),
      explicit(0, sequence(oid(OID.x509Certificate), explicit(0, octetString(der)))),
      ...(index === 0 ? [attrs] : []),
    ),
  );
  const certs = encrypt(input.password, sequence(...certBags));
  const certsInfo = sequence(
    oid(OID.encryptedData),
    explicit(0, sequence(integer(0), sequence(oid(OID.data), certs.algorithm, implicitPrimitive(0, certs.ciphertext)))),
  );

  const shrouded = encrypt(input.password, p.pkcs8);
  const keyBag = sequence(
    oid(OID.pkcs8ShroudedKeyBag),
    explicit(0, sequence(shrouded.algorithm, octetString(shrouded.ciphertext))),
    attrs,
  );
  const keyInfo = sequence(oid(OID.data), explicit(0, octetString(sequence(keyBag))));

  const authSafe = sequence(certsInfo, keyInfo);
  return sequence(
    integer(3),
    sequence(oid(OID.data), explicit(0, octetString(authSafe))),
    macData(profile, input.password, authSafe),
  );
}
