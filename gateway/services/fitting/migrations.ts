import type { Migration } from '../../store/migrate.ts';

/**
 * Fitting-room sessions (one per mirror occupancy) and what happened in them. Only product ids: no frame
 * bytes, ever. `fitting_room_sessions.started_at` (ms) is the column the privacy retention deletes by.
 */
export const fittingMigrations: Migration[] = [
  {
    id: 'fitting-001-sessions',
    up: `
      CREATE TABLE fitting_room_sessions (
        id TEXT PRIMARY KEY,
        mirror_id TEXT NOT NULL,
        zone TEXT,
        shopper_id TEXT,
        started_at INTEGER NOT NULL,
        ended_at INTEGER
      );
      CREATE INDEX fitting_room_sessions_open ON fitting_room_sessions (mirror_id, ended_at);
      CREATE TABLE fitting_items (
        session_id TEXT NOT NULL,
        sku TEXT NOT NULL,
        category TEXT NOT NULL,
        via TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (session_id, sku)
      );
      CREATE INDEX fitting_items_sku ON fitting_items (sku);
      CREATE TABLE fitting_suggestions (
        session_id TEXT NOT NULL,
        sku TEXT NOT NULL,
        kind TEXT NOT NULL,
        shown_at INTEGER NOT NULL,
        taken_at INTEGER,
        PRIMARY KEY (session_id, sku)
      );
      CREATE TABLE fitting_size_requests (
        id TEXT PRIMARY KEY,
        session_id TEXT,
        mirror_id TEXT NOT NULL,
        zone TEXT,
        sku TEXT NOT NULL,
        size TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        alerted INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX fitting_size_requests_status ON fitting_size_requests (status, created_at);
      CREATE TABLE fitting_orders (
        id TEXT PRIMARY KEY,
        session_id TEXT,
        mirror_id TEXT NOT NULL,
        sku TEXT NOT NULL,
        size TEXT NOT NULL,
        delivery TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    // the shopper's store visit (presence's session id) next to the pseudonym, so the cloud can join the two
    id: 'fitting-002-shopper-session',
    up: 'ALTER TABLE fitting_room_sessions ADD COLUMN shopper_session_id TEXT;',
  },
  {
    // every answer to a size request names the person (their login, or the token's name)
    id: 'fitting-003-size-request-people',
    up: 'ALTER TABLE fitting_size_requests ADD COLUMN claimed_by TEXT; ALTER TABLE fitting_size_requests ADD COLUMN answered_by TEXT;',
  },
  {
    // which model recognised an item (id + sha256 of its ONNX file): null for picks and for rows from before
    id: 'fitting-004-item-model',
    up: 'ALTER TABLE fitting_items ADD COLUMN model_id TEXT; ALTER TABLE fitting_items ADD COLUMN model_sha256 TEXT;',
  },
  {
    // an item read by the fitting room's RFID reader: its exact size and tag, what the camera said of it, when it left
    id: 'fitting-005-item-tags',
    up: `ALTER TABLE fitting_items ADD COLUMN size TEXT; ALTER TABLE fitting_items ADD COLUMN epc TEXT;
      ALTER TABLE fitting_items ADD COLUMN camera TEXT; ALTER TABLE fitting_items ADD COLUMN ended_at INTEGER;
      ALTER TABLE fitting_items ADD COLUMN ended_reason TEXT;`,
  },
];
