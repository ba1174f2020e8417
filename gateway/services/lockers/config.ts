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
      Type.Object({ id: Id, size: Type.String({ minLength: 1, maxLength: 8 }), dims: Type.Optional(DimsSchema) }, { additionalProperties: false }),
      { minItems: 1, maxItems: 256 },
    ),
  },
  { additionalProperties: false },
);
export type BankConfig = Static<typeof BankSchema>;

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
    pickupHours: Type.Number({ exclusiveMinimum: 0, default: 72 }),
    keypad: Type.Object(
      {
        maxFailures: Type.Integer({ minimum: 1, default: 5 }),
        lockoutSeconds: Type.Number({ exclusiveMinimum: 0, default: 60, description: 'first lockout; each next one is `growth` times longer' }),
        growth: Type.Number({ minimum: 1, default: 4 }),
        maxLockoutSeconds: Type.Number({ exclusiveMinimum: 0, default: 24 * 3600 }),
        /** a keypad with no lockout for this long starts again from the first lockout length */
        forgetAfterHours: Type.Number({ exclusiveMinimum: 0, default: 24 }),
      },
      { additionalProperties: false, default: {} },
    ),
    returns: Type.Object(
      {
        hmacKey: Type.Optional(Secret('HMAC-SHA256 key for return QRs (hs256)')),
        ed25519PublicKey: Type.Optional(Type.String({ minLength: 1, description: 'Ed25519 public key (PEM or base64 raw) for return QRs' })),
        defaultSize: Type.String({ default: 'M' }),
        /** offer an incentive (e.g. an exchange voucher) when the return reason is one of these */
        incentive: Type.Optional(
          Type.Object(
            { reasons: Type.Array(Type.String(), { minItems: 1 }), offer: Type.String({ minLength: 1, maxLength: 200 }) },
            { additionalProperties: false },
          ),
        ),
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
