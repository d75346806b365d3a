// Draws the Certdesk icon (a white padlock on a blue rounded square) and writes the PNGs the app and
// electron-builder use: resources/tray.png (32×32), resources/icon.png and build/icon.png (512×512).
// No image library: shapes are signed-distance functions sampled 4×4 per pixel, encoded with node:zlib.
//
//   node build/make-icons.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// ---- shapes in unit coordinates (0..1, y down); negative distance = inside ----------------------------------

function roundedRect(x, y, left, top, right, bottom, radius) {
  const cx = (left + right) / 2;
  const cy = (top + bottom) / 2;
  const hx = (right - left) / 2 - radius;
  const hy = (bottom - top) / 2 - radius;
  const dx = Math.abs(x - cx) - hx;
  const dy = Math.abs(y - cy) - hy;
  const outside = Math.hypot(Math.max(dx, 0), Math.max(dy, 0));
  return outside + Math.min(Math.max(dx, dy), 0) - radius;
}

function circle(x, y, cx, cy, r) {
  return Math.hypot(x - cx, y - cy) - r;
}

/** The padlock's shackle: an arch (half ring) with two legs running down into the body. */
function shackle(x, y) {
  const cx = 0.5;
  const cy = 0.4;
  const r = 0.165;
  const half = 0.037;
  const centre = y < cy ? Math.abs(Math.hypot(x - cx, y - cy) - r) : Math.min(Math.abs(x - (cx - r)), Math.abs(x - (cx + r)));
  const beyond = y > 0.56 ? y - 0.56 : 0;
  return Math.hypot(Math.max(centre - half, 0), beyond) + Math.min(centre - half, 0);
}

const BACKGROUND_TOP = [25, 118, 210];
const BACKGROUND_BOTTOM = [13, 71, 161];
const WHITE = [255, 255, 255];

/** Colour (RGBA, premultiplied-free) of one sample point. */
function sample(x, y) {
  if (roundedRect(x, y, 0.04, 0.04, 0.96, 0.96, 0.2) > 0) return [0, 0, 0, 0];
  const t = (y - 0.04) / 0.92;
  const bg = BACKGROUND_TOP.map((c, i) => Math.round(c + (BACKGROUND_BOTTOM[i] - c) * t));
  const keyhole = Math.min(circle(x, y, 0.5, 0.625, 0.052), roundedRect(x, y, 0.474, 0.62, 0.526, 0.75, 0.01));
  const body = roundedRect(x, y, 0.25, 0.48, 0.75, 0.85, 0.07);
  if (body <= 0) return keyhole <= 0 ? [...bg, 255] : [...WHITE, 255];
  if (shackle(x, y) <= 0) return [...WHITE, 255];
  return [...bg, 255];
}

function draw(size) {
  const grid = 4;
  const pixels = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < grid; sy++) {
        for (let sx = 0; sx < grid; sx++) {
          const [cr, cg, cb, ca] = sample((px + (sx + 0.5) / grid) / size, (py + (sy + 0.5) / grid) / size);
          // Average colour weighted by coverage so transparent samples do not darken the edge.
          r += cr * ca;
          g += cg * ca;
          b += cb * ca;
          a += ca;
        }
      }
      const o = (py * size + px) * 4;
      if (a > 0) {
        pixels[o] = Math.round(r / a);
        pixels[o + 1] = Math.round(g / a);
        pixels[o + 2] = Math.round(b / a);
        pixels[o + 3] = Math.round(a / (grid * grid));
      }
    }
  }
  return pixels;
}

// ---- PNG encoding -------------------------------------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

export function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const targets = [
  ['resources/tray.png', 32],
  ['resources/icon.png', 512],
  ['build/icon.png', 512],
];

for (const [file, size] of targets) {
  const out = join(root, file);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, encodePng(size, draw(size)));
  console.log(`wrote ${file} (${size}×${size})`);
}
