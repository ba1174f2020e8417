import { PIXELS } from './model.ts';

/** `model` is whatever ran the batch (the service's loaded model): a result is labelled by the model that made it */
export type BatchRunner<M = unknown> = (input: Float32Array, n: number) => Promise<{ logits: Float32Array; embedding: Float32Array; model?: M }>;

export interface BatchRow<M = unknown> {
  logits: Float32Array;
  embedding: Float32Array;
  batchSize: number;
  model?: M;
}

interface Pending<M> {
  tensor: Float32Array;
  resolve(row: BatchRow<M>): void;
  reject(err: unknown): void;
}

/**
 * Micro-batching, one run at a time (a single intra-op thread gains nothing from overlap). A frame arriving at an
 * idle model runs at once when windowMs is 0 (the default), else it opens a window of windowMs and the batch runs
 * when the window ends or maxBatch frames are queued. Frames arriving during a run form the next batch, which runs
 * as soon as the run ends: so batches grow with the load without a lone frame ever waiting.
 */
export function createBatcher<M = unknown>(opts: { maxBatch: number; windowMs: number; run: BatchRunner<M>; onBatch?: (n: number, seconds: number) => void }) {
  const queue: Pending<M>[] = [];
  const buffer = new Float32Array(opts.maxBatch * PIXELS);
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  const schedule = () => {
    if (running || queue.length === 0) return;
    if (queue.length >= opts.maxBatch || opts.windowMs === 0) return void flush();
    timer ??= setTimeout(flush, opts.windowMs);
  };

  const flush = async () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (running || queue.length === 0) return;
    running = true;
    const batch = queue.splice(0, opts.maxBatch);
    const n = batch.length;
    for (const [i, p] of batch.entries()) buffer.set(p.tensor, i * PIXELS);
    const t0 = performance.now();
    try {
      const { logits, embedding, model } = await opts.run(buffer, n);
      opts.onBatch?.(n, (performance.now() - t0) / 1000);
      const lc = logits.length / n;
      const ec = embedding.length / n;
      for (const [i, p] of batch.entries()) {
        p.resolve({ logits: logits.slice(i * lc, (i + 1) * lc), embedding: embedding.slice(i * ec, (i + 1) * ec), batchSize: n, model });
      }
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      running = false;
      // whatever queued during the run has already waited at least one run: go now
      if (queue.length > 0) void flush();
    }
  };

  return {
    submit(tensor: Float32Array): Promise<BatchRow<M>> {
      return new Promise((resolve, reject) => {
        queue.push({ tensor, resolve, reject });
        schedule();
      });
    },
    get queued() {
      return queue.length;
    },
    get running() {
      return running;
    },
    /** rejects what is still queued; an in-flight run finishes */
    close(err: Error) {
      if (timer) clearTimeout(timer);
      timer = undefined;
      for (const p of queue.splice(0)) p.reject(err);
    },
  };
}
