// Makes the tray's state variants from resources/tray.png: tray-expiring.png (amber dot) and tray-failed.png
// (red dot) in the lower right corner, so the worst state shows on the icon itself. Run once after changing
// tray.png: node build/tray-variants.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, inflateSync, crc32 } from 'node:zlib';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'resources');

function chunks(png) {
  const out = [];
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    out.push({ type: png.toString('latin1', at + 4, at + 8), data: png.subarray(at + 8, at + 8 + len) });
    at += 12 + len;
  }
  return out;
}

function decode(png) {
  const cs = chunks(png);
  const ihdr = cs.find((c) => c.type === 'IHDR').data;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  if (ihdr[8] !== 8 || ihdr[9] !== 6 || ihdr[12] !== 0) throw new Error('tray.png must be 8-bit RGBA, not interlaced');
  const raw = inflateSync(Buffer.concat(cs.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * 4;
  const px = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const cur = raw[y * (stride + 1) + 1 + x];
      const a = x >= 4 ? px[y * stride + x - 4] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= 4 && y > 0 ? px[(y - 1) * stride + x - 4] : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      px[y * stride + x] = (cur + [0, a, b, (a + b) >> 1, paeth][f]) & 0xff;
    }
  }
  return { width, height, px };
}

function encode({ width, height, px }) {
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) px.copy(raw, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** A filled dot with a transparent ring around it, so it stands out on any icon. */
function withDot(img, [r, g, b]) {
  const px = Buffer.from(img.px);
  const radius = img.width * 0.22;
  const cx = img.width - radius - 0.5;
  const cy = img.height - radius - 0.5;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const d = Math.hypot(x + 0.5 - cx - 0.5, y + 0.5 - cy - 0.5);
      const i = (y * img.width + x) * 4;
      if (d <= radius) px.set([r, g, b, 255], i);
      else if (d <= radius + img.width * 0.06) px[i + 3] = 0;
    }
  }
  return { ...img, px };
}

const base = decode(readFileSync(join(dir, 'tray.png')));
writeFileSync(join(dir, 'tray-expiring.png'), encode(withDot(base, [0xf5, 0x9e, 0x0b])));
writeFileSync(join(dir, 'tray-failed.png'), encode(withDot(base, [0xdc, 0x26, 0x26])));
console.log('wrote resources/tray-expiring.png and resources/tray-failed.png');
