/**
 * Fashion-MNIST helpers shared by the evaluation script, tests and bench: read idx files and turn a
 * 28x28 item into a frame as a mirror camera would send it. Frames are synthetic and deterministic.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type SharpFn from 'sharp';

// sharp (≈ 30 MB, 250 ms to load) is loaded on first use: the CLI bundle imports this module for `simulate`
const loadSharp = async (): Promise<typeof SharpFn> => (await import('sharp')).default;

export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist/';

/** idx3 images (gz) + idx1 labels (gz) → one Uint8Array of 784 bytes per image. */
export function readIdx(imagesPath: string, labelsPath: string, limit = Infinity): { images: Uint8Array[]; labels: number[] } {
  const img = gunzipSync(readFileSync(imagesPath));
  const lab = gunzipSync(readFileSync(labelsPath));
  if (img.readUInt32BE(0) !== 2051 || lab.readUInt32BE(0) !== 2049) throw new Error('not an idx image/label pair');
  const n = Math.min(limit, img.readUInt32BE(4), lab.readUInt32BE(4));
  const images: Uint8Array[] = [];
  for (let i = 0; i < n; i++) images.push(new Uint8Array(img.subarray(16 + i * 784, 16 + (i + 1) * 784)));
  return { images, labels: [...lab.subarray(8, 8 + n)] };
}

export async function pngOf(pixels: Uint8Array, width = 28, height = 28): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(Buffer.from(pixels), { raw: { width, height, channels: 1 } }).png().toBuffer();
}

export function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export interface CameraOptions {
  width?: number;
  height?: number;
  /** light wall (item appears dark, as in a photo) or dark backdrop (item appears light) */
  light?: boolean;
  /** degrees the garment is tilted */
  angle?: number;
  /** item size as a fraction of the frame's short side */
  scale?: number;
  noise?: number;
  quality?: number;
}

/**
 * A JPEG as a mirror camera would send it: the item off-centre and upscaled, on an unevenly lit, noisy
 * wall, with a slight colour cast. Deterministic for a given seed.
 */
export async function cameraJpeg(item: Uint8Array, seed = 1, opts: CameraOptions = {}): Promise<Buffer> {
  const w = opts.width ?? 640;
  const h = opts.height ?? 480;
  const light = opts.light ?? true;
  const rand = xorshift(seed);
  const sharp = await loadSharp();
  const side = Math.round(Math.min(w, h) * (opts.scale ?? 0.62));
  let pipeline = sharp(Buffer.from(item), { raw: { width: 28, height: 28, channels: 1 } }).resize(side, side, { kernel: 'cubic' });
  if (opts.angle) pipeline = sharp(await pipeline.png().toBuffer()).rotate(opts.angle, { background: '#000000' });
  const { data: big, info } = await pipeline.extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const bw = info.width;
  const bh = info.height;
  const px = Buffer.alloc(w * h * 3);
  const x0 = Math.floor(rand() * Math.max(1, w - bw));
  const y0 = Math.floor(rand() * Math.max(1, h - bh));
  const noise = opts.noise ?? 12;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = light ? 190 + (35 * x) / w : 30 + (25 * y) / h;
      v += (rand() + rand() + rand() - 1.5) * noise;
      const ix = x - x0;
      const iy = y - y0;
      if (ix >= 0 && iy >= 0 && ix < bw && iy < bh) {
        const it = big[iy * bw + ix]!;
        v = light ? v - it * 0.7 : v + it * 0.8;
      }
      const c = Math.max(0, Math.min(255, Math.round(v)));
      const i = (y * w + x) * 3;
      px[i] = c;
      px[i + 1] = Math.max(0, Math.min(255, c + 6));
      px[i + 2] = Math.max(0, c - 6);
    }
  }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: opts.quality ?? 85 }).toBuffer();
}
