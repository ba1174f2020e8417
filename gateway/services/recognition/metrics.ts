import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

function get<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createRecognitionMetrics(registry: Registry) {
  const registers = [registry];
  return {
    frames: get(
      registry,
      'storegate_recognition_frames_total',
      () =>
        new Counter({
          name: 'storegate_recognition_frames_total',
          help: 'Frames submitted, by outcome (recognised, unsure, rejected)',
          labelNames: ['outcome'],
          registers,
        }),
    ),
    rejected: get(
      registry,
      'storegate_recognition_frames_rejected_total',
      () => new Counter({ name: 'storegate_recognition_frames_rejected_total', help: 'Frames rejected, by reason', labelNames: ['reason'], registers }),
    ),
    latency: get(
      registry,
      'storegate_recognition_latency_seconds',
      () =>
        new Histogram({
          name: 'storegate_recognition_latency_seconds',
          help: 'Frame bytes in to result out: decode, preprocessing, queueing and inference',
          buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
          registers,
        }),
    ),
    inference: get(
      registry,
      'storegate_recognition_inference_seconds',
      () =>
        new Histogram({
          name: 'storegate_recognition_inference_seconds',
          help: 'One onnxruntime run over a micro-batch',
          buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
          registers,
        }),
    ),
    batchSize: get(
      registry,
      'storegate_recognition_batch_size_frames',
      () =>
        new Histogram({
          name: 'storegate_recognition_batch_size_frames',
          help: 'Frames per onnxruntime run',
          buckets: [1, 2, 4, 8, 16, 32, 64, 128],
          registers,
        }),
    ),
    modelInfo: get(
      registry,
      'storegate_recognition_model_info',
      () =>
        new Gauge({
          name: 'storegate_recognition_model_info',
          help: 'The loaded models: 1 per slot (live, shadow) with its id, sha256 and version',
          labelNames: ['slot', 'model_id', 'sha256', 'version'],
          registers,
        }),
    ),
    modelErrors: get(
      registry,
      'storegate_recognition_model_errors_total',
      () => new Counter({ name: 'storegate_recognition_model_errors_total', help: 'onnxruntime runs that failed, by slot', labelNames: ['slot'], registers }),
    ),
    shadow: get(
      registry,
      'storegate_recognition_shadow_frames_total',
      () =>
        new Counter({
          name: 'storegate_recognition_shadow_frames_total',
          help: "Frames the shadow model also ran on, by outcome: agree / disagree with the live model's top-1, error, skipped (shadow queue full)",
          labelNames: ['outcome'],
          registers,
        }),
    ),
    shadowUnsure: get(
      registry,
      'storegate_recognition_shadow_unsure_total',
      () => new Counter({ name: 'storegate_recognition_shadow_unsure_total', help: 'Shadow answers below unsureThreshold', registers }),
    ),
    shadowAgreement: get(
      registry,
      'storegate_recognition_shadow_agreement_ratio',
      () =>
        new Gauge({
          name: 'storegate_recognition_shadow_agreement_ratio',
          help: "Share of frames on which the current shadow model's top-1 equals the live model's, since the shadow was loaded",
          registers,
        }),
    ),
  };
}
