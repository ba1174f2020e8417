import Type, { type Static } from 'typebox';

/**
 * The locker controller's wire format. One controller drives one bank of compartments; the gateway is the
 * source of truth and the controller reports what its sensors see. Topics: see `topics.ts`.
 */
const MsgId = Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Integer()]));
const CompartmentId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$' });
export const DoorState = Type.Union([Type.Literal('open'), Type.Literal('closed'), Type.Literal('jammed')]);
export type DoorState = Static<typeof DoorState>;

/** `…/event`: one sensor change. `occupied` is the compartment's occupancy sensor, sent with every door change. */
export const LockerEventMessage = Type.Union([
  Type.Object(
    { msgId: MsgId, type: Type.Literal('door'), compartment: CompartmentId, door: DoorState, occupied: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
  Type.Object({ msgId: MsgId, type: Type.Literal('occupancy'), compartment: CompartmentId, occupied: Type.Boolean() }, { additionalProperties: false }),
  Type.Object(
    {
      msgId: MsgId,
      type: Type.Literal('fault'),
      fault: Type.Union([Type.Literal('power_loss'), Type.Literal('tamper')]),
      compartment: Type.Optional(CompartmentId),
    },
    { additionalProperties: false },
  ),
]);
export type LockerEventMessage = Static<typeof LockerEventMessage>;

/**
 * Who is typing: `session` is the controller's keypad session (a new one each time the keypad wakes up after
 * being idle) or, with `via: 'app'`, the shopper app's pseudonymous install id (phone unlock over BLE/NFC).
 * Lockouts count per source, so one person guessing never locks the bank for everyone.
 */
const Source = {
  session: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' })),
  via: Type.Optional(Type.Union([Type.Literal('keypad'), Type.Literal('app')])),
};

/**
 * `…/keypad`: what the shopper typed (6 digits) or the QR the scanner read; a courier's code with the order id
 * scanned from the parcel label (and its size class when the label has one); or the shopper's answer to an offer
 * shown on the display. Never persisted or logged: the gateway keeps only hashes of codes.
 */
export const KeypadMessage = Type.Union([
  Type.Object({ msgId: MsgId, code: Type.String({ pattern: '^[0-9]{1,12}$' }), ...Source }, { additionalProperties: false }),
  Type.Object({ msgId: MsgId, qr: Type.String({ minLength: 1, maxLength: 2048 }), ...Source }, { additionalProperties: false }),
  Type.Object(
    {
      msgId: MsgId,
      courier: Type.String({ pattern: '^[0-9]{1,12}$' }),
      orderId: Type.String({ minLength: 1, maxLength: 128 }),
      size: Type.Optional(Type.String({ minLength: 1, maxLength: 8 })),
      ...Source,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { msgId: MsgId, offerId: Type.String({ minLength: 1, maxLength: 64 }), answer: Type.Union([Type.Literal('accept'), Type.Literal('decline')]), ...Source },
    { additionalProperties: false },
  ),
]);
export type KeypadMessage = Static<typeof KeypadMessage>;

/**
 * `…/state`: the controller's full picture, sent on every (re)connect and when asked with a `report` command.
 * `powerLoss` says the controller rebooted after losing power (its doors may have been opened by hand).
 */
export const StateReportMessage = Type.Object(
  {
    msgId: MsgId,
    powerLoss: Type.Optional(Type.Boolean()),
    compartments: Type.Array(Type.Object({ id: CompartmentId, door: DoorState, occupied: Type.Boolean() }, { additionalProperties: false }), {
      maxItems: 256,
    }),
  },
  { additionalProperties: false },
);
export type StateReportMessage = Static<typeof StateReportMessage>;

/** `…/cmd`, gateway → controller (QoS 1). */
export type LockerCommand =
  /** unlock a door; the controller answers with a `door` event (`open`, or `jammed` when it did not move) */
  | { type: 'open'; compartment: string; reqId: string }
  /** send a full `state` report now (sent to every controller when the gateway starts) */
  | { type: 'report' }
  /** answer to every `state` report, once it is reconciled */
  | { type: 'synced'; changes: number }
  /** feedback for the keypad / display */
  | {
      type: 'keypad';
      result: 'ok' | 'wrong' | 'locked' | 'expired' | 'refused';
      compartment?: string;
      /** every door opened for this entry (a multi-parcel order) */
      compartments?: string[];
      lockedForSeconds?: number;
      message?: string;
    }
  /** a message on the display: a return's outcome ("keep it") or an offer the shopper may accept (`offerId`) */
  | { type: 'display'; message: string; offerId?: string; returnId?: string };
