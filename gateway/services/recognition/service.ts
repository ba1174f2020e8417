import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createBatcher } from './batcher.ts';
import { type Catalog, candidates, loadCatalog } from '../../catalog.ts';
import type { Recognition } from '../../recognizer.ts';

export type { Recognition };
import { RECOGNITION_DEFAULTS, type RecognitionConfig } from './config.ts';
import { isImageError, RecognitionErrors, type RejectReason } from './errors.ts';
import { type LoadedModel, loadModel, softmax } from './model.ts';
import { preprocess } from './preprocess.ts';
import { createRecognitionMetrics } from './metrics.ts';

export interface RecognitionStatus {
  ready: boolean;
  modelId: string | null;
  labels: string[];
  queued: number;
  frames: number;
  rejected: Partial<Record<RejectReason | 'overloaded', number>>;
  config: Pick<RecognitionConfig, 'maxBatch' | 'batchWindowMs' | 'unsureThreshold' | 'maxInputPixels' | 'maxBytes'>;
}

export interface RecognitionService {
  start(): Promise<void>;
  /** Ready without the model: it (and onnxruntime, sharp) loads with the first frame. For stores with no mirror. */
  startOnDemand(): void;
  stop(): Promise<void>;
  isReady(): boolean;
  recognise(bytes: Buffer, opts?: { embedding?: boolean }): Promise<Recognition>;
  status(): RecognitionStatus;
}

/**
 * On-device product-category recognition. Frames live only in memory for the duration of a call: they
 * are never written, logged or forwarded; only counts and timings leave this module.
 */
export function createRecognitionService(deps: { log: Logger; metrics: Registry; config?: Partial<RecognitionConfig> }): RecognitionService {
  const config: RecognitionConfig = { ...RECOGNITION_DEFAULTS, ...deps.config };
  const log = deps.log.child({ module: 'recognition' });
  const m = createRecognitionMetrics(deps.metrics);
  const limits = { maxBytes: config.maxBytes, maxInputPixels: config.maxInputPixels };
  const rejected: RecognitionStatus['rejected'] = {};
  let model: LoadedModel | undefined;
  let catalog: Catalog | undefined;
  let frames = 0;
  let inFlight = 0;

  const batcher = createBatcher({
    maxBatch: config.maxBatch,
    windowMs: config.batchWindowMs,
    run: (input, n) => {
      if (!model) throw new RecognitionErrors.unavailable('stopped');
      return model.run(input, n);
    },
    onBatch: (n, seconds) => {
      m.batchSize.observe(n);
      m.inference.observe(seconds);
    },
  });

  const reject = (reason: RejectReason | 'overloaded') => {
    rejected[reason] = (rejected[reason] ?? 0) + 1;
    m.rejected.inc({ reason });
    m.frames.inc({ outcome: 'rejected' });
  };

  let onDemand = false;
  let loading: Promise<void> | undefined;

  async function load() {
    const t0 = performance.now();
    const loaded = await loadModel(config.modelPath, config.labelsPath);
    try {
      catalog = config.catalogPath ? await loadCatalog(config.catalogPath, loaded.labels) : undefined;
    } catch (err) {
      await loaded.close();
      throw new Error(`recognition.catalogPath: ${(err as Error).message}`);
    }
    model = loaded;
    log.info({ modelId: model.id, classes: model.labels.length, ms: Math.round(performance.now() - t0) }, 'recognition model loaded');
  }
  // one load at a time; a failed load may be tried again by the next frame
  const ensureLoaded = () => {
    loading ??= load().catch((err) => {
      loading = undefined;
      throw err;
    });
    return loading;
  };

  return {
    start: () => ensureLoaded(),
    startOnDemand() {
      onDemand = true;
    },
    async stop() {
      onDemand = false;
      loading = undefined;
      const m0 = model;
      model = undefined;
      batcher.close(new RecognitionErrors.unavailable('stopped'));
      await m0?.close();
    },
    isReady: () => model !== undefined || onDemand,
    async recognise(bytes, opts = {}) {
      const t0 = performance.now();
      if (!model && onDemand) {
        try {
          await ensureLoaded();
        } catch (err) {
          log.error({ err }, 'recognition model failed to load');
          throw new RecognitionErrors.unavailable('model failed to load');
        }
      }
      if (!model) throw new RecognitionErrors.unavailable('not started');
      if (inFlight >= config.maxQueue) {
        reject('overloaded');
        throw new RecognitionErrors.unavailable('busy, try again');
      }
      inFlight++;
      try {
        let tensor: Float32Array;
        try {
          tensor = await preprocess(bytes, limits);
        } catch (err) {
          if (isImageError(err)) reject(err.reason);
          throw err;
        }
        const row = await batcher.submit(tensor);
        const active = model ?? { id: 'stopped', labels: [] as string[] };
        const probs = softmax(row.logits, 0, row.logits.length);
        const order = probs.map((p, i) => [p, i] as const).sort((a, b) => b[0] - a[0]);
        const [conf, idx] = order[0]!;
        const unsure = conf < config.unsureThreshold;
        const label = active.labels[idx] ?? String(idx);
        const products = catalog && !unsure ? candidates(catalog, label, row.embedding) : [];
        const latencyMs = performance.now() - t0;
        frames++;
        m.frames.inc({ outcome: unsure ? 'unsure' : 'recognised' });
        m.latency.observe(latencyMs / 1000);
        return {
          label,
          classIndex: idx,
          confidence: conf,
          top: order.slice(0, config.topK).map(([p, i]) => ({ label: active.labels[i] ?? String(i), confidence: p })),
          unsure,
          modelId: active.id,
          latencyMs,
          products,
          ...(opts.embedding ? { embedding: Array.from(row.embedding) } : {}),
        };
      } finally {
        inFlight--;
      }
    },
    status: () => ({
      ready: model !== undefined,
      modelId: model?.id ?? null,
      labels: model?.labels ?? [],
      queued: batcher.queued,
      frames,
      rejected: { ...rejected },
      config: {
        maxBatch: config.maxBatch,
        batchWindowMs: config.batchWindowMs,
        unsureThreshold: config.unsureThreshold,
        maxInputPixels: config.maxInputPixels,
        maxBytes: config.maxBytes,
      },
    }),
  };
}
