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
import { createShadowRunner } from './shadow.ts';
import { type ActiveModel, type FrameOutcome, type ModelInfo, type ModelSpec, infoOf } from './slots.ts';

export type { FrameOutcome, ModelInfo, ModelSpec };

export interface RecognitionStatus {
  ready: boolean;
  modelId: string | null;
  modelSha256: string | null;
  labels: string[];
  queued: number;
  frames: number;
  rejected: Partial<Record<RejectReason | 'overloaded', number>>;
  live: ModelInfo | null;
  shadow: ModelInfo | null;
  config: Pick<RecognitionConfig, 'maxBatch' | 'batchWindowMs' | 'unsureThreshold' | 'maxInputPixels' | 'maxBytes'>;
}

export interface RecognitionService {
  start(): Promise<void>;
  /** Ready without the model: it (and onnxruntime, sharp) loads with the first frame. For stores with no mirror. */
  startOnDemand(): void;
  stop(): Promise<void>;
  isReady(): boolean;
  /** a signed config patch (`recognition.unsureThreshold`): the next frame, live and shadow, is judged by it */
  setUnsureThreshold(t: number): void;
  recognise(bytes: Buffer, opts?: { embedding?: boolean }): Promise<Recognition>;
  status(): RecognitionStatus;
  /** The model answering frames from now on; the one it replaces is closed once its last batch ran. */
  setLive(model: LoadedModel, spec: ModelSpec): void;
  /** The model that also runs on every frame, never answering; null: none. */
  setShadow(model: LoadedModel | null, spec?: ModelSpec): void;
  /** the files the live and shadow models were loaded from */
  specs(): { live: ModelSpec | null; shadow: ModelSpec | null };
  /** Every frame's outcome per model (live: unsure/error; shadow: agreement): for model ops' bars and alarms. */
  onFrame(listener: (o: FrameOutcome) => void): void;
}

/** Which models to load at start: model ops (persisted slots) or the config. `fallback` loads when `live` fails. */
export type ModelResolver = () => Promise<{ live: ModelSpec; fallback?: ModelSpec; shadow?: ModelSpec | null }>;

/**
 * On-device product-category recognition. Frames live only in memory for the duration of a call: they
 * are never written, logged or forwarded; only counts and timings leave this module.
 */
export function createRecognitionService(deps: {
  log: Logger;
  metrics: Registry;
  config?: Partial<RecognitionConfig>;
  models?: ModelResolver;
}): RecognitionService {
  const config: RecognitionConfig = { ...RECOGNITION_DEFAULTS, ...deps.config };
  const log = deps.log.child({ module: 'recognition' });
  const m = createRecognitionMetrics(deps.metrics);
  const limits = { maxBytes: config.maxBytes, maxInputPixels: config.maxInputPixels };
  const rejected: RecognitionStatus['rejected'] = {};
  const listeners: Array<(o: FrameOutcome) => void> = [];
  let live: ActiveModel | undefined;
  let shadow: ActiveModel | undefined;
  let catalog: Catalog | undefined;
  let frames = 0;
  let inFlight = 0;
  const resolveModels: ModelResolver =
    deps.models ??
    (async () => ({
      live: { modelPath: config.modelPath, labelsPath: config.labelsPath, version: null, origin: 'config' },
      shadow: config.shadow
        ? { modelPath: config.shadow.modelPath, labelsPath: config.shadow.labelsPath ?? config.labelsPath, version: null, origin: 'config' }
        : null,
    }));

  const runOn = (slot: () => ActiveModel | undefined) => async (input: Float32Array, n: number) => {
    const a = slot();
    if (!a) throw new RecognitionErrors.unavailable('stopped');
    return { ...(await a.model.run(input, n)), model: a };
  };
  const batcher = createBatcher<ActiveModel>({
    maxBatch: config.maxBatch,
    windowMs: config.batchWindowMs,
    run: runOn(() => live),
    onBatch: (n, seconds) => {
      m.batchSize.observe(n);
      m.inference.observe(seconds);
    },
  });
  // the shadow's own queue: it never delays a live batch, and is skipped rather than queued without bound
  const shadowBatcher = createBatcher<ActiveModel>({ maxBatch: config.maxBatch, windowMs: config.batchWindowMs, run: runOn(() => shadow) });

  const notify = (o: FrameOutcome) => {
    for (const l of listeners) {
      try {
        l(o);
      } catch (err) {
        log.warn({ err }, 'frame outcome listener failed');
      }
    }
  };
  const showInfo = () => {
    m.modelInfo.reset();
    for (const [slot, a] of [
      ['live', live],
      ['shadow', shadow],
    ] as const)
      if (a) m.modelInfo.set({ slot, model_id: a.model.id, sha256: a.model.sha256, version: a.spec.version ?? '' }, 1);
  };
  const shadowRunner = createShadowRunner({
    batcher: shadowBatcher,
    current: () => shadow,
    maxQueue: config.maxQueue,
    unsureThreshold: () => config.unsureThreshold,
    metrics: m,
    log,
    notify: (o) => notify(o),
  });
  /** closes a replaced model once no batch of it can still be running */
  const retire = (old: ActiveModel | undefined, q: { running: boolean; queued: number }) => {
    if (!old) return;
    const close = () => (q.running ? setTimeout(close, 5) : void old.model.close().catch((err) => log.warn({ err }, 'model close failed')));
    close();
  };

  const reject = (reason: RejectReason | 'overloaded') => {
    rejected[reason] = (rejected[reason] ?? 0) + 1;
    m.rejected.inc({ reason });
    m.frames.inc({ outcome: 'rejected' });
  };

  let onDemand = false;
  let loading: Promise<void> | undefined;

  async function loadSpec(spec: ModelSpec): Promise<ActiveModel> {
    return { model: await loadModel(spec.modelPath, spec.labelsPath), spec };
  }

  async function load() {
    const t0 = performance.now();
    const specs = await resolveModels();
    let loaded: ActiveModel;
    try {
      loaded = await loadSpec(specs.live);
    } catch (err) {
      if (!specs.fallback) throw err;
      log.error({ err: (err as Error).message, modelPath: specs.live.modelPath }, 'live model failed to load: loading the configured model instead');
      loaded = await loadSpec(specs.fallback);
    }
    try {
      catalog = config.catalogPath ? await loadCatalog(config.catalogPath, loaded.model.labels) : undefined;
    } catch (err) {
      await loaded.model.close();
      throw new Error(`recognition.catalogPath: ${(err as Error).message}`);
    }
    live = loaded;
    if (specs.shadow) {
      try {
        shadow = await loadSpec(specs.shadow);
        shadowRunner.reset();
      } catch (err) {
        // a broken shadow must not keep the mirrors from working
        log.error({ err: (err as Error).message, modelPath: specs.shadow.modelPath }, 'shadow model failed to load: running without one');
      }
    }
    showInfo();
    log.info(
      { modelId: live.model.id, shadow: shadow?.model.id ?? null, classes: live.model.labels.length, ms: Math.round(performance.now() - t0) },
      'recognition model loaded',
    );
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
    setUnsureThreshold(t) {
      config.unsureThreshold = t;
    },
    startOnDemand() {
      onDemand = true;
    },
    async stop() {
      onDemand = false;
      loading = undefined;
      const [l0, s0] = [live, shadow];
      live = undefined;
      shadow = undefined;
      batcher.close(new RecognitionErrors.unavailable('stopped'));
      shadowBatcher.close(new RecognitionErrors.unavailable('stopped'));
      await l0?.model.close();
      await s0?.model.close();
    },
    isReady: () => live !== undefined || onDemand,
    setLive(model, spec) {
      const old = live;
      live = { model, spec };
      retire(old, batcher);
      showInfo();
    },
    setShadow(model, spec) {
      const old = shadow;
      shadow = model && spec ? { model, spec } : undefined;
      shadowRunner.reset();
      retire(old, shadowBatcher);
      showInfo();
    },
    onFrame: (l) => void listeners.push(l),
    specs: () => ({ live: live?.spec ?? null, shadow: shadow?.spec ?? null }),
    async recognise(bytes, opts = {}) {
      const t0 = performance.now();
      if (!live && onDemand) {
        try {
          await ensureLoaded();
        } catch (err) {
          log.error({ err }, 'recognition model failed to load');
          throw new RecognitionErrors.unavailable('model failed to load');
        }
      }
      if (!live) throw new RecognitionErrors.unavailable('not started');
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
        const ran = live;
        let row: Awaited<ReturnType<typeof batcher.submit>>;
        try {
          row = await batcher.submit(tensor);
        } catch (err) {
          if (live && ran) {
            // the model failed, not the frame: this is what the error-rate alarm counts
            m.modelErrors.inc({ slot: 'live' });
            notify({ slot: 'live', model: infoOf(ran), unsure: false, error: true });
          }
          throw err;
        }
        const active = row.model ?? ran;
        if (!active) throw new RecognitionErrors.unavailable('stopped');
        const probs = softmax(row.logits, 0, row.logits.length);
        const order = probs.map((p, i) => [p, i] as const).sort((a, b) => b[0] - a[0]);
        const [conf, idx] = order[0]!;
        const unsure = conf < config.unsureThreshold;
        const labels = active.model.labels;
        const label = labels[idx] ?? String(idx);
        const embedding = row.embedding.length ? row.embedding : undefined;
        const products = catalog && !unsure ? candidates(catalog, label, embedding) : [];
        const latencyMs = performance.now() - t0;
        const info = infoOf(active);
        frames++;
        m.frames.inc({ outcome: unsure ? 'unsure' : 'recognised' });
        m.latency.observe(latencyMs / 1000);
        notify({ slot: 'live', model: info, unsure, error: false });
        shadowRunner.run(tensor, info, label);
        return {
          label,
          classIndex: idx,
          confidence: conf,
          top: order.slice(0, config.topK).map(([p, i]) => ({ label: labels[i] ?? String(i), confidence: p })),
          unsure,
          modelId: active.model.id,
          modelSha256: active.model.sha256,
          modelVersion: active.spec.version ?? null,
          latencyMs,
          products,
          ...(opts.embedding ? { embedding: Array.from(row.embedding) } : {}),
        };
      } finally {
        inFlight--;
      }
    },
    status: () => ({
      ready: live !== undefined,
      modelId: live?.model.id ?? null,
      modelSha256: live?.model.sha256 ?? null,
      labels: live?.model.labels ?? [],
      queued: batcher.queued,
      frames,
      rejected: { ...rejected },
      live: live ? infoOf(live) : null,
      shadow: shadow ? { ...infoOf(shadow), ...shadowRunner.agreement() } : null,
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
