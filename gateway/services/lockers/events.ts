import type { KeypadMessage, LockerEventMessage, StateReportMessage } from '../../../devices/locker/messages.ts';

/** Locker events on the bus. The `locker.parcel.*`, `locker.return.*` and `locker.expected.*` ones are meant for the cloud (outbox). */
export interface ParcelLoaded {
  parcelId: string;
  orderId: string;
  bankId: string;
  compartmentId: string;
  size: string;
  expiresAt: string;
  /** the cloud derives the pickup code from it with the shared codeKey (devices/locker/codes.ts); the code is never sent */
  codeNonce: string;
}
export interface ParcelRef {
  parcelId: string;
  orderId: string;
  compartmentId: string;
}
export interface ReturnDropped {
  returnId: string;
  orderId: string;
  item: string;
  reason: string;
  compartmentId: string;
  incentive: string | null;
  incentiveShown: boolean;
}
/**
 * An online order to be picked up from this store's lockers (from the fitting room's `order.intent.created`),
 * at each step: `created` → `arrived` (a compartment is reserved until `reservedUntil`) → `loaded`, or
 * `cancelled` / `expired` (the reservation lapsed) / `released` (its compartment failed; back to `expected`).
 * No shopper id: the cloud has it with the order intent.
 */
export interface ExpectedParcelChanged {
  orderId: string;
  sku: string;
  size: string;
  status: 'expected' | 'arrived' | 'loaded' | 'cancelled' | 'expired';
  compartmentId: string | null;
  reservedUntil: string | null;
  parcelId?: string;
  reason?: string;
}
export type { AlertData } from '../../bus/events.ts';

/**
 * What a controller said, as the locker channels hand it to the locker service. Local events (`Bus.emitLocal`):
 * in-process only, never stored as such or forwarded; a keypad entry carries a code or a QR.
 */
export interface ControllerSaid<M> {
  controllerId: string;
  message: M;
}

declare module '../../bus/events.ts' {
  interface EventMap {
    'locker.parcel.loaded': ParcelLoaded;
    'locker.parcel.load_failed': ParcelRef & { reason: string };
    'locker.parcel.picked_up': ParcelRef & { via: 'code' | 'qr' };
    'locker.parcel.expired': ParcelRef;
    'locker.parcel.reclaimed': ParcelRef;
    'locker.return.dropped': ReturnDropped;
    'locker.expected.created': ExpectedParcelChanged;
    'locker.expected.arrived': ExpectedParcelChanged;
    'locker.expected.loaded': ExpectedParcelChanged;
    'locker.expected.cancelled': ExpectedParcelChanged;
    'locker.expected.expired': ExpectedParcelChanged;
    'locker.expected.released': ExpectedParcelChanged;
    'locker.return.collected': { returnIds: string[]; compartmentId: string };
    /** every door the gateway opened, and why (the audit trail in event form); never carries a code */
    'locker.door.opened': { controllerId: string; compartmentId: string; purpose: string; actor: string };
    'locker.keypad.refused': { controllerId: string; reason: string };
    'locker.keypad.locked': { controllerId: string; lockedForSeconds: number; lockouts: number };
    'locker.state.reconciled': { controllerId: string; changes: string[] };
    'locker.controller.event': ControllerSaid<LockerEventMessage>;
    'locker.controller.state': ControllerSaid<StateReportMessage>;
    'locker.keypad.entered': ControllerSaid<KeypadMessage>;
  }
}
