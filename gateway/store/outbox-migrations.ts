import type { Migration } from './migrate.ts';

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
  {
    // running totals kept by triggers, so the 5-second budget check and gauges never scan a big backlog
    id: 'outbox-002-totals',
    up: `
      CREATE TABLE outbox_totals (rank INTEGER PRIMARY KEY, events INTEGER NOT NULL, bytes INTEGER NOT NULL);
      INSERT INTO outbox_totals (rank, events, bytes)
        SELECT r.rank, COUNT(e.seq), COALESCE(SUM(e.bytes), 0) FROM (SELECT 0 AS rank UNION ALL SELECT 1 UNION ALL SELECT 2) r
        LEFT JOIN outbox_events e ON e.rank = r.rank GROUP BY r.rank;
      CREATE TRIGGER outbox_events_counted_in AFTER INSERT ON outbox_events BEGIN
        UPDATE outbox_totals SET events = events + 1, bytes = bytes + NEW.bytes WHERE rank = NEW.rank;
      END;
      CREATE TRIGGER outbox_events_counted_out AFTER DELETE ON outbox_events BEGIN
        UPDATE outbox_totals SET events = events - 1, bytes = bytes - OLD.bytes WHERE rank = OLD.rank;
      END;
      CREATE TABLE outbox_pending_totals (forwarder TEXT PRIMARY KEY, events INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO outbox_pending_totals (forwarder, events) SELECT forwarder, COUNT(*) FROM outbox_pending GROUP BY forwarder;
      CREATE TRIGGER outbox_pending_counted_in AFTER INSERT ON outbox_pending BEGIN
        INSERT INTO outbox_pending_totals (forwarder, events) VALUES (NEW.forwarder, 1)
          ON CONFLICT(forwarder) DO UPDATE SET events = events + 1;
      END;
      CREATE TRIGGER outbox_pending_counted_out AFTER DELETE ON outbox_pending BEGIN
        UPDATE outbox_pending_totals SET events = events - 1 WHERE forwarder = OLD.forwarder;
      END;
    `,
  },
];
