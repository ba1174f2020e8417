import type { Migration } from './migrate.ts';
import { outboxMigrations } from './outbox-migrations.ts';

export const coreMigrations: Migration[] = [
  {
    id: 'core-001-devices',
    up: `
      CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        zone TEXT,
        secret_hash TEXT NOT NULL,
        enabled INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        revoked_at TEXT,
        last_seen_at TEXT,
        meta TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX devices_kind ON devices(kind);`,
  },
  {
    id: 'core-002-device-events',
    // Every accepted device event, written before the device gets its PUBACK.
    up: `
      CREATE TABLE device_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        device_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        channel TEXT NOT NULL,
        type TEXT NOT NULL,
        time TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX device_events_device ON device_events(device_id, seq);
      CREATE INDEX device_events_time ON device_events(time);`,
  },
  {
    id: 'core-003-kv',
    up: 'CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);',
  },
  // the cloud outbox's rows are core: every capability enqueues into them through the unit of work
  ...outboxMigrations,
  {
    id: 'core-004-durable-deliveries',
    // events handed from one capability to another that must survive a crash (unit-of-work.ts `durable`)
    up: `
      CREATE TABLE durable_deliveries (
        consumer TEXT NOT NULL,
        event_id TEXT NOT NULL,
        type TEXT NOT NULL,
        event TEXT NOT NULL,
        PRIMARY KEY (consumer, event_id)
      );`,
  },
];
