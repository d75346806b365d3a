// A minimal DER encoder: just the types PKCS#12 and the JKS key protector need. Writing DER is a few
// lines per type (X.690 §8 + §10), far less than adapting a general ASN.1 library's object model, and it
// keeps everything in Buffers (node-forge works on binary strings).

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV with the given identifier octet. */
export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export function sequence(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

/** SET OF: DER sorts the encoded elements as octet strings (X.690 §11.6). */
export function setOf(...items: Buffer[]): Buffer {
  const sorted = [...items].sort((a, b) => Buffer.compare(a, b));
  return tlv(0x31, Buffer.concat(sorted));
}

export function integer(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`DER integer out of range: ${n}`);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  if (bytes.length === 0 || (bytes[0] ?? 0) & 0x80) bytes.unshift(0); // two's complement: keep it positive
  return tlv(0x02, Buffer.from(bytes));
}

export function octetString(data: Buffer): Buffer {
  return tlv(0x04, data);
}

export function nullValue(): Buffer {
  return Buffer.from([0x05, 0x00]);
}

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((s) => {
    if (!/^\d+$/.test(s)) throw new RangeError(`bad OID ${dotted}`);
    return Number(s);
  });
  const [a = 0, b = 0, ...rest] = arcs;
  const out: number[] = [];
  for (const arc of [a * 40 + b, ...rest]) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** BMPString: UTF-16BE code units (characters outside the BMP become surrogate pairs, as Windows and Java do). */
export function bmpString(s: string): Buffer {
  return tlv(0x1e, utf16be(s));
}

/** [n] EXPLICIT: a constructed context-specific tag around one encoded value. */
export function explicit(n: number, inner: Buffer): Buffer {
  return tlv(0xa0 | n, inner);
}

/** [n] IMPLICIT on a primitive value (e.g. the OCTET STRING of EncryptedContentInfo). */
export function implicitPrimitive(n: number, content: Buffer): Buffer {
  return tlv(0x80 | n, content);
}

export function utf16be(s: string): Buffer {
  const out = Buffer.alloc(s.length * 2);
  for (let i = 0; i < s.length; i++) out.writeUInt16BE(s.charCodeAt(i), i * 2);
  return out;
}
