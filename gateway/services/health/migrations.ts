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
];
