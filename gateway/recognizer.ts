import type { Candidate } from './catalog.ts';

/** What the shipped model says about one frame (the recognition capability produces it). */
export interface Recognition {
  label: string;
  classIndex: number;
  confidence: number;
  top: Array<{ label: string; confidence: number }>;
  /** top-1 confidence is below unsureThreshold: show "not sure" rather than a guess */
  unsure: boolean;
  /** the live model that answered: `product-cnn-<first 12 hex of its sha256>` */
  modelId: string;
  /** the full sha256 of its ONNX file: what a rollout announced and verified */
  modelSha256: string;
  /** the version a rollout announced it as; null for the configured (shipped) model */
  modelVersion: string | null;
  latencyMs: number;
  /** catalog products of the recognised category (empty without a catalog or when unsure) */
  products: Candidate[];
  /** penultimate-layer features, for "similar items"; only when asked for */
  embedding?: number[];
}

/**
 * On-device product recognition as other capabilities see it (the fitting room's mirrors): passed in through
 * ServiceDeps, so no capability imports the recognition service.
 */
export interface ProductRecognizer {
  isReady(): boolean;
  recognise(bytes: Buffer, opts?: { embedding?: boolean }): Promise<Recognition>;
}

/** Until the model is loaded (and when recognition is disabled): never ready. */
export const noRecognizer: ProductRecognizer = {
  isReady: () => false,
  recognise: () => Promise.reject(new Error('product recognition is not running')),
};
