/**
 * Recognition throughput: the full pipeline (640x480 camera JPEG → sharp decode → preprocessing →
 * micro-batched onnxruntime → result) against raw onnxruntime-node on ready tensors, in the same run.
 * The reference column is the raw-inference figure, so the ratio shows what decode+preprocessing cost; the
 * "vs sharp alone" rows take as reference sharp by itself decoding the same JPEGs to 28x28 greyscale, measured in
 * alternating rounds with the pipeline (medians of 3), the bar the recognition path has to reach (≥ 0.85×).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createRecognitionService, preprocess, RECOGNITION_DEFAULTS } from '../gateway/services/recognition/index.ts';
import { loadOnnxRuntime } from '../gateway/services/recognition/onnxruntime.ts';
import { cameraJpeg, loadT10kSubset } from '../test/gateway/services/recognition/fixtures.ts';
import { type BenchRow, median, percentile, printTable } from './lib.ts';

const FRAMES = Number(process.env.BENCH_RECOGNITION_FRAMES ?? 400);
const CONCURRENCY = 16;
const LIMITS = { maxBytes: RECOGNITION_DEFAULTS.maxBytes, maxInputPixels: RECOGNITION_DEFAULTS.maxInputPixels };

interface Timed {
  rate: number;
  p50: number;
  p99: number;
}

const BIN = new URL('../bin/storegate.js', import.meta.url).pathname;
const SHARP_ALONE = new URL('./sharp-alone.mjs', import.meta.url).pathname;

/** wall seconds of a whole command, from outside (process start, reading the files, answers on stdout) */
function wall(args: string[]): number {
  const t0 = performance.now();
  execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 64 << 20 });
  return (performance.now() - t0) / 1000;
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
  // and with as many clients as the concurrent pipeline rows: libvips decodes on both cores
  const sharpConc = await closedLoop(FRAMES, CONCURRENCY, (i) => sharpAlone(jpegs[i % jpegs.length]!));
  const prep = prepRuns[prepRates.indexOf(median(prepRates))]!;

  const log = pino({ level: 'silent' });
  // the service as shipped (RECOGNITION_DEFAULTS: batches of up to 16, no window), then with a 4 ms window (the
  // default until 2026-12) and with batching off, 16 clients each
  const meanBatch = async (metrics: Registry) => {
    const sizes = ((await metrics.getMetricsAsJSON()).find((m) => m.name === 'storegate_recognition_batch_size_frames')?.values ?? []) as Array<{
      value: number;
      metricName?: string;
    }>;
    const sum = sizes.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
    const count = sizes.find((v) => v.metricName?.endsWith('_count'))?.value || 1;
    return sum / count;
  };
  const shippedMetrics = new Registry();
  const shipped = createRecognitionService({ log, metrics: shippedMetrics, config: {} });
  await shipped.start();
  const rssLoaded = process.memoryUsage().rss / 2 ** 20;
  const seq = await closedLoop(FRAMES, 1, (i) => shipped.recognise(jpegs[i % jpegs.length]!));
  const conc = await closedLoop(FRAMES, CONCURRENCY, (i) => shipped.recognise(jpegs[i % jpegs.length]!));
  const shippedBatch = await meanBatch(shippedMetrics);
  await shipped.stop();

  const single = createRecognitionService({ log, metrics: new Registry(), config: { maxBatch: 1, batchWindowMs: 0 } });
  await single.start();
  const unbatched = await closedLoop(FRAMES, CONCURRENCY, (i) => single.recognise(jpegs[i % jpegs.length]!));
  await single.stop();

  const windowMetrics = new Registry();
  const windowed = createRecognitionService({ log, metrics: windowMetrics, config: { maxBatch: 16, batchWindowMs: 4 } });
  await windowed.start();
  const seqWindow = await closedLoop(FRAMES / 2, 1, (i) => windowed.recognise(jpegs[i % jpegs.length]!));
  const mb = await closedLoop(FRAMES, CONCURRENCY, (i) => windowed.recognise(jpegs[i % jpegs.length]!));
  const windowBatch = await meanBatch(windowMetrics);
  await windowed.stop();
  const rssAfter = process.memoryUsage().rss / 2 ** 20;

  // from outside: `storegate recognize` over FRAMES files against sharp alone's own process over the same files,
  // whole commands (start-up included), alternating, medians of 3
  const dir = mkdtempSync(join(tmpdir(), 'sg-bench-frames-'));
  const files = Array.from({ length: FRAMES }, (_, i) => {
    const f = join(dir, `frame-${i}.jpg`);
    writeFileSync(f, jpegs[i % jpegs.length]!);
    return f;
  });
  const cliTimes: number[] = [];
  const sharpTimes: number[] = [];
  try {
    for (let round = 0; round < 3; round++) {
      sharpTimes.push(wall([SHARP_ALONE, ...files]));
      cliTimes.push(wall([BIN, 'recognize', '--json', ...files]));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const cliRate = FRAMES / median(cliTimes);
  const sharpCliRate = FRAMES / median(sharpTimes);

  const note = `640x480 JPEG q85, ${FRAMES} frames, shipped config; reference = raw onnxruntime on ready tensors`;
  return [
    { name: 'full pipeline, 1 client: frames/s', value: seq.rate, unit: 'fr/s', reference: raw1.rate, note },
    { name: 'full pipeline, 1 client: p50', value: seq.p50, unit: 'ms', reference: raw1.p50 },
    { name: 'full pipeline, 1 client: p99', value: seq.p99, unit: 'ms', reference: raw1.p99 },
    { name: 'full pipeline, 1 client, 4 ms window: p50', value: seqWindow.p50, unit: 'ms', reference: seq.p50, note: 'reference: shipped config (no window)' },
    {
      name: `full pipeline, ${CONCURRENCY} clients: frames/s`,
      value: conc.rate,
      unit: 'fr/s',
      reference: raw16,
      note: `mean batch ${shippedBatch.toFixed(1)}; reference = raw batch 16`,
    },
    { name: `full pipeline, ${CONCURRENCY} clients: p50`, value: conc.p50, unit: 'ms' },
    { name: `full pipeline, ${CONCURRENCY} clients: p99`, value: conc.p99, unit: 'ms' },
    {
      name: `full pipeline, ${CONCURRENCY} clients, batch 1: frames/s`,
      value: unbatched.rate,
      unit: 'fr/s',
      reference: conc.rate,
      note: 'reference: shipped config',
    },
    { name: `full pipeline, ${CONCURRENCY} clients, batch 1: p99`, value: unbatched.p99, unit: 'ms' },
    {
      name: `full pipeline, ${CONCURRENCY} clients, 4 ms window: frames/s`,
      value: mb.rate,
      unit: 'fr/s',
      reference: conc.rate,
      note: `mean batch ${windowBatch.toFixed(1)}; reference: shipped config`,
    },
    { name: `full pipeline, ${CONCURRENCY} clients, 4 ms window: p99`, value: mb.p99, unit: 'ms' },
    { name: 'sharp alone: JPEG → 28x28 grey, 1 client', value: sharpRate, unit: 'fr/s', reference: 316, note: 'reference: MEASURED.md sharp 640x480 → 28x28' },
    {
      name: 'decode + preprocess vs sharp alone, 1 client',
      value: prep.rate,
      unit: 'fr/s',
      reference: sharpRate,
      note: 'reference: sharp alone, same run (target ≥ 0.85x)',
    },
    {
      name: 'full pipeline, 1 client vs sharp alone',
      value: seq.rate,
      unit: 'fr/s',
      reference: sharpRate,
      note: 'reference: sharp alone, same run (target ≥ 0.85x)',
    },
    {
      name: `full pipeline, ${CONCURRENCY} clients vs sharp alone, ${CONCURRENCY} clients`,
      value: conc.rate,
      unit: 'fr/s',
      reference: sharpConc.rate,
      note: 'reference: sharp alone, same run, same concurrency (target ≥ 0.85x)',
    },
    {
      name: `storegate recognize, ${FRAMES} files, whole command`,
      value: cliRate,
      unit: 'fr/s',
      reference: sharpCliRate,
      note: 'reference: bench/sharp-alone.mjs on the same files, own process; medians of 3 (target ≥ 0.85x)',
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
