/**
 * What a shadow model costs the live path: the full recognition pipeline (640x480 camera JPEG → decode → preprocess →
 * micro-batched live model → result) without a shadow and with the shipped CNN again as the shadow (the worst case: a
 * candidate as large as the live model), in alternating rounds, medians of 3. Standalone (not in `npm run bench`):
 *
 *   npx tsx bench/shadow.ts
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createRecognitionService, RECOGNITION_DEFAULTS } from '../gateway/services/recognition/index.ts';
import { cameraJpeg, loadT10kSubset } from '../test/gateway/services/recognition/fixtures.ts';
import { SHIPPED_TWIN } from '../test/gateway/services/recognition/rollout-helpers.ts';

const FRAMES = Number(process.env.BENCH_SHADOW_FRAMES ?? 400);
const CONCURRENCY = 16;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

async function round(jpegs: Buffer[], shadow: string | null) {
  const svc = createRecognitionService({
    log: pino({ level: 'silent' }),
    metrics: new Registry(),
    config: { ...RECOGNITION_DEFAULTS, catalogPath: '', ...(shadow ? { shadow: { modelPath: shadow } } : {}) },
  });
  await svc.start();
  let shadowed = 0;
  svc.onFrame((f) => void (f.slot === 'shadow' && shadowed++));
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < FRAMES) await svc.recognise(jpegs[next++ % jpegs.length]!);
    }),
  );
  const rate = FRAMES / ((performance.now() - t0) / 1000);
  await svc.stop();
  return { rate, shadowed };
}

const t10k = loadT10kSubset();
const jpegs = await Promise.all(Array.from({ length: 32 }, (_, i) => cameraJpeg(t10k.images[i]!, i + 1, { light: i % 4 !== 3 })));
const twin = join(tmpdir(), `storegate-bench-shadow-${process.pid}.onnx`);
writeFileSync(twin, SHIPPED_TWIN);
const without: number[] = [];
const withShadow: number[] = [];
let shadowed = 0;
await round(jpegs, null); // warm-up: sharp, onnxruntime and the page cache
for (let r = 0; r < 3; r++) {
  without.push((await round(jpegs, null)).rate);
  const w = await round(jpegs, twin);
  withShadow.push(w.rate);
  shadowed += w.shadowed;
}
const a = median(without);
const b = median(withShadow);
process.stdout.write(
  `${JSON.stringify({ frames: FRAMES, concurrency: CONCURRENCY, noShadowFps: Math.round(a), withShadowFps: Math.round(b), ratio: Math.round((b / a) * 100) / 100, shadowRunsSeen: shadowed, rounds: { without: without.map(Math.round), withShadow: withShadow.map(Math.round) } })}\n`,
);
