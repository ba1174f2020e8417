import { Counter, Histogram, type Registry } from 'prom-client';

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
  };
}
