import { fileURLToPath } from 'node:url';
import { readIdx } from '../../../../models/camera-frames.ts';

export { cameraJpeg, pngOf } from '../../../../models/camera-frames.ts';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/fashion-mnist/', import.meta.url));

/** First 1000 t10k images (idx format, committed by models/make_fixtures.py). */
export function loadT10kSubset(): { images: Uint8Array[]; labels: number[] } {
  return readIdx(`${FIXTURES}t10k-first1000-images.gz`, `${FIXTURES}t10k-first1000-labels.gz`);
}
