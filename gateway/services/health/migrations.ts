import type { Migration } from '../../store/migrate.ts';

export const healthMigrations: Migration[] = [
  {
    id: 'health-001-alerts',
    // Every alert ever raised, open ones have resolved_at NULL. The partial unique index is the dedup rule:
    // one open alert per cause key.
    up: `
      CREATE TABLE health_alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        device_id TEXT NOT NULL,
        source TEXT NOT NULL,
        details TEXT,
        raised_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        resolved_at INTEGER
      );
      CREATE UNIQUE INDEX health_alerts_open ON health_alerts(key) WHERE resolved_at IS NULL;
      CREATE INDEX health_alerts_raised ON health_alerts(raised_at);`,
  },
  {
    id: 'health-002-ack-mute-groups',
    // Alerts people act on: who acknowledged an open alert and why, the mute that silenced it when it was raised,
    // and where it is (device kind and zone) so faults group per zone. Mutes are rows with an end time (they expire
    // by themselves); every ack, mute and unmute is a row of health_audit.
    up: `
      ALTER TABLE health_alerts ADD COLUMN kind TEXT;
      ALTER TABLE health_alerts ADD COLUMN zone TEXT;
      ALTER TABLE health_alerts ADD COLUMN acked_at INTEGER;
      ALTER TABLE health_alerts ADD COLUMN acked_by TEXT;
      ALTER TABLE health_alerts ADD COLUMN acked_name TEXT;
      ALTER TABLE health_alerts ADD COLUMN ack_note TEXT;
      ALTER TABLE health_alerts ADD COLUMN mute_id INTEGER;
      CREATE TABLE health_mutes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        alert_key TEXT,
        kind TEXT,
        zone TEXT,
        until_at INTEGER NOT NULL,
        by_actor TEXT NOT NULL,
        by_name TEXT NOT NULL,
        note TEXT,
        created_at INTEGER NOT NULL,
        ended_at INTEGER
      );
      CREATE TABLE health_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        note TEXT
      );
      CREATE INDEX health_audit_at ON health_audit(at);`,
  },
];
