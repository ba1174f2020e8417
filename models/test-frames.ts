/**
 * After retraining: what a model says of each of the first 200 committed t10k frames, framed as the tests and the
 * store day frame them (`cameraJpeg(image, index + 1)`): label, confidence, unsure, the catalog product shown and whether
 * it has a size in stock. The tests that need a frame the model is sure of (`test/gateway/services/fitting/helpers.ts`
 * ITEMS) or unsure of (UNSURE_ITEM, `simulators/scenario/plan.ts` UNSURE_FRAMES) are re-picked from this list; run
 * `storegate catalog embed` first, so "product shown" uses the new model's embeddings.
 *
 *   npx tsx models/test-frames.ts [model.onnx] > frames.json
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import { createRecognitionService } from '../gateway/services/recognition/index.ts';
import { cameraJpeg } from '../models/camera-frames.ts';
import { loadT10kSubset } from '../test/gateway/services/recognition/fixtures.ts';
const modelPath = process.argv[2];
const rec = createRecognitionService({ log: pino({ level: 'silent' }), metrics: new Registry(), ...(modelPath ? { config: { modelPath } } : {}) });
await rec.start();
const t = loadT10kSubset();
const out: unknown[] = [];
for (let i = 0; i < 200; i++) {
  const r = await rec.recognise(await cameraJpeg(t.images[i]!, i + 1), { embedding: true });
  out.push({ i, truth: t.labels[i], label: r.label, c: +r.confidence.toFixed(3), unsure: r.unsure, top: r.top.map((x) => x.label), sku: r.products[0]?.sku, stocked: (r.products[0]?.inStock.length ?? 0) > 0 });
}
console.log(JSON.stringify(out));
await rec.stop();
