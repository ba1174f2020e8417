import Type, { type Static } from 'typebox';

const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$' });
const Secret = (description: string) => Type.String({ minLength: 8, description, 'x-secret': true });

/** Inner dimensions in millimetres. */
export const DimsSchema = Type.Object(
  { w: Type.Integer({ minimum: 1 }), h: Type.Integer({ minimum: 1 }), d: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
export type Dims = Static<typeof DimsSchema>;

export const BankSchema = Type.Object(
  {
    id: Id,
    /** the registered `locker` device that drives this bank's doors, keypad and sensors */
    controllerId: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }),
    compartments: Type.Array(
      Type.Object(
        {
          id: Id,
          size: Type.String({ minLength: 1, maxLength: 8 }),
          dims: Type.Optional(DimsSchema),
          /** reachable from a wheelchair / without stretching: orders with `accessibility: low` go here first */
          low: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 256 },
    ),
  },
  { additionalProperties: false },
);
export type BankConfig = Static<typeof BankSchema>;

/**
 * "Keep it": refund without taking the item back when all hold: the category is listed, the value (minor units,
 * from the signed QR) is at most `maxValue`, the size class is listed (bulky items), and the shopper has had fewer
 * than `maxPerShopper` keep-its within `windowDays` (the fraud guard).
 */
export const KeepItSchema = Type.Object(
  {
    categories: Type.Array(Type.String({ maxLength: 32 }), { minItems: 1 }),
    maxValue: Type.Integer({ minimum: 0, description: 'minor units (cents)' }),
    sizes: Type.Optional(Type.Array(Type.String({ maxLength: 8 }), { description: 'size classes that qualify; all when absent' })),
    maxPerShopper: Type.Integer({ minimum: 0, default: 2 }),
    windowDays: Type.Number({ exclusiveMinimum: 0, default: 90 }),
  },
  { additionalProperties: false },
);
export type KeepItPolicy = Static<typeof KeepItSchema>;

const Condition = Type.Object(
  {
    reasons: Type.Optional(Type.Array(Type.String())),
    categories: Type.Optional(Type.Array(Type.String())),
    minValue: Type.Optional(Type.Integer({ minimum: 0 })),
    maxValue: Type.Optional(Type.Integer({ minimum: 0 })),
    /** the shopper's earlier returns here (from their pseudonym), at least / at most */
    minPriorReturns: Type.Optional(Type.Integer({ minimum: 0 })),
    maxPriorReturns: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
/** An explainable rule set: the first rule whose conditions all hold picks its offer; the rule id is recorded with it. */
export const IncentivesSchema = Type.Object(
  {
    offers: Type.Record(Type.String({ pattern: '^[a-z0-9_-]{1,32}$' }), Type.String({ minLength: 1, maxLength: 200 })),
    rules: Type.Array(
      Type.Object({ id: Type.String({ minLength: 1, maxLength: 32 }), when: Condition, offer: Type.String() }, { additionalProperties: false }),
      {
        maxItems: 64,
      },
    ),
  },
  { additionalProperties: false },
);
export type IncentivesConfig = Static<typeof IncentivesSchema>;

export const LockersConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    banks: Type.Array(BankSchema, { default: [] }),
    /** size classes, smallest first (InPost-like defaults) */
    sizes: Type.Record(Type.String(), DimsSchema, {
      default: { S: { w: 380, h: 80, d: 640 }, M: { w: 380, h: 190, d: 640 }, L: { w: 380, h: 410, d: 640 }, XL: { w: 500, h: 500, d: 800 } },
    }),
    /** shared with the cloud: pickup codes are derived from it (see devices/locker/codes.ts); generated into the data dir when absent */
    codeKey: Type.Optional(Secret('pickup-code key shared with the cloud')),
    /** default pickup window; an order may carry its own (`pickupHours` on POST /api/v1/lockers/orders) */
    pickupHours: Type.Number({ exclusiveMinimum: 0, default: 72 }),
    /** `locker.parcel.reminder` this many hours before a parcel's pickup window ends (the cloud notifies the shopper) */
    pickupReminderHours: Type.Array(Type.Number({ exclusiveMinimum: 0 }), { default: [24], maxItems: 8 }),
    /** an `open` command with no door answer within this long is sent once more; a second silence marks the compartment `check` */
    doorCommandSeconds: Type.Number({ exclusiveMinimum: 0, default: 10 }),
    /** courier codes: a courier types theirs and scans the parcel label at the keypad to load without staff (audited as `courier:<id>`) */
    couriers: Type.Array(
      Type.Object(
        { id: Id, code: Type.String({ pattern: '^[0-9]{8,12}$', description: 'courier code (8-12 digits)', 'x-secret': true }) },
        {
          additionalProperties: false,
        },
      ),
      { default: [], maxItems: 64 },
    ),
    /** integration token of the POS (till): it may only report incentive redemptions */
    posToken: Type.Optional(Secret('bearer token of the POS for POST /api/v1/lockers/incentives/redeemed')),
    keypad: Type.Object(
      {
        maxFailures: Type.Integer({ minimum: 1, default: 5 }),
        lockoutSeconds: Type.Number({ exclusiveMinimum: 0, default: 60, description: 'first lockout; each next one is `growth` times longer' }),
        growth: Type.Number({ minimum: 1, default: 4 }),
        maxLockoutSeconds: Type.Number({ exclusiveMinimum: 0, default: 24 * 3600 }),
        /** a keypad with no lockout for this long starts again from the first lockout length */
        forgetAfterHours: Type.Number({ exclusiveMinimum: 0, default: 24 }),
        /** this many wrong entries on one bank within `sprayWindowMinutes`, from any sources, raise the spray alarm (nothing is locked) */
        sprayFailures: Type.Integer({ minimum: 2, default: 20 }),
        sprayWindowMinutes: Type.Number({ exclusiveMinimum: 0, default: 10 }),
      },
      { additionalProperties: false, default: {} },
    ),
    returns: Type.Object(
      {
        hmacKey: Type.Optional(Secret('HMAC-SHA256 key for return QRs (hs256)')),
        ed25519PublicKey: Type.Optional(Type.String({ minLength: 1, description: 'Ed25519 public key (PEM or base64 raw) for return QRs' })),
        defaultSize: Type.String({ default: 'M' }),
        /** offer an incentive (e.g. an exchange voucher) when the return reason is one of these (one rule; see `incentives` for more) */
        incentive: Type.Optional(
          Type.Object(
            { reasons: Type.Array(Type.String(), { minItems: 1 }), offer: Type.String({ minLength: 1, maxLength: 200 }) },
            { additionalProperties: false },
          ),
        ),
        /** return reason and item category codes used as metric labels; anything else is counted as `other` */
        reasons: Type.Array(Type.String({ maxLength: 32 }), { default: ['wrong_size', 'damaged', 'not_as_described', 'changed_mind', 'late'], maxItems: 32 }),
        categories: Type.Array(Type.String({ maxLength: 32 }), { default: [], maxItems: 64 }),
        keepIt: Type.Optional(KeepItSchema),
        incentives: Type.Optional(IncentivesSchema),
      },
      { additionalProperties: false, default: {} },
    ),
    /** a compartment reserved for an arrived online order (expected parcel) is held this long for its load */
    reservationHoldMinutes: Type.Number({ exclusiveMinimum: 0, default: 120 }),
    /** a door open longer than this raises `door left open` */
    doorOpenAlertSeconds: Type.Number({ exclusiveMinimum: 0, default: 120 }),
  },
  { additionalProperties: false, default: {} },
);
/** The service's slice: its own section plus the audit retention from `retention.lockerAuditDays`. */
export type LockersConfig = Static<typeof LockersConfigSchema> & { auditDays?: number };
