import type { Migration } from '../../store/migrate.ts';

/** All locker state lives here, so a restart at any step resumes from the file (see reconcile.ts). */
export const lockerMigrations: Migration[] = [
  {
    id: 'lockers-001-core',
    up: `
      CREATE TABLE locker_compartments (
        id TEXT PRIMARY KEY,
        bank_id TEXT NOT NULL,
        controller_id TEXT NOT NULL,
        size TEXT NOT NULL,
        w INTEGER NOT NULL, h INTEGER NOT NULL, d INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'free',
        door TEXT NOT NULL DEFAULT 'unknown',
        occupied INTEGER,
        door_open_since INTEGER,
        op TEXT, op_ref TEXT, op_actor TEXT, op_at INTEGER,
        parcel_id TEXT,
        return_id TEXT,
        out_of_service INTEGER NOT NULL DEFAULT 0,
        fault TEXT,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX locker_compartments_controller ON locker_compartments (controller_id);
      CREATE TABLE locker_parcels (
        id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        size TEXT NOT NULL,
        compartment_id TEXT NOT NULL,
        status TEXT NOT NULL,
        code_hash TEXT,
        code_nonce TEXT,
        expires_at INTEGER,
        created_at INTEGER NOT NULL,
        loaded_at INTEGER,
        done_at INTEGER
      );
      CREATE UNIQUE INDEX locker_parcels_code ON locker_parcels (code_hash) WHERE code_hash IS NOT NULL;
      CREATE INDEX locker_parcels_order ON locker_parcels (order_id);
      CREATE INDEX locker_parcels_status ON locker_parcels (status, expires_at);
      CREATE TABLE locker_returns (
        id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        item TEXT NOT NULL,
        reason TEXT NOT NULL,
        compartment_id TEXT NOT NULL,
        status TEXT NOT NULL,
        incentive TEXT,
        incentive_shown INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        dropped_at INTEGER
      );
      CREATE TABLE locker_keypads (
        controller_id TEXT PRIMARY KEY,
        failures INTEGER NOT NULL DEFAULT 0,
        lockouts INTEGER NOT NULL DEFAULT 0,
        locked_until INTEGER NOT NULL DEFAULT 0,
        last_lockout_at INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE locker_alerts (
        key TEXT PRIMARY KEY,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        device_id TEXT NOT NULL,
        raised_at INTEGER NOT NULL
      );
      CREATE TABLE locker_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        compartment_id TEXT,
        ref TEXT
      );
      CREATE INDEX locker_audit_at ON locker_audit (at);
    `,
  },
  {
    // online orders to be delivered to these lockers (fitting room's order intents): reserved when they arrive
    id: 'lockers-002-expected-parcels',
    up: `
      CREATE TABLE locker_expected_parcels (
        order_id TEXT PRIMARY KEY,
        sku TEXT NOT NULL,
        size TEXT NOT NULL,
        shopper_id TEXT,
        session_id TEXT,
        mirror_id TEXT,
        status TEXT NOT NULL,
        compartment_id TEXT,
        reserved_until INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX locker_expected_parcels_status ON locker_expected_parcels (status, reserved_until);
      CREATE INDEX locker_expected_parcels_compartment ON locker_expected_parcels (compartment_id) WHERE compartment_id IS NOT NULL;
    `,
  },
  {
    // #22: per-source lockouts and the spray alarm, door deadlines, pickup windows and reminders, multi-parcel orders
    // under one code, low compartments, keep-it decisions and incentives with their outcomes
    id: 'lockers-003-season',
    up: `
      CREATE TABLE locker_code_sources (
        source_key TEXT PRIMARY KEY,
        controller_id TEXT NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        lockouts INTEGER NOT NULL DEFAULT 0,
        locked_until INTEGER NOT NULL DEFAULT 0,
        last_lockout_at INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE locker_code_failures (controller_id TEXT NOT NULL, at INTEGER NOT NULL);
      CREATE INDEX locker_code_failures_at ON locker_code_failures (controller_id, at);
      ALTER TABLE locker_compartments ADD COLUMN low INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE locker_compartments ADD COLUMN op_tries INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE locker_compartments ADD COLUMN op_acked INTEGER NOT NULL DEFAULT 0;
      DROP INDEX locker_parcels_code;
      CREATE INDEX locker_parcels_code ON locker_parcels (code_hash) WHERE code_hash IS NOT NULL;
      ALTER TABLE locker_parcels ADD COLUMN reminders_sent INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE locker_parcels ADD COLUMN actor TEXT;
      CREATE TABLE locker_orders (
        order_id TEXT PRIMARY KEY,
        parcels INTEGER NOT NULL DEFAULT 1,
        dims TEXT,
        pickup_hours REAL,
        accessibility TEXT,
        created_at INTEGER NOT NULL
      );
      ALTER TABLE locker_returns ADD COLUMN category TEXT NOT NULL DEFAULT 'uncategorised';
      ALTER TABLE locker_returns ADD COLUMN value INTEGER;
      ALTER TABLE locker_returns ADD COLUMN shopper_id TEXT;
      ALTER TABLE locker_returns ADD COLUMN channel TEXT NOT NULL DEFAULT 'locker';
      ALTER TABLE locker_returns ADD COLUMN decision TEXT;
      CREATE INDEX locker_returns_shopper ON locker_returns (shopper_id, created_at) WHERE shopper_id IS NOT NULL;
      CREATE TABLE locker_incentives (
        offer_id TEXT PRIMARY KEY,
        return_id TEXT NOT NULL,
        offer TEXT NOT NULL,
        rule TEXT NOT NULL,
        status TEXT NOT NULL,
        shown_at INTEGER NOT NULL,
        accepted_at INTEGER,
        redeemed_at INTEGER,
        redeemed_via TEXT
      );
      CREATE INDEX locker_incentives_return ON locker_incentives (return_id);
    `,
  },
  {
    // #23 session fusion: a pickup or return the shopper's app made (phone unlock) names the shopper's pseudonym of
    // that day and their store visit, so the per-shopper timeline and export/erase by app id reach it
    id: 'lockers-004-shopper-links',
    up: `
      ALTER TABLE locker_parcels ADD COLUMN shopper_id TEXT;
      ALTER TABLE locker_parcels ADD COLUMN shopper_session_id TEXT;
      ALTER TABLE locker_returns ADD COLUMN shopper_session_id TEXT;
      CREATE INDEX locker_parcels_shopper ON locker_parcels (shopper_id) WHERE shopper_id IS NOT NULL;
    `,
  },
];
