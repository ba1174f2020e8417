import Type, { type Static } from 'typebox';

/** `privacy:` — shopper pseudonyms and the retention job. The TTLs themselves are the gateway's `retention.*Days`. */
export const PrivacyConfigSchema = Type.Object(
  {
    /** HMAC key behind every shopper pseudonym; generated into `<dataDir>/pseudonym-key` (0600) when absent */
    pseudonymKey: Type.Optional(Type.String({ minLength: 16, 'x-secret': true })),
    rotation: Type.Object(
      {
        /** a shopper's pseudonym changes every period (sessions link within it, not across periods) */
        periodHours: Type.Number({ exclusiveMinimum: 0, default: 24 }),
        /** where periods start, as minutes east of UTC: 60 = local midnight in CET */
        utcOffsetMinutes: Type.Integer({ minimum: -720, maximum: 840, default: 0 }),
        /**
         * the app's consent flag: the top bit of its iBeacon `major` (Eddystone-UID: of the instance's first
         * byte) set = the shopper opted in to being recognised across days; off = nobody is linked across days
         */
        consentBit: Type.Boolean({ default: true }),
      },
      { additionalProperties: false, default: {} },
    ),
    retentionJob: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        intervalMinutes: Type.Number({ exclusiveMinimum: 0, default: 60 }),
        /** rows per DELETE statement: each is a short write, so ingest's writes interleave */
        chunkRows: Type.Integer({ minimum: 1, maximum: 100_000, default: 500 }),
        /** pages freed per `PRAGMA incremental_vacuum(N)` step… */
        vacuumPagesPerStep: Type.Integer({ minimum: 1, default: 256 }),
        /** …and at most this many steps per run (the rest is freed on the next run) */
        vacuumMaxSteps: Type.Integer({ minimum: 0, default: 200 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

export type PrivacyConfig = Static<typeof PrivacyConfigSchema>;

/** the gateway's `retention` section, as this service reads it */
export interface RetentionDays {
  deviceEventsDays: number;
  presenceDays: number;
  sessionsDays: number;
  fittingRoomDays: number;
  lockerAuditDays: number;
  alertsDays: number;
  lockerParcelsDays: number;
  deadLettersDays: number;
}
