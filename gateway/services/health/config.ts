import Type, { type Static } from 'typebox';

/** `health.*`: device-offline and grouping rules, alert thresholds. */
export const HealthConfigSchema = Type.Object(
  {
    offlineAfterSeconds: Type.Integer({ minimum: 5, default: 120, description: 'a device with no message for this long is offline' }),
    checkIntervalSeconds: Type.Number({ exclusiveMinimum: 0, default: 5, description: 'how often heartbeats are checked' }),
    groupWindowSeconds: Type.Number({
      minimum: 0,
      default: 30,
      description: 'a device offline this long gets its own alert, unless enough others went offline with it (then one store:network alert)',
    }),
    groupMinDevices: Type.Integer({ minimum: 2, default: 5, description: 'at least this many devices offline together form a store-wide alert' }),
    groupPercent: Type.Number({ exclusiveMinimum: 0, maximum: 100, default: 50, description: '…and at least this share of the fleet' }),
    batteryLowPct: Type.Number({ minimum: 0, maximum: 100, default: 15, description: 'device status batteryPct below this raises an alert' }),
    backlogAlertEvents: Type.Integer({ minimum: 0, default: 100_000, description: 'outbox backlog over this raises an alert; 0 = off' }),
    cloudDownAlertSeconds: Type.Number({ minimum: 0, default: 600, description: 'a forwarder down this long raises an alert; 0 = off' }),
    unsureRateMax: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.5,
      description: 'share of "not sure" recognitions over 10 min that raises an alert; 0 = off',
    }),
    unsureMinFrames: Type.Integer({ minimum: 1, default: 20, description: 'frames in the 10 min window before the unsure rate counts' }),
    diskFreeMinPercent: Type.Number({ minimum: 0, maximum: 100, default: 10, description: 'free space on the data disk below this raises an alert; 0 = off' }),
  },
  { additionalProperties: false, default: {} },
);

export type HealthConfig = Static<typeof HealthConfigSchema>;
