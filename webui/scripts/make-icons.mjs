// Draws the PWA icons (the same picture as public/icon.svg) into PNGs
// without any image library: a rounded square, a speech bubble, three dots.
// Run by hand when the icon changes; the PNGs are committed.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function inRoundRect(x, y, x0, y0, x1, y1, r) {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r), cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}
function inTri(x, y, [ax, ay], [bx, by], [cx, cy]) {
  const s = (px, py, qx, qy, rx, ry) => (px - rx) * (qy - ry) - (qx - rx) * (py - ry);
  const d1 = s(x, y, ax, ay, bx, by), d2 = s(x, y, bx, by, cx, cy), d3 = s(x, y, cx, cy, ax, ay);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
}
function color(u, v, maskable) {
  // u, v in 0..512 icon space
  const bg = [0x4f, 0x46, 0xe5, 255], white = [255, 255, 255, 255], none = [0, 0, 0, 0];
  const inBg = maskable ? true : inRoundRect(u, v, 0, 0, 512, 512, 112);
  if (!inBg) return none;
  for (const cx of [192, 256, 320]) if ((u - cx) ** 2 + (v - 248) ** 2 <= 22 * 22) return bg;
  if (inRoundRect(u, v, 92, 148, 420, 348, 36) || inTri(u, v, [160, 340], [236, 340], [160, 408])) return white;
  return bg;
}
function png(size, maskable = false) {
  const ss = 4; // supersampling for smooth edges
  const raw = Buffer.alloc(size * (size * 4 + 1));
  const scale = maskable ? 0.8 : 1; // maskable icons keep a safe zone
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < ss; sy++) for (let sx = 0; sx < ss; sx++) {
        let u = ((x + (sx + 0.5) / ss) / size) * 512, v = ((y + (sy + 0.5) / ss) / size) * 512;
        u = 256 + (u - 256) / scale; v = 256 + (v - 256) / scale;
        const c = maskable && (u < 0 || v < 0 || u > 512 || v > 512) ? [0x4f, 0x46, 0xe5, 255] : color(u, v, maskable);
        for (let i = 0; i < 4; i++) acc[i] += c[i];
      }
      const o = y * (size * 4 + 1) + 1 + x * 4;
      for (let i = 0; i < 4; i++) raw[o + i] = Math.round(acc[i] / (ss * ss));
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}
writeFileSync(new URL('../public/icon-192.png', import.meta.url), png(192));
writeFileSync(new URL('../public/icon-512.png', import.meta.url), png(512));
writeFileSync(new URL('../public/icon-maskable-512.png', import.meta.url), png(512, true));
