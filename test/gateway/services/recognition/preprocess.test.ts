import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INPUT_SIZE, preprocess } from '../../../../gateway/services/recognition/preprocess.ts';
import { FIXTURES } from './fixtures.ts';

const LIMITS = { maxBytes: 8 << 20, maxInputPixels: 24_000_000 };
const parity = JSON.parse(readFileSync(`${FIXTURES}parity.json`, 'utf8')) as { cases: Array<{ file: string; tensor: number[] }> };

describe('recognition preprocessing', () => {
  for (const c of parity.cases) {
    it(`gives the same tensor as the Python training transform for ${c.file}`, async () => {
      const t = await preprocess(readFileSync(`${FIXTURES}${c.file}`), LIMITS);
      expect(t.length).toBe(INPUT_SIZE * INPUT_SIZE);
      let worst = 0;
      for (let i = 0; i < t.length; i++) worst = Math.max(worst, Math.abs(t[i]! - c.tensor[i]!));
      // PNG: identical pixels, so only float rounding; JPEG: two decoders (PIL, libvips) may differ slightly
      expect(worst).toBeLessThan(c.file.endsWith('.png') ? 1e-4 : 0.01);
    });
  }
});
