/**
 * Recognition throughput: the full pipeline (640x480 camera JPEG → sharp decode → preprocessing →
 * micro-batched onnxruntime → result) against raw onnxruntime-node on ready tensors, in the same run.
 * The reference column is the raw-inference figure, so the ratio shows what decode+preprocessing cost; the
 * "vs sharp alone" rows take as reference sharp by itself decoding the same JPEGs to 28x28 greyscale, measured in
 * alternating rounds with the pipeline (medians of 3), the bar the recognition path has to reach (≥ 0.85×).
 */
import { readFile } from 'node:fs/promises';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createRecognitionService, preprocess, RECOGNITION_DEFAULTS } from '../gateway/services/recognition/index.ts';
import { loadOnnxRuntime } from '../gateway/services/recognition/onnxruntime.ts';
import { cameraJpeg, loadT10kSubset } from '../test/gateway/services/recognition/fixtures.ts';
import { type BenchRow, percentile, printTable } from './lib.ts';

const FRAMES = Number(process.env.BENCH_RECOGNITION_FRAMES ?? 400);
const CONCURRENCY = 16;
const LIMITS = { maxBytes: RECOGNITION_DEFAULTS.maxBytes, maxInputPixels: RECOGNITION_DEFAULTS.maxInputPixels };

interface Timed {
  rate: number;
  p50: number;
  p99: number;
}

/** `workers` closed-loop clients, each sending its next item when the previous one is answered. */
async function closedLoop(n: number, workers: number, one: (i: number) => Promise<unknown>): Promise<Timed> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < n) {
        const i = next++;
        const s = performance.now();
        await one(i);
        lat.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { rate: n / seconds, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

export async function run(): Promise<BenchRow[]> {
  const ort = await loadOnnxRuntime();
  const sharp = (await import('sharp')).default;
  const t10k = loadT10kSubset();
  const jpegs = await Promise.all(Array.from({ length: 32 }, (_, i) => cameraJpeg(t10k.images[i]!, i + 1, { light: i % 4 !== 3 })));
  const tensors = await Promise.all(jpegs.map((j) => preprocess(j, LIMITS)));
  const rssBefore = process.memoryUsage().rss / 2 ** 20;

  // raw onnxruntime on ready tensors, same options as the service
  const session = await ort.InferenceSession.create(await readFile(RECOGNITION_DEFAULTS.modelPath), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const rawRun = (n: number, i: number) => {
    const buf = new Float32Array(n * 784);
    for (let k = 0; k < n; k++) buf.set(tensors[(i + k) % tensors.length]!, k * 784);
    return session.run({ input: new ort.Tensor('float32', buf, [n, 1, 28, 28]) });
  };
  await rawRun(1, 0);
  const raw1 = await closedLoop(FRAMES * 4, 1, (i) => rawRun(1, i));
  const raw16t0 = performance.now();
  for (let i = 0; i < (FRAMES * 4) / 16; i++) await rawRun(16, i);
  const raw16 = (FRAMES * 4) / ((performance.now() - raw16t0) / 1000);
  await session.release();

  // sharp alone vs decode + preprocess, in alternating rounds so both see the same load on a shared box
  const sharpAlone = (b: Buffer) => sharp(b).greyscale().resize(28, 28).raw().toBuffer();
  const sharpRates: number[] = [];
  const prepRates: number[] = [];
  const prepRuns: Timed[] = [];
  for (let round = 0; round < 3; round++) {
    sharpRates.push((await closedLoop(FRAMES / 2, 1, (i) => sharpAlone(jpegs[i % jpegs.length]!))).rate);
    const p = await closedLoop(FRAMES / 2, 1, (i) => preprocess(jpegs[i % jpegs.length]!, LIMITS));
    prepRuns.push(p);
    prepRates.push(p.rate);
  }
  const sharpRate = median(sharpRates);
  const prep = prepRuns[prepRates.indexOf(median(prepRates))]!;

  const log = pino({ level: 'silent' });
  const single = createRecognitionService({ log, metrics: new Registry(), config: { maxBatch: 1, batchWindowMs: 0 } });
  await single.start();
  const rssLoaded = process.memoryUsage().rss / 2 ** 20;
  const seq = await closedLoop(FRAMES, 1, (i) => single.recognise(jpegs[i % jpegs.length]!));
  const unbatched = await closedLoop(FRAMES, CONCURRENCY, (i) => single.recognise(jpegs[i % jpegs.length]!));
  await single.stop();

  const metrics = new Registry();
  const batched = createRecognitionService({ log, metrics, config: { maxBatch: 16, batchWindowMs: 4 } });
  await batched.start();
  const mb = await closedLoop(FRAMES, CONCURRENCY, (i) => batched.recognise(jpegs[i % jpegs.length]!));
  const sizes = ((await metrics.getMetricsAsJSON()).find((m) => m.name === 'storegate_recognition_batch_size_frames')?.values ?? []) as Array<{
    value: number;
    metricName?: string;
  }>;
  const sum = sizes.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
  const count = sizes.find((v) => v.metricName?.endsWith('_count'))?.value ?? 1;
  await batched.stop();
  const rssAfter = process.memoryUsage().rss / 2 ** 20;

  const note = `640x480 JPEG q85, ${FRAMES} frames; reference = raw onnxruntime on ready tensors`;
  return [
    { name: 'full pipeline, 1 client, batch 1: frames/s', value: seq.rate, unit: 'fr/s', reference: raw1.rate, note },
    { name: 'full pipeline, 1 client, batch 1: p50', value: seq.p50, unit: 'ms', reference: raw1.p50 },
    { name: 'full pipeline, 1 client, batch 1: p99', value: seq.p99, unit: 'ms', reference: raw1.p99 },
    { name: `full pipeline, ${CONCURRENCY} clients, batch 1: frames/s`, value: unbatched.rate, unit: 'fr/s', reference: raw1.rate },
    { name: `full pipeline, ${CONCURRENCY} clients, batch 1: p99`, value: unbatched.p99, unit: 'ms' },
    {
      name: `full pipeline, ${CONCURRENCY} clients, micro-batched: frames/s`,
      value: mb.rate,
      unit: 'fr/s',
      reference: raw16,
      note: `mean batch ${(sum / count).toFixed(1)}; reference = raw batch 16`,
    },
    { name: `full pipeline, ${CONCURRENCY} clients, micro-batched: p50`, value: mb.p50, unit: 'ms' },
    { name: `full pipeline, ${CONCURRENCY} clients, micro-batched: p99`, value: mb.p99, unit: 'ms' },
    { name: 'sharp alone: JPEG → 28x28 grey, 1 client', value: sharpRate, unit: 'fr/s', reference: 316, note: 'reference: MEASURED.md sharp 640x480 → 28x28' },
    {
      name: 'decode + preprocess vs sharp alone, 1 client',
      value: prep.rate,
      unit: 'fr/s',
      reference: sharpRate,
      note: 'reference: sharp alone, same run (target ≥ 0.85x)',
    },
    {
      name: 'full pipeline, 1 client, batch 1 vs sharp alone',
      value: seq.rate,
      unit: 'fr/s',
      reference: sharpRate,
      note: 'reference: sharp alone, same run (target ≥ 0.85x)',
    },
    { name: 'raw onnxruntime batch 1', value: raw1.rate, unit: 'img/s', reference: 7900, note: 'reference: MEASURED.md 220k-param CNN' },
    { name: 'raw onnxruntime batch 16', value: raw16, unit: 'img/s', reference: 11900, note: 'reference: MEASURED.md at batch 8' },
    { name: 'RSS with model loaded', value: rssLoaded, unit: 'MB', note: `before model ${rssBefore.toFixed(0)} MB (sharp + ort loaded)` },
    { name: 'RSS after the runs', value: rssAfter, unit: 'MB' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run();
  printTable(rows.map((r) => ({ ...r, area: 'recognition' })));
}
