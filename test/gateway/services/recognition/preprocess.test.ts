import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeGrey, INPUT_SIZE, jpegSize, preprocess, workingSize } from '../../../../gateway/services/recognition/preprocess.ts';
import { FIXTURES } from './fixtures.ts';

const LIMITS = { maxBytes: 8 << 20, maxInputPixels: 24_000_000 };
const parity = JSON.parse(readFileSync(`${FIXTURES}parity.json`, 'utf8')) as { cases: Array<{ file: string; tensor: number[] }> };

describe('recognition preprocessing', () => {
  for (const c of parity.cases) {
    it(`gives the same tensor as the Python training transform for ${c.file}`, async () => {
      // both sides shrink JPEGs on load (PIL draft + the same nearest step as libvips), so this is the gateway path
      const t = await preprocess(readFileSync(`${FIXTURES}${c.file}`), LIMITS);
      expect(t.length).toBe(INPUT_SIZE * INPUT_SIZE);
      let worst = 0;
      for (let i = 0; i < t.length; i++) worst = Math.max(worst, Math.abs(t[i]! - c.tensor[i]!));
      // identical pixels (PIL and libvips both use libjpeg's scaled IDCT), so only float32 rounding is left
      expect(worst).toBeLessThan(1e-4);
    });
  }
});

describe('JPEG shrink-on-load', () => {
  it('resizes by s+1 for the largest 1/2, 1/4, 1/8 that keeps the short side at 80 px or more, and not below', () => {
    expect(workingSize(640, 480)).toEqual({ width: 128, height: 96 });
    expect(workingSize(320, 240)).toEqual({ width: 106, height: 80 });
    expect(workingSize(1920, 1080)).toEqual({ width: 213, height: 120 });
    expect(workingSize(4000, 3000)).toEqual({ width: 444, height: 333 });
    expect(workingSize(200, 150)).toBeNull();
  });

  it('reads the frame size from the JPEG header without libvips, and leaves other bytes to libvips', async () => {
    const jpeg = readFileSync(`${FIXTURES}parity-light-320x240.jpg`);
    expect(jpegSize(jpeg)).toEqual({ format: 'jpeg', width: 320, height: 240, hasAlpha: false, hasExif: false });
    expect(jpegSize(readFileSync(`${FIXTURES}parity-t10k-0.png`))).toBeNull();
    expect(jpegSize(jpeg.subarray(0, 20))).toBeNull();
  });

  it('decodes a 320x240 camera JPEG at 107x80 with the same item found as at full size', async () => {
    const jpeg = readFileSync(`${FIXTURES}parity-light-320x240.jpg`);
    const small = await decodeGrey(jpeg, LIMITS);
    expect([small.width, small.height]).toEqual([107, 80]);
    const a = await preprocess(jpeg, LIMITS);
    const b = await preprocess(jpeg, LIMITS, { shrinkOnLoad: false });
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < a.length; i++) {
      dot += a[i]! * b[i]!;
      na += a[i]! * a[i]!;
      nb += b[i]! * b[i]!;
    }
    expect(dot / Math.sqrt(na * nb)).toBeGreaterThan(0.95);
  });
});

describe('JPEG shrink-on-load with EXIF orientation', () => {
  /** the 320x240 parity frame with EXIF orientation 6 (turned 90° on display) */
  const orientedJpeg = async () => {
    const sharp = (await import('sharp')).default;
    return sharp(readFileSync(`${FIXTURES}parity-light-320x240.jpg`))
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
  };

  it('keeps a frame turned by EXIF (orientation 6) upright and unsquashed', async () => {
    const jpeg = await orientedJpeg();
    // the header scan sees the Exif segment, so the frame is turned (a frame without one skips that step)
    expect(jpegSize(jpeg)).toMatchObject({ width: 320, height: 240, hasExif: true });
    const img = await decodeGrey(jpeg, LIMITS);
    expect(img.height).toBeGreaterThan(img.width);
    expect(img.height / img.width).toBeCloseTo(320 / 240, 1);
  });

  it('turns a frame whose Exif segment comes after its frame header too', async () => {
    const oriented = await orientedJpeg();
    // move the APP1 segment behind the SOF0 segment (markers before the scan may come in any order)
    const segments: Array<{ marker: number; bytes: Buffer }> = [];
    let i = 2;
    while (oriented[i + 1] !== 0xda) {
      const len = oriented.readUInt16BE(i + 2);
      segments.push({ marker: oriented[i + 1]!, bytes: oriented.subarray(i, i + 2 + len) });
      i += 2 + len;
    }
    const app1 = segments.filter((s) => s.marker === 0xe1);
    const rest = segments.filter((s) => s.marker !== 0xe1);
    const sof = rest.findIndex((s) => s.marker === 0xc0);
    rest.splice(sof + 1, 0, ...app1);
    const moved = Buffer.concat([oriented.subarray(0, 2), ...rest.map((s) => s.bytes), oriented.subarray(i)]);
    expect(jpegSize(moved)).toMatchObject({ width: 320, height: 240, hasExif: true });
    const img = await decodeGrey(moved, LIMITS);
    expect(img.height).toBeGreaterThan(img.width);
  });
});

describe('preprocessing buffers', () => {
  it('gives a frame the same tensor before and after a large PNG (arrays of its own) and after frames of other sizes', async () => {
    const sharp = (await import('sharp')).default;
    const small = readFileSync(`${FIXTURES}parity-light-320x240.jpg`);
    // 700x700 = 490k pixels: above what the reused scratch arrays hold, and a PNG is not shrunk on load
    const large = await sharp(small).resize(700, 700, { fit: 'fill' }).png().toBuffer();
    const photo = readFileSync(`${FIXTURES}parity-t10k-0.png`);
    const first = await preprocess(small, LIMITS);
    const largeFirst = await preprocess(large, LIMITS);
    await preprocess(photo, LIMITS);
    expect(await preprocess(small, LIMITS)).toEqual(first);
    expect(await preprocess(large, LIMITS)).toEqual(largeFirst);
    expect(await preprocess(small, LIMITS)).toEqual(first);
  });
});
