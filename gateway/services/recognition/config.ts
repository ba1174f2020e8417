import Type, { type Static } from 'typebox';
import { MODELS_DIR } from '../../paths.ts';
import { ROLLOUT_DEFAULTS, RolloutConfigSchema } from './rollout-config.ts';

const MODELS = MODELS_DIR;

/** The `recognition` config section. Paths default to the model shipped in models/. */
export const RecognitionConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    /**
     * auto: load the model (with onnxruntime and sharp, ≈ 50 MB and 0.5 s) at start when a mirror is registered, else
     * with the first frame; start: always at start
     */
    load: Type.Union([Type.Literal('auto'), Type.Literal('start')], { default: 'auto' }),
    modelPath: Type.String({ minLength: 1, default: `${MODELS}product-cnn.onnx` }),
    labelsPath: Type.String({ minLength: 1, default: `${MODELS}labels.json` }),
    /** products per category, returned as candidates with each result; '' for none */
    catalogPath: Type.String({ default: `${MODELS}catalog.sample.json` }),
    /** frames per onnxruntime run */
    maxBatch: Type.Integer({ minimum: 1, maximum: 256, default: 16 }),
    /**
     * how long a frame arriving at an idle model waits for company before its batch runs. 0 (default): it runs at
     * once, and the frames that arrive during a run go together as the next batch (a lone mirror frame never waits)
     */
    batchWindowMs: Type.Number({ minimum: 0, maximum: 1000, default: 0 }),
    /** below this top-1 probability the answer is "unsure" */
    unsureThreshold: Type.Number({ minimum: 0, maximum: 1, default: 0.6 }),
    topK: Type.Integer({ minimum: 1, maximum: 10, default: 3 }),
    /** decompression-bomb guard, checked on the header before decoding (default ≈ 4K frame x 3) */
    maxInputPixels: Type.Integer({ minimum: 64, default: 24_000_000 }),
    maxBytes: Type.Integer({ minimum: 1, default: 8 * 1024 * 1024 }),
    /** frames waiting for inference beyond which new ones are refused (bounded memory under load) */
    maxQueue: Type.Integer({ minimum: 1, default: 256 }),
    /**
     * A second model that runs on the same frames as the live one; its answers never reach the shopper, only its
     * agreement with the live model is counted. Ignored once it is the live or the previous model (after a promotion).
     */
    shadow: Type.Optional(
      Type.Object(
        {
          modelPath: Type.String({ minLength: 1 }),
          /** default: the live model's labels file */
          labelsPath: Type.Optional(Type.String({ minLength: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    rollout: RolloutConfigSchema,
  },
  { additionalProperties: false, default: {} },
);

export type RecognitionConfig = Static<typeof RecognitionConfigSchema>;

export const RECOGNITION_DEFAULTS: RecognitionConfig = {
  enabled: true,
  load: 'auto',
  modelPath: `${MODELS}product-cnn.onnx`,
  labelsPath: `${MODELS}labels.json`,
  catalogPath: `${MODELS}catalog.sample.json`,
  maxBatch: 16,
  batchWindowMs: 0,
  unsureThreshold: 0.6,
  topK: 3,
  maxInputPixels: 24_000_000,
  maxBytes: 8 * 1024 * 1024,
  maxQueue: 256,
  rollout: ROLLOUT_DEFAULTS,
};
