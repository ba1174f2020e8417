/**
 * Evaluates the shipped model through the gateway's own path (TypeScript preprocessing + onnxruntime-node,
 * no Python): t10k from the Debian dataset files, and a camera-like set generated from t10k (off-centre on
 * 640x480 JPEGs, light and dark backgrounds, tilted, noisy), and the held-out mirror set (models/heldout-set.ts:
 * 320x240 and 640x480 colour JPEGs of t10k items on every kind of wall) with a per-condition accuracy table.
 * Prints accuracy and per-class confusion.
 *
 *   npx tsx models/evaluate.ts [--limit 10000] [--camera 1000] [--heldout 2000] [--json] [--fixtures] [--model path.onnx]
 *
 * --fixtures reads the committed first 1000 t10k images (test/fixtures/fashion-mnist) instead of the Debian dataset.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createRecognitionService, type RecognitionService } from '../gateway/services/recognition/index.ts';
import { cameraJpeg, DEBIAN_FASHION_MNIST, pngOf, readIdx, xorshift } from './camera-frames.ts';
import { conditionsOf, heldoutScene } from './heldout-set.ts';
import { renderScene } from './mirror-world.ts';

const FIXTURES = fileURLToPath(new URL('../test/fixtures/fashion-mnist/', import.meta.url));

interface Report {
  set: string;
  n: number;
  top1: number;
  unsure: number;
  /** top-1 over the frames the service was sure about */
  sureTop1: number;
  rejected: number;
  perClass: Record<string, number>;
  confusion: number[][];
  /** per frame: right or wrong (a rejected frame is wrong) */
  hits: boolean[];
}

async function score(svc: RecognitionService, set: string, n: number, labels: number[], frame: (i: number) => Promise<Buffer>): Promise<Report> {
  const names = svc.status().labels;
  const confusion = names.map(() => names.map(() => 0));
  let correct = 0;
  let unsure = 0;
  let sureCorrect = 0;
  let rejected = 0;
  const hits: boolean[] = [];
  const CHUNK = 32;
  for (let i = 0; i < n; i += CHUNK) {
    const idx = Array.from({ length: Math.min(CHUNK, n - i) }, (_, k) => i + k);
    const results = await Promise.all(idx.map(async (j) => svc.recognise(await frame(j)).catch(() => null)));
    results.forEach((r, k) => {
      const truth = labels[idx[k]!]!;
      const guess = r?.classIndex ?? -1; // a rejected frame counts as wrong
      if (guess === truth) correct++;
      hits.push(guess === truth);
      if (r?.unsure) unsure++;
      else if (r && guess === truth) sureCorrect++;
      if (!r) rejected++;
      if (guess >= 0) confusion[truth]![guess]!++;
    });
    if (process.stderr.isTTY) process.stderr.write(`\r${set}: ${Math.min(i + CHUNK, n)}/${n}`);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  const perClass = Object.fromEntries(names.map((name, c) => [name, confusion[c]![c]! / Math.max(1, labels.slice(0, n).filter((l) => l === c).length)]));
  const sure = n - unsure - rejected;
  return { set, n, top1: correct / n, unsure: unsure / n, sureTop1: sure ? sureCorrect / sure : 0, rejected, perClass, confusion, hits };
}

function print(r: Report, names: string[]) {
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  console.log(`\n${r.set}: top-1 ${pct(r.top1)} on ${r.n} images; unsure ${pct(r.unsure)}, top-1 when sure ${pct(r.sureTop1)}, rejected ${r.rejected}`);
  const short = names.map((n) => n.slice(0, 7).padStart(7));
  console.log(`${'truth \\ guess'.padEnd(14)}${short.join(' ')}   acc`);
  r.confusion.forEach((row, c) => {
    console.log(`${names[c]!.padEnd(14)}${row.map((v) => String(v).padStart(7)).join(' ')}  ${((r.perClass[names[c]!] ?? 0) * 100).toFixed(1)}%`);
  });
}

/** Accuracy per bucket of every condition: one row per (condition, bucket). */
function byCondition(hits: boolean[], conds: Array<Record<string, string>>): Array<{ condition: string; bucket: string; n: number; top1: number }> {
  const acc = new Map<string, { n: number; ok: number }>();
  conds.forEach((c, i) => {
    for (const [k, v] of Object.entries(c)) {
      const e = acc.get(`${k}\t${v}`) ?? { n: 0, ok: 0 };
      e.n++;
      if (hits[i]) e.ok++;
      acc.set(`${k}\t${v}`, e);
    }
  });
  const rows = [...acc].map(([key, e]) => {
    const [condition, bucket] = key.split('\t') as [string, string];
    return { condition, bucket, n: e.n, top1: e.ok / e.n };
  });
  const order = Object.keys(conds[0] ?? {});
  return rows.sort((a, b) => order.indexOf(a.condition) - order.indexOf(b.condition) || a.bucket.localeCompare(b.bucket));
}

async function main() {
  const { values } = parseArgs({ options: { limit: { type: 'string', default: '10000' }, camera: { type: 'string', default: '1000' }, heldout: { type: 'string', default: '2000' }, json: { type: 'boolean', default: false }, fixtures: { type: 'boolean', default: false }, model: { type: 'string' } } });
  const [images, labels] = values.fixtures
    ? [`${FIXTURES}t10k-first1000-images.gz`, `${FIXTURES}t10k-first1000-labels.gz`]
    : [`${DEBIAN_FASHION_MNIST}t10k-images-idx3-ubyte.gz`, `${DEBIAN_FASHION_MNIST}t10k-labels-idx1-ubyte.gz`];
  const t10k = readIdx(images, labels, Number(values.limit));
  const svc = createRecognitionService({ log: pino({ level: 'silent' }), metrics: new Registry(), config: { maxBatch: 32, ...(values.model ? { modelPath: values.model } : {}) } });
  await svc.start();
  const names = svc.status().labels;
  const plain = await score(svc, 't10k (28x28 PNG)', t10k.images.length, t10k.labels, (i) => pngOf(t10k.images[i]!));
  const nCam = Math.min(Number(values.camera), t10k.images.length);
  const camera = await score(svc, 'camera-like (640x480 JPEG from t10k)', nCam, t10k.labels, (i) => {
    const r = xorshift(1000 + i);
    r();
    return cameraJpeg(t10k.images[i]!, 1000 + i, { light: i % 3 !== 2, angle: Math.round((r() - 0.5) * 20), scale: 0.4 + r() * 0.45, noise: 6 + r() * 14, quality: 70 + Math.floor(r() * 25) });
  });
  const nHeld = Math.min(Number(values.heldout), t10k.images.length);
  const scenes = Array.from({ length: nHeld }, (_, i) => heldoutScene(i));
  const heldout = await score(svc, 'held-out mirror set (320x240 + 640x480 colour JPEG from t10k)', nHeld, t10k.labels, (i) =>
    renderScene(t10k.images[i]!, scenes[i]!),
  );
  const table = byCondition(heldout.hits, scenes.map(conditionsOf));
  const { modelId } = svc.status();
  await svc.stop();
  const strip = ({ hits: _, ...r }: Report) => r;
  if (values.json) return console.log(JSON.stringify({ modelId, reports: [plain, camera, heldout].map(strip), heldoutConditions: table }));
  print(plain, names);
  print(camera, names);
  print(heldout, names);
  console.log(`\nheld-out mirror set by condition (${modelId})\n| condition | bucket | frames | top-1 |\n| --- | --- | --- | --- |`);
  for (const row of table) console.log(`| ${row.condition} | ${row.bucket} | ${row.n} | ${row.top1.toFixed(3)} |`);
}

await main();
