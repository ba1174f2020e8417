import Type, { type Static } from 'typebox';

/**
 * What the cloud downlink puts on the bus once it has checked the message's envelope: a model to roll out. The
 * signature is what makes it trustworthy, not the channel: `signature` is Ed25519 (base64) over
 * `signedModelMessage(version, sha256, labels)`, checked against `recognition.rollout.publicKey`. Extra fields are kept.
 */
export const ModelAnnouncement = Type.Object({
  version: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]*$' }),
  url: Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://' }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  signature: Type.String({ minLength: 1, maxLength: 512 }),
  labels: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 2, maxItems: 1000 }),
  sizeBytes: Type.Optional(Type.Integer({ minimum: 1 })),
});
export type ModelAnnouncement = Static<typeof ModelAnnouncement>;

/** A model in events: enough for the cloud to know which one, by hash. */
export interface ModelRef {
  modelId: string;
  sha256: string;
  version: string | null;
}

export type RefusalReason =
  | 'invalid'
  | 'unavailable'
  | 'no_public_key'
  | 'bad_signature'
  | 'wrong_labels'
  | 'already_installed'
  | 'fetch_failed'
  | 'too_large'
  | 'bad_hash'
  | 'not_loadable';

export interface ModelAnnounced {
  version: string | null;
  sha256: string | null;
  /** scheme, host and path only: a query string may carry a token */
  url: string | null;
}
export interface ModelFetched extends ModelRef {
  bytes: number;
  attempts: number;
  /** byte offsets later attempts resumed from (HTTP Range) */
  resumedFrom: number[];
}
export interface ModelRefused {
  version: string | null;
  sha256: string | null;
  reason: RefusalReason;
  detail: string;
}
export interface ModelShadowed extends ModelRef {
  /** the live model it is compared with */
  live: ModelRef;
}
export interface ModelPromoted {
  from: ModelRef;
  to: ModelRef;
  /** `command`: model.promote.requested or the admin API/CLI; `agreement`: it passed recognition.rollout.promote */
  reason: 'command' | 'agreement';
  by: string;
  agreement: number | null;
  shadowFrames: number;
}
export interface ModelRolledBack {
  from: ModelRef;
  to: ModelRef;
  reason: 'command' | 'unsure_rate' | 'error_rate';
  by: string;
  frames: number;
  unsureRate: number | null;
  errorRate: number | null;
}
export interface ShadowAgreement {
  live: ModelRef;
  shadow: ModelRef;
  frames: number;
  agreed: number;
  agreement: number;
  shadowUnsure: number;
}

declare module '../../bus/events.ts' {
  interface EventMap {
    /** from the cloud downlink (after its envelope checks) */
    'model.announced': ModelAnnouncement & Record<string, unknown>;
    'model.promote.requested': { by?: string; sha256?: string };
    'model.rollback.requested': { by?: string };
    /** every step of a rollout, to the cloud through the outbox */
    'recognition.model.announced': ModelAnnounced;
    'recognition.model.fetched': ModelFetched;
    'recognition.model.refused': ModelRefused;
    'recognition.model.shadowed': ModelShadowed;
    'recognition.model.promoted': ModelPromoted;
    'recognition.model.rolled_back': ModelRolledBack;
    'recognition.shadow.agreement': ShadowAgreement;
  }
}
