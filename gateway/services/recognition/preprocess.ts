import type { default as SharpFn } from 'sharp';
import { imageError } from './errors.ts';

/**
 * Camera frame → model input. Mirror of models/preprocess.py (the training-side contract); change both
 * together. All pixel math after decoding is done here in plain integer/float64 steps, not by libvips,
 * so Python and TypeScript produce the same tensor for the same pixels.
 */
export const INPUT_SIZE = 28;
export const MEAN = 0.286;
export const STD = 0.353;
const MAX_GAIN = 4;
const MIN_SIDE = 8;
const FORMATS = new Set(['jpeg', 'png', 'webp']);

export interface PreprocessLimits {
  maxBytes: number;
  maxInputPixels: number;
}

export interface GreyImage {
  width: number;
  height: number;
  data: Uint8Array;
}

let sharpModule: Promise<typeof SharpFn> | undefined;
/** sharp is loaded with the first frame, not with the gateway: a store without mirrors never pays for it (≈ 30 MB) */
const loadSharp = () => {
  sharpModule ??= import('sharp').then((m) => m.default);
  return sharpModule;
};

/**
 * The smallest short side the pixel steps work at: the item fills 40–85 % of a mirror frame's short side, so at 112 px
 * it still covers 45–95 px before the 28x28 area average. Larger JPEGs are decoded straight to that size.
 */
export const WORK_MIN_SIDE = 112;

/**
 * The working size for a w x h frame: w/s x h/s for the largest JPEG shrink-on-load factor s (2, 4, 8) that keeps the
 * short side at WORK_MIN_SIDE or more, one pixel under it so that sharp really asks libjpeg for 1/s (at an exact factor
 * it halves the shrink for libjpeg's rounding): libjpeg then does the downscaling in its inverse DCT, the frame is
 * never decoded at full size, and the pixel steps below touch 1/s² of the pixels.
 */
export function workingSize(width: number, height: number): { width: number; height: number } | null {
  let s = 8;
  while (s > 1 && Math.min(width, height) / s < WORK_MIN_SIDE) s /= 2;
  if (s === 1) return null;
  return { width: Math.ceil(width / s) - 1, height: Math.ceil(height / s) - 1 };
}

export interface DecodeOptions {
  /**
   * false: decode JPEGs at full size, as models/preprocess.py still does (the parity fixtures are made that way);
   * the gateway always shrinks on load.
   */
  shrinkOnLoad?: boolean;
}

/** Validates the header before decoding, so a decompression bomb costs a header parse, not its pixels. */
export async function decodeGrey(bytes: Buffer, limits: PreprocessLimits, opts: DecodeOptions = {}): Promise<GreyImage> {
  // a POST without a body (or with a content type that was not parsed as bytes) is an empty frame
  if (!Buffer.isBuffer(bytes) || bytes.length === 0) throw imageError('empty', 'empty body');
  if (bytes.length > limits.maxBytes) throw imageError('too_many_bytes', `${bytes.length} bytes > ${limits.maxBytes}`);
  const sharp = await loadSharp();
  // a camera JPEG's size is read here (a few bytes of markers); anything else asks libvips for its header
  let head: { format?: string; width?: number; height?: number; hasAlpha?: boolean } | null = jpegSize(bytes);
  if (!head) {
    try {
      head = await sharp(bytes, { limitInputPixels: false }).metadata();
    } catch {
      throw imageError('not_an_image', 'not a JPEG, PNG or WebP image');
    }
  }
  if (!head.format || !FORMATS.has(head.format)) throw imageError('unsupported_format', `format ${head.format ?? 'unknown'}`);
  const { width = 0, height = 0 } = head;
  if (width * height > limits.maxInputPixels) throw imageError('too_many_pixels', `${width}x${height} > ${limits.maxInputPixels} pixels`);
  if (width < MIN_SIDE || height < MIN_SIDE) throw imageError('too_small', `${width}x${height}, need at least ${MIN_SIDE}x${MIN_SIDE}`);
  try {
    // failOn 'error': a truncated JPEG is an error here, not a half-grey frame
    let img = sharp(bytes, { limitInputPixels: limits.maxInputPixels, failOn: 'error', pages: 1 }).rotate();
    const work = head.format === 'jpeg' && opts.shrinkOnLoad !== false ? workingSize(width, height) : null;
    // nearest: the step after libjpeg's 1/s only skips one row and one column, no need to filter; 'outside' keeps the
    // aspect when EXIF turns the frame (sharp then rotates first and cannot shrink on load, but the item stays whole)
    if (work) img = img.resize(work.width, work.height, { fit: 'outside', kernel: 'nearest' });
    if (head.hasAlpha !== false) img = img.flatten({ background: '#ffffff' });
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: toGrey(data, info.channels) };
  } catch {
    throw imageError('corrupt', 'image data is truncated or corrupt');
  }
}

/**
 * Width and height from a JPEG's start-of-frame marker, or null when this is not a well-formed JPEG header (then
 * libvips reads it). EXIF orientation may swap the two, which changes neither the pixel count nor the short side.
 */
export function jpegSize(b: Buffer): { format: 'jpeg'; width: number; height: number; hasAlpha: false } | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    const len = b.readUInt16BE(i + 2);
    if (len < 2) return null;
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const height = b.readUInt16BE(i + 5);
      const width = b.readUInt16BE(i + 7);
      return width > 0 && height > 0 ? { format: 'jpeg', width, height, hasAlpha: false } : null;
    }
    if (marker === 0xda || marker === 0xd9) return null; // scan before any frame header
    i += 2 + len;
  }
  return null;
}

function toGrey(data: Buffer, channels: number): Uint8Array {
  if (channels === 1) return new Uint8Array(data.buffer, data.byteOffset, data.length);
  const n = data.length / channels;
  const out = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    // integer Rec.601 luma, same as models/preprocess.py
    out[i] = Math.floor((299 * data[j]! + 587 * data[j + 1]! + 114 * data[j + 2]! + 500) / 1000);
  }
  return out;
}

/** Lower median of 0..255 values via a histogram walk. */
function histMedian(hist: Uint32Array, n: number): number {
  return histRank(hist, Math.floor((n + 1) / 2));
}
function histRank(hist: Uint32Array, k: number): number {
  let acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v]!;
    if (acc >= k) return v;
  }
  return 255;
}

function borderStats(img: GreyImage): { bg: number; mad: number } {
  const { width: w, height: h, data } = img;
  const b = Math.max(1, Math.floor(Math.min(w, h) / 50));
  const vals: number[] = [];
  for (let y = 0; y < h; y++) {
    const edgeRow = y < b || y >= h - b;
    for (let x = 0; x < w; x++) {
      if (edgeRow || x < b || x >= w - b) vals.push(data[y * w + x]!);
    }
  }
  const hist = new Uint32Array(256);
  for (const v of vals) hist[v]!++;
  const bg = histMedian(hist, vals.length);
  hist.fill(0);
  for (const v of vals) hist[Math.abs(v - bg)]!++;
  return { bg, mad: histMedian(hist, vals.length) };
}

/** Per output pixel: the first source index it covers and the overlap weights from there. */
function areaWeights(src: number, dst: number): Array<{ from: number; w: Float64Array }> {
  const scale = src / dst;
  const rows: Array<{ from: number; w: Float64Array }> = [];
  for (let o = 0; o < dst; o++) {
    const lo = o * scale;
    const hi = (o + 1) * scale;
    const from = Math.floor(lo);
    const w = new Float64Array(Math.min(src, Math.ceil(hi)) - from);
    for (let i = 0; i < w.length; i++) w[i] = (Math.min(hi, from + i + 1) - Math.max(lo, from + i)) / scale;
    rows.push({ from, w });
  }
  return rows;
}

/** Greyscale frame → normalised [28*28] Float32 (item light on black), written into `out` at `offset`. */
export function toTensor(img: GreyImage, out = new Float32Array(INPUT_SIZE * INPUT_SIZE), offset = 0): Float32Array {
  const { width: w, height: h, data } = img;
  const { bg, mad } = borderStats(img);
  const light = bg > 127;
  const t = Math.max(8, 4 * mad + 4);
  const fg = new Uint8Array(w * h);
  const rowCount = new Uint32Array(h);
  const colCount = new Uint32Array(w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const v = light ? bg - data[i]! : data[i]! - bg;
      if (v > t) {
        fg[i] = v;
        rowCount[y]!++;
        colCount[x]!++;
      }
    }
  }
  const [y0, y1] = span(rowCount, Math.max(1, Math.floor(w / 100)));
  const [x0, x1] = span(colCount, Math.max(1, Math.floor(h / 100)));
  if (y0 < 0 || x0 < 0) throw imageError('no_object', 'no object found');
  const cw = x1 - x0;
  const ch = y1 - y0;
  const hist = new Uint32Array(256);
  let kept = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const v = fg[y * w + x]!;
      if (v > 0) {
        hist[v]!++;
        kept++;
      }
    }
  const hi = histRank(hist, Math.ceil(kept * 0.99));
  const gain = Math.min(MAX_GAIN, Math.max(1, 255 / Math.max(hi, 1)));
  // centre the crop on a zero square, then area-average it down (or up) to 28x28
  const s = Math.max(cw, ch);
  const ox = Math.floor((s - cw) / 2);
  const oy = Math.floor((s - ch) / 2);
  const wm = areaWeights(s, INPUT_SIZE);
  const tmp = new Float64Array(ch * INPUT_SIZE); // crop rows x 28 columns
  for (let y = 0; y < ch; y++) {
    const base = (y + y0) * w + x0;
    for (let o = 0; o < INPUT_SIZE; o++) {
      const { from, w: wr } = wm[o]!;
      let acc = 0;
      for (let k = 0; k < wr.length; k++) {
        const x = from + k - ox; // square column → crop column; outside the crop is padding (0)
        if (x >= 0 && x < cw) acc += wr[k]! * Math.min(255, fg[base + x]! * gain);
      }
      tmp[y * INPUT_SIZE + o] = acc;
    }
  }
  for (let oyy = 0; oyy < INPUT_SIZE; oyy++) {
    const { from, w: wr } = wm[oyy]!;
    for (let o = 0; o < INPUT_SIZE; o++) {
      let acc = 0;
      for (let k = 0; k < wr.length; k++) {
        const y = from + k - oy;
        if (y >= 0 && y < ch) acc += wr[k]! * tmp[y * INPUT_SIZE + o]!;
      }
      out[offset + oyy * INPUT_SIZE + o] = (acc / 255 - MEAN) / STD;
    }
  }
  return out;
}

function span(counts: Uint32Array, min: number): [number, number] {
  let a = -1;
  let b = -1;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i]! >= min) {
      if (a < 0) a = i;
      b = i + 1;
    }
  }
  return [a, b];
}

export async function preprocess(bytes: Buffer, limits: PreprocessLimits, opts: DecodeOptions = {}): Promise<Float32Array> {
  return toTensor(await decodeGrey(bytes, limits, opts));
}
