import type { Migration } from '../store/migrate.ts';

/** Staff accounts: one row per person. Only the scrypt hash of the PIN or password is kept. */
export const staffMigrations: Migration[] = [
  {
    id: 'staff-001-accounts',
    up: `
      CREATE TABLE staff_accounts (
        login TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        enabled INTEGER NOT NULL DEFAULT 1,
        failures INTEGER NOT NULL DEFAULT 0,
        locked_until INTEGER,
        language TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );`,
  },
];
