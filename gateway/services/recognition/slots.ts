import type { LoadedModel } from './model.ts';

/** Where a model comes from: its files, and the version a rollout announced it as (null for a configured file). */
export interface ModelSpec {
  modelPath: string;
  labelsPath: string;
  version: string | null;
  /** `config`: recognition.modelPath / shadow.modelPath; `rollout`: fetched after a `model.announced` */
  origin: 'config' | 'rollout';
}

export interface ActiveModel {
  model: LoadedModel;
  spec: ModelSpec;
}

/** A model as status, events and the CLI show it. */
export interface ModelInfo {
  id: string;
  sha256: string;
  version: string | null;
  origin: ModelSpec['origin'];
  labels: string[];
  /** shadow only: share of frames whose top-1 equals the live model's, since it became the shadow */
  agreement?: number | null;
  shadowFrames?: number;
}

export const infoOf = (a: ActiveModel): ModelInfo => ({
  id: a.model.id,
  sha256: a.model.sha256,
  version: a.spec.version,
  origin: a.spec.origin,
  labels: a.model.labels,
});

/** One frame's outcome for one model: what model ops' promotion bar and rollback alarms count. */
export type FrameOutcome =
  | { slot: 'live'; model: ModelInfo; unsure: boolean; error: boolean }
  | { slot: 'shadow'; model: ModelInfo; live: ModelInfo; agree: boolean; unsure: boolean; error: boolean };
