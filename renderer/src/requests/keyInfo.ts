// Reads the type of a private key PEM in the page (key policy "Import key"), so the form can show it and take
// the key algorithm from it before anything is sent. A tiny DER walk: PKCS#8, PKCS#1 (RSA) and SEC1 (EC).
// The service checks the key again; this only spares a round trip and explains what the file holds.
import type { KeySpec } from '../../../shared/model/request.ts';

interface Tlv {
  tag: number;
  /** Start of the value. */
  start: number;
  end: number;
}

function readTlv(der: Uint8Array, pos: number): Tlv {
  const tag = der[pos];
  let len = der[pos + 1];
  if (tag === undefined || len === undefined) throw new Error('truncated');
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[start + i] ?? 0);
    start += n;
  }
  const end = start + len;
  if (end > der.length) throw new Error('truncated');
  return { tag, start, end };
}

/** The children of a constructed value. */
function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let pos = parent.start; pos < parent.end; ) {
    const t = readTlv(der, pos);
    out.push(t);
    pos = t.end;
  }
  return out;
}

function oid(der: Uint8Array, t: Tlv): string {
  const bytes = der.subarray(t.start, t.end);
  const first = bytes[0] ?? 0;
  const parts = [Math.floor(first / 40), first % 40];
  let value = 0;
  for (let i = 1; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** Bits of a positive INTEGER (leading zero bytes ignored). */
function integerBits(der: Uint8Array, t: Tlv): number {
  let i = t.start;
  while (i < t.end && der[i] === 0) i++;
  if (i >= t.end) return 0;
  return (t.end - i - 1) * 8 + (32 - Math.clz32(der[i] ?? 0));
}

const RSA = '1.2.840.113549.1.1.1';
const EC = '1.2.840.10045.2.1';
const CURVES: Record<string, KeySpec> = { '1.2.840.10045.3.1.7': 'ec-p256', '1.3.132.0.34': 'ec-p384' };
const CURVE_NAMES: Record<string, string> = { '1.3.132.0.35': 'P-521', '1.3.132.0.10': 'secp256k1' };
const OTHER_ALGORITHMS: Record<string, string> = { '1.3.101.112': 'Ed25519', '1.3.101.113': 'Ed448', '1.2.840.10040.4.1': 'DSA' };

function rsaSpec(bits: number): KeySpec | string {
  const rounded = Math.ceil(bits / 8) * 8;
  if (rounded === 2048 || rounded === 3072 || rounded === 4096) return `rsa-${rounded}` as KeySpec;
  return `is an RSA ${rounded}-bit key: Certdesk supports RSA 2048, 3072 or 4096 and EC P-256 or P-384.`;
}

function curveSpec(curveOid: string): KeySpec | string {
  const spec = CURVES[curveOid];
  if (spec) return spec;
  return `is an EC key on ${CURVE_NAMES[curveOid] ?? `curve ${curveOid}`}: Certdesk supports EC P-256 or P-384 and RSA 2048, 3072 or 4096.`;
}

function base64Body(pem: string, label: string): Uint8Array | null {
  const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
  if (!m?.[1]) return null;
  const b64 = m[1].replace(/^[A-Za-z-]+:.*$/gm, '').replace(/\s+/g, '');
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * The key spec of a PEM private key, or a sentence (starting with a verb, to follow the file name) saying
 * why it cannot be used.
 */
export function detectKeySpec(pem: string): { spec: KeySpec } | { problem: string } {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem) || /Proc-Type:\s*4,ENCRYPTED/.test(pem)) {
    return { problem: 'is encrypted: Certdesk needs the key unencrypted to sign the request (it seals it at rest itself).' };
  }
  try {
    const pkcs8 = base64Body(pem, 'PRIVATE KEY');
    if (pkcs8) {
      const top = children(pkcs8, readTlv(pkcs8, 0));
      const alg = top[1] ? children(pkcs8, top[1]) : [];
      const algOid = alg[0] ? oid(pkcs8, alg[0]) : '';
      if (algOid === RSA && top[2]) {
        const rsa = readTlv(pkcs8, top[2].start);
        const modulus = children(pkcs8, rsa)[1];
        return wrap(modulus ? rsaSpec(integerBits(pkcs8, modulus)) : 'is not a readable RSA key.');
      }
      if (algOid === EC && alg[1]) return wrap(curveSpec(oid(pkcs8, alg[1])));
      return { problem: `uses ${OTHER_ALGORITHMS[algOid] ?? 'an unsupported algorithm'}: Certdesk supports RSA and EC keys.` };
    }
    const pkcs1 = base64Body(pem, 'RSA PRIVATE KEY');
    if (pkcs1) {
      const modulus = children(pkcs1, readTlv(pkcs1, 0))[1];
      return wrap(modulus ? rsaSpec(integerBits(pkcs1, modulus)) : 'is not a readable RSA key.');
    }
    const sec1 = base64Body(pem, 'EC PRIVATE KEY');
    if (sec1) {
      const fields = children(sec1, readTlv(sec1, 0));
      const params = fields.find((f) => f.tag === 0xa0);
      const curve = params ? readTlv(sec1, params.start) : null;
      return wrap(curve ? curveSpec(oid(sec1, curve)) : 'is an EC key without its curve: export it with its parameters (PKCS#8).');
    }
  } catch {
    return { problem: 'is not a readable PEM private key.' };
  }
  if (/-----BEGIN CERTIFICATE-----/.test(pem)) return { problem: 'holds a certificate, not a private key: choose the key file.' };
  return { problem: 'holds no private key (BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY).' };
}

function wrap(r: KeySpec | string): { spec: KeySpec } | { problem: string } {
  return r.startsWith('rsa-') || r.startsWith('ec-') ? { spec: r as KeySpec } : { problem: r };
}
