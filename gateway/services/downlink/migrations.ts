import type { Migration } from '../../store/migrate.ts';

export const downlinkMigrations: Migration[] = [
  {
    id: 'downlink-001',
    up: `
      -- the last sequence applied per stream: written in the unit of work that applies the message
      CREATE TABLE downlink_streams (stream TEXT PRIMARY KEY, position INTEGER NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;
      -- single-use nonces of commands and config patches, kept until they expire
      CREATE TABLE downlink_nonces (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
      -- every command and config patch (and every refusal of a signed message): who asked, with which key, what happened
      CREATE TABLE downlink_audit (
        id TEXT NOT NULL, at INTEGER NOT NULL, stream TEXT, sequence INTEGER, type TEXT, key_id TEXT,
        requested_by TEXT, outcome TEXT NOT NULL, detail TEXT);
      CREATE INDEX downlink_audit_at ON downlink_audit(at);
      -- keys pinned by a key.rotate command, on top of downlink.keys
      CREATE TABLE downlink_keys (id TEXT PRIMARY KEY, public_key TEXT, purposes TEXT NOT NULL, retired INTEGER NOT NULL DEFAULT 0,
        changed_by TEXT, changed_at INTEGER NOT NULL) WITHOUT ROWID;
      -- accepted config patches, in order; the effective config is the file's plus these
      CREATE TABLE downlink_config_patches (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, at INTEGER NOT NULL,
        requested_by TEXT, patch TEXT NOT NULL);`,
  },
  {
    id: 'downlink-002-held',
    // messages received ahead of a gap: stored before they are acknowledged (a PUBACK is a promise not to lose them),
    // removed in the unit of work that applies them
    up: `CREATE TABLE downlink_held (stream TEXT NOT NULL, sequence INTEGER NOT NULL, key_id TEXT NOT NULL, event TEXT NOT NULL,
      received_at INTEGER NOT NULL, PRIMARY KEY (stream, sequence)) WITHOUT ROWID;`,
  },
  {
    id: 'downlink-003-store-stock',
    // the store's own events applied to stock (store-stock.ts), by event id: each changes the level once
    up: 'CREATE TABLE stock_store_events (event_id TEXT PRIMARY KEY, type TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;',
  },
];
