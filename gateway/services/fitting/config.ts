import Type, { type Static } from 'typebox';
import { MODELS_DIR } from '../../paths.ts';
import { MIRROR_MAX_FRAME_BYTES } from '../../../devices/smart-mirror/topics.ts';

const MODELS = MODELS_DIR;

/** The `fitting` config section (fitting-room mirrors). Every key has a default. */
export const FittingConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    /** the store catalog (products, sizes, stock) the suggestions come from */
    catalogPath: Type.String({ minLength: 1, default: `${MODELS}catalog.sample.json` }),
    /** mirror → fitting-room zone; a mirror not listed uses the zone it was registered with */
    mirrors: Type.Array(
      Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), zone: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
      { default: [] },
    ),
    maxFrameBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: MIRROR_MAX_FRAME_BYTES }),
    /** suggestions per list (goes with, similar) */
    suggestions: Type.Integer({ minimum: 1, maximum: 10, default: 3 }),
    /** offer locker pickup for online orders (a locker bank at this store) */
    lockerPickup: Type.Boolean({ default: true }),
    /** an open size request older than this raises an alert */
    sizeRequestAlertSeconds: Type.Number({ exclusiveMinimum: 0, default: 300 }),
    /** UHF RFID readers (device kind `rfid-reader`) in the fitting rooms: a tagged item read there goes on that room's mirror */
    rfid: Type.Object(
      {
        /** reader → fitting-room zone; a reader not listed uses the zone it was registered with */
        readers: Type.Array(
          Type.Object(
            { id: Type.String({ minLength: 1, maxLength: 64 }), zone: Type.String({ minLength: 1, maxLength: 64 }) },
            { additionalProperties: false },
          ),
          { default: [] },
        ),
        /** a tag not read for this long has left the room: its item ends on the mirror */
        tagTimeoutSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 3600, default: 20 }),
        /**
         * another room's reader takes a tag over only once its own room has not read it for this long: readers hear tags
         * through walls and curtains, and a stray read must not flip an item between rooms
         */
        moveAfterSeconds: Type.Number({ minimum: 0, maximum: 3600, default: 2 }),
        /** a camera answer this recent (or later) is compared with a tag in the same room */
        fusionWindowSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 3600, default: 30 }),
        /** reads weaker than this (dBm) are ignored: tags outside the room, through the curtain; null = take every read */
        minRssi: Type.Union([Type.Number({ minimum: -150, maximum: 30 }), Type.Null()], { default: null }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);
export type FittingConfig = Static<typeof FittingConfigSchema>;
