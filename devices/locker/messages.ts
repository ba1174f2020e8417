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
 * `…/keypad`: what the shopper typed (6 digits) or the QR the scanner read. Never persisted or logged:
 * the gateway keeps only hashes of codes.
 */
export const KeypadMessage = Type.Union([
  Type.Object({ msgId: MsgId, code: Type.String({ pattern: '^[0-9]{1,12}$' }) }, { additionalProperties: false }),
  Type.Object({ msgId: MsgId, qr: Type.String({ minLength: 1, maxLength: 2048 }) }, { additionalProperties: false }),
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
  | { type: 'keypad'; result: 'ok' | 'wrong' | 'locked' | 'expired' | 'refused'; compartment?: string; lockedForSeconds?: number; message?: string }
  /** a repurchase incentive shown on the display during a return */
  | { type: 'display'; message: string };
