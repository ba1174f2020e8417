import type { default as SharpFn } from 'sharp';
import { imageError } from './errors.ts';

/**
 * Frame bytes → greyscale pixels at the working size: header checks before any pixel is decoded, JPEG shrink-on-load,
 * integer Rec.601 luma. models/preprocess.py decode_grey() mirrors it (same libjpeg scaled IDCT, same nearest step).
 */
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
 * The smallest short side the pixel steps work at: the item fills 35–90 % of a mirror frame's short side, so at 80 px
 * it still covers 28–72 px before the 28x28 area average. Larger JPEGs are decoded straight to about that size.
 */
export const WORK_MIN_SIDE = 80;

/**
 * The working size for a w x h frame: w/(s+1) x h/(s+1) for the largest JPEG shrink-on-load factor s (8, 4, 2) that
 * keeps the short side at WORK_MIN_SIDE or more. sharp asks libjpeg for 1/s only when the resize shrinks by at least
 * s and by less than 2s, and halves s when the integer part of the shrink equals s ("known libjpeg rounding errors",
 * sharp's src/pipeline.cc): so a resize by s+1. libjpeg then does the 1/s in its inverse DCT, the frame is never
 * decoded at full size, and a nearest-neighbour step takes it the rest of the way. (The earlier w/s − 1 hit that
 * halving: a 640x480 frame was decoded at 320x240 and a 320x240 one at full size.)
 */
export function workingSize(width: number, height: number): { width: number; height: number } | null {
  let s = 8;
  while (s > 1 && Math.min(width, height) / (s + 1) < WORK_MIN_SIDE) s /= 2;
  if (s === 1) return null;
  return { width: Math.floor(width / (s + 1)), height: Math.floor(height / (s + 1)) };
}

export interface DecodeOptions {
  /**
   * false: decode JPEGs at full size (tests compare the two); the gateway and models/preprocess.py shrink on load.
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
  let head: { format?: string; width?: number; height?: number; hasAlpha?: boolean; hasExif?: boolean } | null = jpegSize(bytes);
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
    let img = sharp(bytes, { limitInputPixels: limits.maxInputPixels, failOn: 'error', pages: 1 });
    // EXIF orientation: a JPEG without an Exif segment before its first scan has none to apply (a camera frame
    // usually), which saves libvips an orientation step; anything else is turned as its EXIF says
    if (head.hasExif !== false) img = img.rotate();
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
 * `hasExif`: an APP1 Exif segment came before the first scan (only then can the frame carry an orientation); the
 * markers are read up to the scan, a few hundred bytes, never the compressed data.
 */
export function jpegSize(b: Buffer): { format: 'jpeg'; width: number; height: number; hasAlpha: false; hasExif: boolean } | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let i = 2;
  let hasExif = false;
  let size: { width: number; height: number } | null = null;
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    // the first scan (or the end) ends the header: a frame without a frame header before it is not well formed
    if (marker === 0xda || marker === 0xd9) break;
    const len = b.readUInt16BE(i + 2);
    if (len < 2) return null;
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (i + 9 > b.length) return null;
      const height = b.readUInt16BE(i + 5);
      const width = b.readUInt16BE(i + 7);
      if (width === 0 || height === 0) return null;
      size ??= { width, height };
    }
    if (marker === 0xe1 && b.toString('latin1', i + 4, i + 10) === 'Exif\0\0') hasExif = true;
    i += 2 + len;
  }
  return size ? { format: 'jpeg', ...size, hasAlpha: false, hasExif } : null;
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
