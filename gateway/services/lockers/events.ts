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
  category: string;
  reason: string;
  /** `null` when handed in at the service desk */
  compartmentId: string | null;
  channel: 'locker' | 'desk';
  /** why the item was taken back rather than kept (the keep-it policy's answer) */
  decision: string;
  incentive: string | null;
  incentiveShown: boolean;
}
/** "Keep it": refunded without taking the item back (`decision` says which policy let it). */
export interface ReturnKept {
  returnId: string;
  orderId: string;
  item: string;
  category: string;
  reason: string;
  channel: 'locker' | 'desk';
  decision: string;
}
/** An offer picked at return by the rule set (`rule` is the rule that matched: the explanation), and what became of it. */
export interface IncentiveOutcome {
  offerId: string;
  returnId: string;
  offer: string;
  rule: string;
  status: 'shown' | 'accepted' | 'declined' | 'redeemed';
  at: string;
  /** redeemed: where (`pos`, `cloud`, …) */
  channel?: string;
}
/** Every parcel of an order is in (one code opens them all): the cloud sends the shopper the code now. */
export interface OrderReady {
  orderId: string;
  parcelIds: string[];
  compartmentIds: string[];
  codeNonce: string;
  expiresAt: string;
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
    'locker.return.kept': ReturnKept;
    'locker.order.ready': OrderReady;
    /** a reminder point of the pickup window passed (`lockers.pickupReminderHours`): the cloud notifies the shopper */
    'locker.parcel.reminder': ParcelRef & { expiresAt: string; hoursLeft: number };
    'locker.incentive.shown': IncentiveOutcome;
    'locker.incentive.accepted': IncentiveOutcome;
    'locker.incentive.declined': IncentiveOutcome;
    'locker.incentive.redeemed': IncentiveOutcome;
    /** the cloud reported a redemption (emitted by the cloud downlink); the lockers service records it */
    'incentive.redeemed': { offerId: string; redeemedAt: string; channel: string };
    /** a door command got no answer in time: sent once more (`retried`), or given up (`check`: staff must look at it) */
    'locker.door.unanswered': { controllerId: string; compartmentId: string; purpose: string; outcome: 'retried' | 'check' };
    /** many wrong codes on one bank from any sources: an alarm, nobody is locked out by it */
    'locker.keypad.spray': { controllerId: string; failures: number; windowMinutes: number };
    /** a courier loaded a parcel with their code (the audit has it as `courier:<id>`) */
    'locker.courier.loaded': ParcelRef & { courierId: string };
    /** every door the gateway opened, and why (the audit trail in event form); never carries a code */
    'locker.door.opened': { controllerId: string; compartmentId: string; purpose: string; actor: string };
    'locker.keypad.refused': { controllerId: string; reason: string };
    'locker.keypad.locked': { controllerId: string; lockedForSeconds: number; lockouts: number; source: 'keypad' | 'app' };
    'locker.state.reconciled': { controllerId: string; changes: string[] };
    'locker.controller.event': ControllerSaid<LockerEventMessage>;
    'locker.controller.state': ControllerSaid<StateReportMessage>;
    'locker.keypad.entered': ControllerSaid<KeypadMessage>;
  }
}
