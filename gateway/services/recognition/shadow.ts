import type { Logger } from 'pino';
import type { createBatcher } from './batcher.ts';
import type { createRecognitionMetrics } from './metrics.ts';
import { softmax } from './model.ts';
import { type ActiveModel, type FrameOutcome, infoOf, type ModelInfo } from './slots.ts';

const WARN_EVERY_MS = 60_000;

/**
 * Runs the shadow model on a frame the live model has answered, and compares top-1 labels (by label, not index: a
 * candidate with another class order still agrees on the same garment). Fire and forget: the shopper's answer never
 * waits for it, and a full shadow queue skips the shadow, never the frame. A failing shadow is logged once a minute.
 */
export function createShadowRunner(o: {
  batcher: ReturnType<typeof createBatcher<ActiveModel>>;
  current: () => ActiveModel | undefined;
  maxQueue: number;
  /** read per frame: it follows signed config patches */
  unsureThreshold: () => number;
  metrics: ReturnType<typeof createRecognitionMetrics>;
  log: Logger;
  notify: (f: FrameOutcome) => void;
}) {
  const m = o.metrics;
  const tally = { sha: '', frames: 0, agreed: 0 };
  let warnedAt = Number.NEGATIVE_INFINITY;
  const reset = () => {
    Object.assign(tally, { sha: o.current()?.model.sha256 ?? '', frames: 0, agreed: 0 });
    m.shadowAgreement.set(0);
  };
  return {
    reset,
    /** agreement of the current shadow since it was loaded */
    agreement: () => ({ agreement: tally.frames ? tally.agreed / tally.frames : null, shadowFrames: tally.frames }),
    run(tensor: Float32Array, live: ModelInfo, liveLabel: string) {
      const s = o.current();
      if (!s) return;
      if (o.batcher.queued >= o.maxQueue) return void m.shadow.inc({ outcome: 'skipped' });
      o.batcher.submit(tensor).then(
        (row) => {
          const a = row.model ?? s;
          const probs = softmax(row.logits, 0, row.logits.length);
          let idx = 0;
          for (let i = 1; i < probs.length; i++) if (probs[i]! > probs[idx]!) idx = i;
          const unsure = probs[idx]! < o.unsureThreshold();
          const agree = (a.model.labels[idx] ?? String(idx)) === liveLabel;
          m.shadow.inc({ outcome: agree ? 'agree' : 'disagree' });
          if (unsure) m.shadowUnsure.inc();
          if (a.model.sha256 === tally.sha) {
            tally.frames++;
            if (agree) tally.agreed++;
            m.shadowAgreement.set(tally.agreed / tally.frames);
          }
          o.notify({ slot: 'shadow', model: infoOf(a), live, agree, unsure, error: false });
        },
        (err) => {
          m.shadow.inc({ outcome: 'error' });
          m.modelErrors.inc({ slot: 'shadow' });
          const now = Date.now();
          if (now - warnedAt >= WARN_EVERY_MS) {
            warnedAt = now;
            o.log.warn({ err: (err as Error).message.split('\n')[0], modelId: s.model.id }, 'shadow model run failed (logged once a minute)');
          }
          o.notify({ slot: 'shadow', model: infoOf(s), live, agree: false, unsure: false, error: true });
        },
      );
    },
  };
}
