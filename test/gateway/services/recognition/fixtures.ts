import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/fashion-mnist/', import.meta.url));
export const MODEL_DIR = fileURLToPath(new URL('../../../../models/', import.meta.url));

/** First 1000 t10k images (idx format, committed by models/make_fixtures.py). */
export function loadT10kSubset(): { images: Uint8Array[]; labels: number[] } {
  const img = gunzipSync(readFileSync(`${FIXTURES}t10k-first1000-images.gz`));
  const lab = gunzipSync(readFileSync(`${FIXTURES}t10k-first1000-labels.gz`));
  const n = img.readUInt32BE(4);
  const images: Uint8Array[] = [];
  for (let i = 0; i < n; i++) images.push(new Uint8Array(img.subarray(16 + i * 784, 16 + (i + 1) * 784)));
  return { images, labels: [...lab.subarray(8, 8 + n)] };
}

export function pngOf(pixels: Uint8Array, width = 28, height = 28): Promise<Buffer> {
  return sharp(Buffer.from(pixels), { raw: { width, height, channels: 1 } }).png().toBuffer();
}

/**
 * A 640x480 JPEG as a mirror camera would send it: the item dark on a lighter, unevenly lit, noisy wall,
 * off-centre and upscaled. Deterministic for a given seed.
 */
export async function cameraJpeg(item: Uint8Array, seed = 1, opts: { width?: number; height?: number; light?: boolean } = {}): Promise<Buffer> {
  const w = opts.width ?? 640;
  const h = opts.height ?? 480;
  const light = opts.light ?? true;
  const side = Math.round(Math.min(w, h) * 0.62);
  const big = await sharp(Buffer.from(item), { raw: { width: 28, height: 28, channels: 1 } })
    .resize(side, side, { kernel: 'cubic' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  if (big.length !== side * side) throw new Error('expected one channel');
  let s = seed >>> 0 || 1;
  const rand = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const px = Buffer.alloc(w * h * 3);
  const x0 = Math.floor(w * 0.18 + rand() * w * 0.2);
  const y0 = Math.floor(h * 0.1 + rand() * h * 0.15);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = light ? 190 + (35 * x) / w : 30 + (25 * y) / h;
      v += (rand() + rand() + rand() - 1.5) * 12;
      const ix = x - x0;
      const iy = y - y0;
      if (ix >= 0 && iy >= 0 && ix < side && iy < side) {
        const it = big[iy * side + ix]!;
        v = light ? v - it * 0.7 : v + it * 0.8;
      }
      const c = Math.max(0, Math.min(255, Math.round(v)));
      const i = (y * w + x) * 3;
      px[i] = c;
      px[i + 1] = Math.max(0, Math.min(255, c + 6));
      px[i + 2] = Math.max(0, c - 6);
    }
  }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}
