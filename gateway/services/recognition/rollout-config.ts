import Type, { type Static } from 'typebox';

/**
 * `recognition.rollout`: models announced by the cloud (`model.announced`), fetched, verified against the pinned
 * model-signing key, run as the shadow model, promoted and rolled back. Without `publicKey` every announcement is
 * refused (`no_public_key`): nothing from the cloud runs unsigned.
 */
export const RolloutConfigSchema = Type.Object(
  {
    /** Ed25519 public key that signs models: PEM (SPKI) or the raw 32 bytes in base64. Public, so not a secret. */
    publicKey: Type.Optional(Type.String({ minLength: 1 })),
    /** largest model file fetched */
    maxBytes: Type.Integer({ minimum: 1024, default: 64 * 1024 * 1024 }),
    /** attempts per announcement; each one resumes (HTTP Range) where the last stopped */
    fetchAttempts: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
    /** per attempt, for the whole transfer */
    fetchTimeoutMs: Type.Integer({ minimum: 100, default: 120_000 }),
    /** first retry after this long, doubling */
    retryDelayMs: Type.Integer({ minimum: 0, default: 2000 }),
    /** a `recognition.shadow.agreement` report to the cloud every this many shadow frames */
    reportEveryFrames: Type.Integer({ minimum: 1, default: 200 }),
    promote: Type.Object(
      {
        /** promote the shadow by itself when it agrees often enough over enough frames */
        auto: Type.Boolean({ default: false }),
        minFrames: Type.Integer({ minimum: 1, default: 500 }),
        /** share of frames whose top-1 equals the live model's */
        agreement: Type.Number({ minimum: 0, maximum: 1, default: 0.95 }),
        /** and the shadow's own unsure rate no higher than this */
        maxUnsureRate: Type.Number({ minimum: 0, maximum: 1, default: 0.3 }),
      },
      { additionalProperties: false, default: {} },
    ),
    rollback: Type.Object(
      {
        /** roll a promoted model back by itself when its unsure rate or error rate alarms */
        auto: Type.Boolean({ default: true }),
        /** the first this many frames after a promotion are watched */
        watchFrames: Type.Integer({ minimum: 1, default: 500 }),
        /** no verdict before this many frames */
        minFrames: Type.Integer({ minimum: 1, default: 50 }),
        maxUnsureRate: Type.Number({ minimum: 0, maximum: 1, default: 0.4 }),
        maxErrorRate: Type.Number({ minimum: 0, maximum: 1, default: 0.05 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

export type RolloutConfig = Static<typeof RolloutConfigSchema>;

export const ROLLOUT_DEFAULTS: RolloutConfig = {
  maxBytes: 64 * 1024 * 1024,
  fetchAttempts: 5,
  fetchTimeoutMs: 120_000,
  retryDelayMs: 2000,
  reportEveryFrames: 200,
  promote: { auto: false, minFrames: 500, agreement: 0.95, maxUnsureRate: 0.3 },
  rollback: { auto: true, watchFrames: 500, minFrames: 50, maxUnsureRate: 0.4, maxErrorRate: 0.05 },
};
