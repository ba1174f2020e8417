import type { RetentionDays } from './config.ts';

export type ClassName = { [K in keyof RetentionDays]: K extends `${infer N}Days` ? N : never }[keyof RetentionDays];

/**
 * Every table the retention job purges, in one place. Table and column names come from the owners' migrations
 * (cited per entry); the owners keep their own purges too, which delete the same rows with the same cut-off,
 * so running both is harmless. A table that does not exist (a capability not installed) is skipped.
 */
export interface DataClass {
  /** the name used in config (`retention.<name>Days`), metrics and reports */
  name: ClassName;
  table: string;
  timeColumn: string;
  /** how the column stores time: ISO-8601 text, epoch milliseconds, or detected from the first row */
  time: 'iso' | 'ms' | 'auto';
  /** rows still in use are never purged (open sessions, unresolved alerts) */
  keep?: string;
  owner: string;
}

export const DATA_CLASSES: DataClass[] = [
  // core-002-device-events: every accepted device message (status, telemetry, locker events)
  { name: 'deviceEvents', table: 'device_events', timeColumn: 'time', time: 'iso', owner: 'core-002-device-events' },
  // presence-001-tables: zone enter/move/dwell/exit and session events per pseudonymous shopper
  { name: 'presence', table: 'presence_events', timeColumn: 'time', time: 'iso', owner: 'presence-001-tables' },
  // presence-001-tables: shopper sessions; same rule as presence's own purge (closed ones, by start)
  { name: 'sessions', table: 'shopper_sessions', timeColumn: 'started_at', time: 'iso', keep: "status = 'open'", owner: 'presence-001-tables' },
  // fitting-001-sessions: sessions and what happened in them (times in ms); product ids only, no frames
  { name: 'fittingRoom', table: 'fitting_room_sessions', timeColumn: 'started_at', time: 'ms', keep: 'ended_at IS NULL', owner: 'fitting-001-sessions' },
  { name: 'fittingRoom', table: 'fitting_items', timeColumn: 'at', time: 'ms', owner: 'fitting-001-sessions' },
  { name: 'fittingRoom', table: 'fitting_suggestions', timeColumn: 'shown_at', time: 'ms', owner: 'fitting-001-sessions' },
  {
    name: 'fittingRoom',
    table: 'fitting_size_requests',
    timeColumn: 'created_at',
    time: 'ms',
    keep: "status IN ('open', 'claimed')",
    owner: 'fitting-001-sessions',
  },
  { name: 'fittingRoom', table: 'fitting_orders', timeColumn: 'created_at', time: 'ms', owner: 'fitting-001-sessions' },
  // lockers-001-core: who opened which door and why (never a code)
  { name: 'lockerAudit', table: 'locker_audit', timeColumn: 'at', time: 'ms', owner: 'lockers-001-core' },
  // lockers-001-core: parcels and returns by order id (no shopper id, no code: only its hash while active);
  // anything still in a compartment or on its way there is kept
  {
    name: 'lockerParcels',
    table: 'locker_parcels',
    timeColumn: 'created_at',
    time: 'ms',
    keep: "status IN ('loading', 'awaiting_pickup', 'picking_up', 'expired')",
    owner: 'lockers-001-core',
  },
  {
    name: 'lockerParcels',
    table: 'locker_returns',
    timeColumn: 'created_at',
    time: 'ms',
    keep: "status IN ('dropping', 'dropped')",
    owner: 'lockers-001-core',
  },
  // lockers-002-expected-parcels: online orders for pickup here (order id, sku, size, shopper pseudonym); only
  // finished ones (loaded, cancelled, expired) go; one still expected or holding a reservation is kept
  {
    name: 'lockerParcels',
    table: 'locker_expected_parcels',
    timeColumn: 'created_at',
    time: 'ms',
    keep: "status IN ('expected', 'arrived')",
    owner: 'lockers-002-expected-parcels',
  },
  // outbox-001-tables: events the cloud refused for good, by when they failed
  { name: 'deadLetters', table: 'outbox_dead_letters', timeColumn: 'failed_at', time: 'ms', owner: 'outbox-001-tables' },
  // health-001-alerts: same rule as health's own purge (resolved ones, by resolution time)
  { name: 'alerts', table: 'health_alerts', timeColumn: 'resolved_at', time: 'ms', keep: 'resolved_at IS NULL', owner: 'health-001-alerts' },
];

export const daysFor = (c: DataClass, r: RetentionDays): number => r[`${c.name}Days` as keyof RetentionDays];
