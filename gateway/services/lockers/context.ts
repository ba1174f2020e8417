import { createHash, createHmac } from 'node:crypto';
import type { LockerCommand } from '../../../devices/locker/messages.ts';
import { LOCKER_KIND } from '../../../devices/locker/topics.ts';
import { deviceSource, gatewaySource } from '../../../devices/topics.ts';
import type { EventMap, EventType } from '../../bus/events.ts';
import { counter } from '../../metrics.ts';
import type { Language } from '../../staff/accounts.ts';
import type { ServiceDeps } from '../../service.ts';
import type { Db } from '../../store/db.ts';
import type { Work } from '../../store/unit-of-work.ts';
import type { LockersConfig } from './config.ts';
import './events.ts';

export interface CompartmentRow {
  id: string;
  bank_id: string;
  controller_id: string;
  size: string;
  w: number;
  h: number;
  d: number;
  state: 'free' | 'reserved' | 'loading' | 'awaiting_pickup' | 'expired' | 'returning' | 'returned';
  door: 'open' | 'closed' | 'jammed' | 'unknown';
  occupied: number | null;
  door_open_since: number | null;
  op: 'load' | 'pickup' | 'reclaim' | 'return' | 'collect' | 'staff' | null;
  op_tries: number;
  op_acked: number;
  low: number;
  op_ref: string | null;
  op_actor: string | null;
  op_at: number | null;
  parcel_id: string | null;
  return_id: string | null;
  out_of_service: number;
  fault: string | null;
  updated_at: number;
}

export interface ParcelRow {
  id: string;
  order_id: string;
  size: string;
  compartment_id: string;
  status: 'loading' | 'awaiting_pickup' | 'picking_up' | 'picked_up' | 'expired' | 'reclaimed' | 'load_failed';
  code_hash: string | null;
  code_nonce: string | null;
  expires_at: number | null;
  created_at: number;
  loaded_at: number | null;
  done_at: number | null;
  reminders_sent: number;
  actor: string | null;
}

/** What a unit of work produces besides its SQL: bus events and device commands, released only after COMMIT. */
export interface Effects {
  emit<T extends EventType>(type: T, controllerId: string, data: EventMap[T], stableKey?: string): void;
  /** an event about the store's lockers rather than one controller (source `storegate/<storeId>/gateway/lockers`) */
  emitGateway<T extends EventType>(type: T, data: EventMap[T], stableKey?: string): void;
  send(controllerId: string, cmd: LockerCommand): void;
  audit(actor: string, action: string, compartmentId: string | null, ref: string | null): Promise<void>;
  after(fn: () => void): void;
}

/**
 * Who the shopper's app is (passed in by the gateway, from privacy's pseudonymiser and presence's store visits): the
 * app id a phone unlock sends → that day's pseudonym and the shopper's current store visit, or null. It runs SQL on
 * the unit's own transaction only.
 */
export type AppIdentifier = (tx: Db, appId: string) => Promise<{ shopperId: string; sessionId: string | null } | null>;

export function createContext(deps: ServiceDeps, cfg: LockersConfig, codeKey: string, opts: { identifyApp?: AppIdentifier; language?: Language } = {}) {
  const { identifyApp } = opts;
  const log = deps.log.child({ module: 'lockers' });
  const metrics = {
    refused: counter(deps.metrics, 'storegate_lockers_keypad_refused_total', 'Keypad entries refused', ['reason']),
    lockouts: counter(deps.metrics, 'storegate_lockers_keypad_lockouts_total', 'Keypad lockouts'),
    opens: counter(deps.metrics, 'storegate_lockers_door_opens_total', 'Doors opened by the gateway', ['purpose']),
    sprays: counter(deps.metrics, 'storegate_lockers_keypad_sprays_total', 'Bank-wide alarms on a spray of wrong codes'),
    // labels are bounded: category and reason from the config lists (else `other`), never an item or order id
    returns: counter(deps.metrics, 'storegate_lockers_return_reasons_total', 'Returns received, by item category and reason', [
      'category',
      'reason',
      'channel',
    ]),
    keepIt: counter(deps.metrics, 'storegate_lockers_keep_it_decisions_total', 'Keep-it decisions at return', ['decision', 'category']),
    incentives: counter(deps.metrics, 'storegate_lockers_incentives_total', 'Incentive outcomes, by offer', ['offer', 'outcome']),
    doorTimeouts: counter(deps.metrics, 'storegate_lockers_door_command_timeouts_total', 'Open commands without a door answer in time', ['outcome']),
    reminders: counter(deps.metrics, 'storegate_lockers_pickup_reminders_total', 'Pickup reminders emitted'),
  };
  const source = (controllerId: string) => deviceSource(deps.storeId, LOCKER_KIND, controllerId);
  /** the same fact always gets the same id, so a replay after a crash de-duplicates at the cloud */
  const stableId = (key: string) => {
    const h = createHash('sha256').update(`${deps.storeId}\0${key}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  };

  /**
   * A locker operation as one unit of work (gateway/store/unit-of-work.ts): its SQL in one transaction; its
   * events (bus, and outbox when routed) and device commands released after COMMIT. Units run one at a time,
   * in order, so a decision reads the state the previous one left.
   */
  function work<T>(fn: (tx: Db, fx: Effects) => Promise<T>): Promise<T> {
    return deps.work.run((w) => fn(w.tx, effectsOf(w)));
  }

  /** The locker vocabulary over one unit of work (also for a handoff the unit of work runs, see service.ts). */
  function effectsOf(w: Work): Effects {
    const push = <T extends EventType>(type: T, src: string, data: EventMap[T], stableKey?: string) => {
      const e = deps.bus.make(type, src, data);
      w.emit(stableKey ? { ...e, id: stableId(`${type}\0${stableKey}`) } : e);
    };
    return {
      emit: (type, controllerId, data, stableKey) => push(type, source(controllerId), data, stableKey),
      emitGateway: (type, data, stableKey) => push(type, gatewaySource(deps.storeId, 'lockers'), data, stableKey),
      send: (controllerId, cmd) => w.after(() => deps.link.send(LOCKER_KIND, controllerId, cmd)),
      audit: async (actor, action, compartmentId, ref) =>
        void (await w.tx.run('INSERT INTO locker_audit (at, actor, action, compartment_id, ref) VALUES (?, ?, ?, ?, ?)', [
          deps.clock.now(),
          actor,
          action,
          compartmentId,
          ref,
        ])),
      after: (f) => w.after(f),
    };
  }

  return {
    deps,
    cfg,
    /** set by the service: an open command was sent (after COMMIT), so its answer deadline starts (deadline.ts) */
    hooks: { doorCommanded: (_compartmentId: string, _at: number) => {}, pickupChanged: () => {} },
    log,
    metrics,
    work,
    effectsOf,
    stableId,
    now: () => deps.clock.now(),
    /** the store's language: the staff page starts in it */
    language: opts.language ?? ('en' as Language),
    /** the shopper behind a phone unlock (`via: 'app'`), when the gateway can tell */
    identifyApp: async (tx: Db, msg: { via?: string | undefined; session?: string | undefined }) =>
      msg.via === 'app' && msg.session && identifyApp ? identifyApp(tx, msg.session) : null,
    /** keyed hash: a stolen database alone does not give the 10^6 codes away */
    hashCode: (code: string) => createHmac('sha256', codeKey).update(`code\0${code}`).digest('hex'),
    codeKey,
    controllers: new Set(cfg.banks.map((b) => b.controllerId)),
    /** a metric label from a bounded list: anything not configured counts as `other` */
    label: (value: string, known: readonly string[]) => (known.includes(value) ? value : 'other'),
  };
}
export type Ctx = ReturnType<typeof createContext>;

export const comp = (tx: Db, id: string) => tx.get<CompartmentRow>('SELECT * FROM locker_compartments WHERE id = ?', [id]);
export const parcel = (tx: Db, id: string) => tx.get<ParcelRow>('SELECT * FROM locker_parcels WHERE id = ?', [id]);

/** Updates some columns of one compartment (and its `updated_at`). */
export const setComp = (tx: Db, id: string, now: number, fields: Record<string, unknown>) =>
  tx.run(
    `UPDATE locker_compartments SET ${Object.keys(fields)
      .map((k) => `${k} = ?`)
      .join(', ')}, updated_at = ? WHERE id = ?`,
    [...Object.values(fields), now, id],
  );
