import type { Migration } from '../../store/migrate.ts';

/**
 * outbox_events holds each cloud-bound event once, as its final CloudEvents JSON (`body`), whatever the
 * number of forwarders; outbox_pending says which forwarder still owes it. An event row goes when no
 * forwarder owes it any more. Dead letters keep their own copy so a retry can bring the event back.
 */
export const outboxMigrations: Migration[] = [
  {
    id: 'outbox-001-tables',
    up: `
      CREATE TABLE outbox_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        source_seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        rank INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX outbox_events_rank ON outbox_events (rank, seq);
      CREATE TABLE outbox_pending (
        forwarder TEXT NOT NULL,
        rank INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (forwarder, rank, seq)
      ) WITHOUT ROWID;
      CREATE INDEX outbox_pending_seq ON outbox_pending (seq);
      CREATE TABLE outbox_sources (source TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE outbox_dead_letters (
        forwarder TEXT NOT NULL,
        seq INTEGER NOT NULL,
        id TEXT NOT NULL,
        type TEXT NOT NULL,
        source TEXT NOT NULL,
        rank INTEGER NOT NULL,
        source_seq INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        body TEXT NOT NULL,
        reason TEXT NOT NULL,
        failed_at INTEGER NOT NULL,
        PRIMARY KEY (forwarder, seq)
      );
    `,
  },
];
