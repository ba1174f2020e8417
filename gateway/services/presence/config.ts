import Type, { type Static } from 'typebox';

const Role = Type.Union([Type.Literal('shelf'), Type.Literal('fitting-room'), Type.Literal('entrance'), Type.Literal('checkout'), Type.Literal('other')]);

export const ZoneSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }),
    role: Type.Optional(Role),
    /** ids of the BLE scanners (registered `ble-scanner` devices, OMG gateway names, or the local adapter) in this zone */
    scanners: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  },
  { additionalProperties: false },
);

/** A fixed beacon of the store: identified by exactly one of ibeacon / eddystoneUid / altbeacon. */
export const FixedBeaconSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    role: Role,
    zone: Type.Optional(Type.String()),
    ibeacon: Type.Optional(
      Type.Object(
        { uuid: Type.String(), major: Type.Integer({ minimum: 0, maximum: 65535 }), minor: Type.Integer({ minimum: 0, maximum: 65535 }) },
        { additionalProperties: false },
      ),
    ),
    eddystoneUid: Type.Optional(
      Type.Object(
        { namespace: Type.String({ pattern: '^[0-9a-fA-F]{20}$' }), instance: Type.String({ pattern: '^[0-9a-fA-F]{12}$' }) },
        { additionalProperties: false },
      ),
    ),
    altbeacon: Type.Optional(Type.Object({ beaconId: Type.String({ pattern: '^[0-9a-fA-F]{40}$' }) }, { additionalProperties: false })),
    /** the beacon's BLE address, when known, so its Eddystone-TLM frames are tied to it from the first one */
    address: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const PresenceConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    zones: Type.Array(ZoneSchema, { default: [] }),
    beacons: Type.Array(FixedBeaconSchema, { default: [] }),
    shopperApp: Type.Object(
      {
        /** iBeacon proximity UUIDs the store app advertises with (major/minor rotate) */
        ibeaconUuids: Type.Array(Type.String(), { default: [] }),
        eddystoneNamespaces: Type.Array(Type.String({ pattern: '^[0-9a-fA-F]{20}$' }), { default: [] }),
        /** treat every Eddystone-EID as a shopper app */
        eid: Type.Boolean({ default: false }),
        /** HMAC key for pseudonymous shopper ids; defaults to the store id */
        salt: Type.Optional(Type.String({ minLength: 1, 'x-secret': true })),
      },
      { additionalProperties: false, default: {} },
    ),
    localAdapter: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        scannerId: Type.String({ default: 'local' }),
        /** restart scanning when no advertisement arrived for this long while powered on */
        watchdogSeconds: Type.Number({ exclusiveMinimum: 0, default: 30 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** EMA weight of a new RSSI sample (0..1] */
    smoothingAlpha: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.3 }),
    /** a sample further than this from the smoothed value is clamped to it (one-off reflections, body blocking) */
    outlierDb: Type.Number({ exclusiveMinimum: 0, default: 12 }),
    /** a zone change needs the new zone this much stronger… */
    switchMarginDb: Type.Number({ minimum: 0, default: 6 }),
    /** …for this long */
    switchMinSeconds: Type.Number({ minimum: 0, default: 8 }),
    /** a scanner that has not heard a beacon for this long no longer counts for its zone */
    scannerStaleSeconds: Type.Number({ exclusiveMinimum: 0, default: 10 }),
    /** not heard by any scanner for this long: exited */
    absenceTimeoutSeconds: Type.Number({ exclusiveMinimum: 0, default: 30 }),
    dwellIntervalSeconds: Type.Number({ exclusiveMinimum: 0, default: 60 }),
    /** a shopper who comes back within this time after exiting continues the same session */
    sessionGraceSeconds: Type.Number({ minimum: 0, default: 60 }),
    pathLossExponent: Type.Number({ exclusiveMinimum: 0, default: 2.2 }),
    beaconMissingSeconds: Type.Number({ exclusiveMinimum: 0, default: 900 }),
    batteryLowMv: Type.Integer({ minimum: 0, default: 2500 }),
  },
  { additionalProperties: false, default: {} },
);

export type PresenceConfig = Static<typeof PresenceConfigSchema>;
