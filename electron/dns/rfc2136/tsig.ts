// TSIG (RFC 8945, formerly RFC 2845): signing DNS messages with a shared HMAC key, and checking the signature
// on the answer. Written by hand on purpose: dns-packet has no TSIG rdata codec and no maintained npm
// package signs or verifies TSIG, so we build the TSIG RR and the MAC input ourselves, from the RFC:
//
//   request MAC  = HMAC(key, message ‖ TSIG variables)
//   response MAC = HMAC(key, len(request MAC) ‖ request MAC ‖ message' ‖ TSIG variables)
//   TSIG variables = key name (canonical wire form) ‖ class ANY ‖ TTL 0 ‖ algorithm name (canonical)
//                    ‖ time signed (48 bit) ‖ fudge ‖ error ‖ other len ‖ other data
//   message' = the answer without its TSIG RR, ARCOUNT one less, ID = the original ID.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TSIG_ALGORITHMS = ['hmac-sha256', 'hmac-sha512', 'hmac-sha384', 'hmac-sha224', 'hmac-sha1', 'hmac-md5'] as const;
export type TsigAlgorithm = (typeof TSIG_ALGORITHMS)[number];

/** Algorithm names on the wire (RFC 8945 §6) and the node:crypto digest each uses. */
const ALGORITHMS: Record<TsigAlgorithm, { wire: string; digest: string }> = {
  'hmac-md5': { wire: 'hmac-md5.sig-alg.reg.int', digest: 'md5' },
  'hmac-sha1': { wire: 'hmac-sha1', digest: 'sha1' },
  'hmac-sha224': { wire: 'hmac-sha224', digest: 'sha224' },
  'hmac-sha256': { wire: 'hmac-sha256', digest: 'sha256' },
  'hmac-sha384': { wire: 'hmac-sha384', digest: 'sha384' },
  'hmac-sha512': { wire: 'hmac-sha512', digest: 'sha512' },
};

export const TSIG_TYPE = 250;
export const CLASS_ANY = 255;
/** Seconds of clock difference either side that the signer allows (RFC 8945 recommends 300). */
export const DEFAULT_FUDGE = 300;

/** TSIG error codes (RFC 8945 §3, the TSIG RR's Error field). */
export const TSIG_ERRORS: Record<number, string> = { 16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME', 22: 'BADTRUNC' };

export interface TsigKey {
  /** Key name as configured on the server (e.g. `certdesk-key`). */
  name: string;
  algorithm: TsigAlgorithm;
  /** The shared secret, base64 (as `tsig-keygen` prints it). */
  secret: string;
}

export function isTsigAlgorithm(a: string): a is TsigAlgorithm {
  return (TSIG_ALGORITHMS as readonly string[]).includes(a);
}

export function decodeSecret(secret: string): Buffer {
  const s = secret.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s) || s.length % 4 !== 0) throw new Error('the key secret is not base64');
  return Buffer.from(s, 'base64');
}

/** Uncompressed, lower-case wire form of a domain name (the canonical form RFC 8945 §4.3.3 asks for). */
export function canonicalName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').toLowerCase().split('.').filter(Boolean);
  const parts: Buffer[] = [];
  for (const l of labels) {
    const b = Buffer.from(l, 'utf8');
    if (b.length > 63) throw new Error(`label "${l}" is longer than 63 bytes`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u48(n: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntBE(n, 0, 6);
  return b;
}

export interface TsigFields {
  keyName: string;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  other: Buffer;
}

function variables(f: Omit<TsigFields, 'mac' | 'originalId'>): Buffer {
  return Buffer.concat([
    canonicalName(f.keyName),
    u16(CLASS_ANY),
    Buffer.alloc(4), // TTL 0
    canonicalName(f.algorithm),
    u48(f.timeSigned),
    u16(f.fudge),
    u16(f.error),
    u16(f.other.length),
    f.other,
  ]);
}

function hmac(key: TsigKey, parts: Buffer[]): Buffer {
  const h = createHmac(ALGORITHMS[key.algorithm].digest, decodeSecret(key.secret));
  for (const p of parts) h.update(p);
  return h.digest();
}

function encodeTsigRR(f: TsigFields): Buffer {
  const rdata = Buffer.concat([
    canonicalName(f.algorithm),
    u48(f.timeSigned),
    u16(f.fudge),
    u16(f.mac.length),
    f.mac,
    u16(f.originalId),
    u16(f.error),
    u16(f.other.length),
    f.other,
  ]);
  return Buffer.concat([canonicalName(f.keyName), u16(TSIG_TYPE), u16(CLASS_ANY), Buffer.alloc(4), u16(rdata.length), rdata]);
}

export interface Signed {
  message: Buffer;
  /** The request MAC: the response's MAC covers it. */
  mac: Buffer;
  timeSigned: number;
}

/** Appends a TSIG RR to `message` (which must have no TSIG yet) and bumps ARCOUNT. */
export function sign(message: Buffer, key: TsigKey, nowSeconds: number, fudge = DEFAULT_FUDGE): Signed {
  const base = {
    keyName: key.name,
    algorithm: ALGORITHMS[key.algorithm].wire,
    timeSigned: Math.floor(nowSeconds),
    fudge,
    error: 0,
    other: Buffer.alloc(0),
  };
  const mac = hmac(key, [message, variables(base)]);
  const rr = encodeTsigRR({ ...base, mac, originalId: message.readUInt16BE(0) });
  const out = Buffer.concat([message, rr]);
  out.writeUInt16BE(out.readUInt16BE(10) + 1, 10);
  return { message: out, mac, timeSigned: base.timeSigned };
}

/** Reads a (possibly compressed) domain name at `offset`; returns it and the offset just after it. */
function readName(buf: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = offset;
  let next = -1;
  for (let hops = 0; hops < 128; hops++) {
    if (pos >= buf.length) throw new Error('name runs past the end of the message');
    const len = buf[pos]!;
    if (len === 0) {
      if (next < 0) next = pos + 1;
      return { name: labels.join('.'), next };
    }
    if ((len & 0xc0) === 0xc0) {
      if (next < 0) next = pos + 2;
      pos = buf.readUInt16BE(pos) & 0x3fff;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new Error('bad label type');
    labels.push(buf.toString('utf8', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  throw new Error('name compression loop');
}

/** Offset of every resource record after the question section, and the end of the message. */
function recordOffsets(buf: Buffer): number[] {
  if (buf.length < 12) throw new Error('message shorter than a DNS header');
  const qd = buf.readUInt16BE(4);
  const rr = buf.readUInt16BE(6) + buf.readUInt16BE(8) + buf.readUInt16BE(10);
  let pos = 12;
  for (let i = 0; i < qd; i++) pos = readName(buf, pos).next + 4;
  const offsets: number[] = [];
  for (let i = 0; i < rr; i++) {
    offsets.push(pos);
    pos = readName(buf, pos).next;
    if (pos + 10 > buf.length) throw new Error('record runs past the end of the message');
    pos += 10 + buf.readUInt16BE(pos + 8);
  }
  if (pos > buf.length) throw new Error('record runs past the end of the message');
  return offsets;
}

export interface SplitMessage {
  /** The message without its TSIG RR, ARCOUNT one less, ID restored to the TSIG's original ID. */
  unsigned: Buffer;
  tsig: TsigFields;
}

/** Finds the TSIG RR (which must be the last record) in a message; null when the message is not signed. */
export function splitTsig(buf: Buffer): SplitMessage | null {
  const offsets = recordOffsets(buf);
  const arcount = buf.readUInt16BE(10);
  if (arcount === 0 || offsets.length === 0) return null;
  const start = offsets[offsets.length - 1]!;
  const owner = readName(buf, start);
  let p = owner.next;
  if (buf.readUInt16BE(p) !== TSIG_TYPE) return null;
  p += 10; // type, class, ttl, rdlength
  const alg = readName(buf, p);
  p = alg.next;
  const timeSigned = buf.readUIntBE(p, 6);
  const fudge = buf.readUInt16BE(p + 6);
  const macLen = buf.readUInt16BE(p + 8);
  const mac = Buffer.from(buf.subarray(p + 10, p + 10 + macLen));
  p += 10 + macLen;
  const originalId = buf.readUInt16BE(p);
  const error = buf.readUInt16BE(p + 2);
  const otherLen = buf.readUInt16BE(p + 4);
  const other = Buffer.from(buf.subarray(p + 6, p + 6 + otherLen));
  const unsigned = Buffer.from(buf.subarray(0, start));
  unsigned.writeUInt16BE(arcount - 1, 10);
  unsigned.writeUInt16BE(originalId, 0);
  return { unsigned, tsig: { keyName: owner.name, algorithm: alg.name, timeSigned, fudge, mac, originalId, error, other } };
}

export type VerifyResult =
  | { ok: true; tsig: TsigFields }
  | { ok: false; reason: 'unsigned' | 'wrong-key' | 'wrong-algorithm' | 'bad-mac' | 'time'; tsig?: TsigFields };

/**
 * Checks the TSIG on an answer to a request signed with `requestMac`: same key and algorithm, a MAC of the
 * full length that matches (compared in constant time), and a time inside the fudge window.
 */
export function verifyResponse(response: Buffer, key: TsigKey, requestMac: Buffer, nowSeconds: number): VerifyResult {
  const split = splitTsig(response);
  if (!split) return { ok: false, reason: 'unsigned' };
  const { tsig, unsigned } = split;
  if (tsig.keyName.toLowerCase() !== key.name.replace(/\.$/, '').toLowerCase()) return { ok: false, reason: 'wrong-key', tsig };
  if (tsig.algorithm.toLowerCase() !== ALGORITHMS[key.algorithm].wire) return { ok: false, reason: 'wrong-algorithm', tsig };
  const expected = hmac(key, [u16(requestMac.length), requestMac, unsigned, variables(tsig)]);
  if (tsig.mac.length !== expected.length || !timingSafeEqual(tsig.mac, expected)) return { ok: false, reason: 'bad-mac', tsig };
  if (Math.abs(Math.floor(nowSeconds) - tsig.timeSigned) > tsig.fudge) return { ok: false, reason: 'time', tsig };
  return { ok: true, tsig };
}
