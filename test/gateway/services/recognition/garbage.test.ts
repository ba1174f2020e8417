import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Registry } from 'prom-client';
import sharp from 'sharp';
import { createRecognitionService, type RecognitionService } from '../../../../gateway/services/recognition/index.ts';
import { cameraJpeg, loadT10kSubset } from './fixtures.ts';

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A well-formed PNG header claiming width x height, with a few bytes of pixel data: a decompression bomb's shape. */
function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(0, 9); // greyscale
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    sig,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A real 16x16 baseline JPEG whose SOF0 frame header is patched to claim width x height. */
async function jpegClaiming(width: number, height: number): Promise<Buffer> {
  const jpeg = Buffer.from(
    await sharp({ create: { width: 16, height: 16, channels: 3, background: '#888' } })
      .jpeg()
      .toBuffer(),
  );
  const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  jpeg.writeUInt16BE(height, sof + 5);
  jpeg.writeUInt16BE(width, sof + 7);
  return jpeg;
}

describe('recognition refuses garbage frames with a coded error', () => {
  let svc: RecognitionService;
  let metrics: Registry;
  let goodJpeg: Buffer;
  beforeAll(async () => {
    metrics = new Registry();
    svc = createRecognitionService({ log: pino({ level: 'silent' }), metrics, config: { maxInputPixels: 4_000_000 } });
    await svc.start();
    goodJpeg = await cameraJpeg(loadT10kSubset().images[0]!, 3);
  });
  afterAll(() => svc.stop());

  const cases: Array<[string, () => Promise<Buffer> | Buffer, string, string]> = [
    ['a 0-byte file', () => Buffer.alloc(0), 'SG_IMAGE_INVALID', 'empty'],
    ['a truncated JPEG', () => goodJpeg.subarray(0, Math.floor(goodJpeg.length / 2)), 'SG_IMAGE_INVALID', 'corrupt'],
    ['a text file named .jpg', () => Buffer.from('this is not a photo of a coat\n'.repeat(20)), 'SG_IMAGE_INVALID', 'not_an_image'],
    [
      'a 1x1 image',
      () =>
        sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } })
          .png()
          .toBuffer(),
      'SG_IMAGE_INVALID',
      'too_small',
    ],
    ['a PNG header claiming 50000x50000 pixels', () => pngClaiming(50_000, 50_000), 'SG_IMAGE_TOO_LARGE', 'too_many_pixels'],
    ['a JPEG header claiming 50000x50000 pixels', () => jpegClaiming(50_000, 50_000), 'SG_IMAGE_TOO_LARGE', 'too_many_pixels'],
    [
      'a real, tiny-on-disk 5000x5000 PNG over the pixel limit',
      () =>
        sharp({ create: { width: 5000, height: 5000, channels: 3, background: '#000' } })
          .png()
          .toBuffer(),
      'SG_IMAGE_TOO_LARGE',
      'too_many_pixels',
    ],
    [
      'a GIF',
      () =>
        sharp({ create: { width: 32, height: 32, channels: 3, background: '#fff' } })
          .gif()
          .toBuffer(),
      'SG_IMAGE_INVALID',
      'unsupported_format',
    ],
    [
      'a blank wall with nothing on it',
      () =>
        sharp({ create: { width: 64, height: 48, channels: 3, background: '#c8c8c8' } })
          .jpeg()
          .toBuffer(),
      'SG_IMAGE_NO_OBJECT',
      'no_object',
    ],
  ];

  for (const [what, make, code, reason] of cases) {
    it(`rejects ${what} as ${code} (${reason})`, async () => {
      const bytes = await make();
      await expect(svc.recognise(bytes)).rejects.toMatchObject({ code, reason });
    });
  }

  it('rejects a frame over maxBytes before looking at it', async () => {
    const small = createRecognitionService({ log: pino({ level: 'silent' }), metrics: new Registry(), config: { maxBytes: 1000 } });
    await small.start();
    await expect(small.recognise(goodJpeg)).rejects.toMatchObject({ code: 'SG_IMAGE_TOO_LARGE', reason: 'too_many_bytes' });
    await small.stop();
  });

  it('counts rejections by reason, keeps memory bounded and still answers a good frame afterwards', async () => {
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 20; i++) await svc.recognise(pngClaiming(50_000, 50_000)).catch(() => undefined);
    // a decoded 50000x50000 frame would be 2.5 GB; a header check costs nothing
    expect(process.memoryUsage().rss - rss0).toBeLessThan(100 * 1024 * 1024);
    const metric = (await metrics.getMetricsAsJSON()).find((m) => m.name === 'storegate_recognition_frames_rejected_total');
    const byReason = Object.fromEntries((metric?.values ?? []).map((v) => [v.labels.reason, v.value]));
    expect(byReason.too_many_pixels).toBeGreaterThanOrEqual(20);
    expect(byReason.empty).toBe(1);
    expect(svc.status().rejected.corrupt).toBe(1);
    const r = await svc.recognise(goodJpeg);
    expect(r.modelId).toBe(svc.status().modelId);
  });
});
