import type { DomainEvent } from '../../bus/events.ts';
import type { Logger } from '../../log.ts';
import type { Db } from '../../store/db.ts';
import type { Migration } from '../../store/migrate.ts';
import type { SessionData } from './events.ts';
import type { BeaconHealth } from './fleet.ts';
import type { UnitOfWork, Work } from '../../store/unit-of-work.ts';

export const presenceMigrations: Migration[] = [
  {
    id: 'presence-001-tables',
    up: `
      CREATE TABLE presence_events (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        shopper_id TEXT,
        zone TEXT,
        time TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX presence_events_time ON presence_events(time);
      CREATE INDEX presence_events_shopper ON presence_events(shopper_id, time);
      CREATE TABLE shopper_sessions (
        id TEXT PRIMARY KEY,
        shopper_id TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        visits TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX shopper_sessions_started ON shopper_sessions(started_at);
      CREATE TABLE ble_beacons (
        id TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        zone TEXT,
        last_seen_at TEXT,
        battery_mv INTEGER,
        temperature_c REAL,
        missing INTEGER NOT NULL DEFAULT 0,
        battery_low INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL
      );`,
  },
];

type Op =
  | { kind: 'event'; event: DomainEvent }
  | { kind: 'session'; s: SessionData; status: 'open' | 'closed'; at: string }
  | { kind: 'beacons'; list: BeaconHealth[]; at: string };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

async function write(w: Work, op: Op) {
  const { tx } = w;
  if (op.kind === 'event') {
    const d = op.event.data as { shopperId?: string; zone?: string; to?: string };
    await tx.run('INSERT OR IGNORE INTO presence_events (id, type, shopper_id, zone, time, data) VALUES (?,?,?,?,?,?)', [
      op.event.id,
      op.event.type,
      d.shopperId ?? null,
      d.zone ?? d.to ?? null,
      op.event.time,
      JSON.stringify(op.event.data),
    ]);
    // on the bus after COMMIT; sessions (and whatever else cloud.routes asks for) into the outbox with their rows
    w.emit(op.event);
  } else if (op.kind === 'session') {
    await tx.run(
      `INSERT INTO shopper_sessions (id, shopper_id, status, started_at, ended_at, visits, updated_at) VALUES (?,?,?,?,?,?,?)
       ON CONFLICT(id) DO UPDATE SET status = excluded.status, ended_at = excluded.ended_at, visits = excluded.visits, updated_at = excluded.updated_at`,
      [op.s.sessionId, op.s.shopperId, op.status, op.s.startedAt, op.s.endedAt, JSON.stringify(op.s.visits), op.at],
    );
  } else {
    for (const b of op.list) {
      await tx.run(
        `INSERT INTO ble_beacons (id, role, zone, last_seen_at, battery_mv, temperature_c, missing, battery_low, updated_at) VALUES (?,?,?,?,?,?,?,?,?)
         ON CONFLICT(id) DO UPDATE SET role = excluded.role, zone = excluded.zone, last_seen_at = excluded.last_seen_at,
           battery_mv = excluded.battery_mv, temperature_c = excluded.temperature_c, missing = excluded.missing,
           battery_low = excluded.battery_low, updated_at = excluded.updated_at`,
        [b.id, b.role, b.zone, iso(b.lastSeenAt), b.batteryMv, b.temperatureC, b.missing ? 1 : 0, b.batteryLow ? 1 : 0, op.at],
      );
    }
  }
}

/**
 * Presence's rows. What the engine decides in one turn of the event loop (a burst of advertisements can move
 * several shoppers) is written as one unit of work; its events go on the bus after that COMMIT.
 */
export function createPresenceStore(deps: { db: Db; work: UnitOfWork; log: Logger }) {
  const { db } = deps;
  let pending: Op[] = [];

  function commit() {
    const ops = pending;
    pending = [];
    if (!ops.length) return;
    deps.work
      .run(async (w) => {
        for (const op of ops) await write(w, op);
      })
      .catch((err) => deps.log.error({ err, ops: ops.length }, 'presence write failed'));
  }

  return {
    push(op: Op) {
      if (pending.push(op) === 1) queueMicrotask(commit);
    },
    /**
     * Drop the not yet queued writes about one shopper (being erased). Units already queued run before the
     * erase's own unit of work (units run in order), so the erase removes what they wrote.
     */
    forget(shopperId: string): number {
      const before = pending.length;
      pending = pending.filter((op) =>
        op.kind === 'event' ? (op.event.data as { shopperId?: string }).shopperId !== shopperId : op.kind !== 'session' || op.s.shopperId !== shopperId,
      );
      return before - pending.length;
    },
    async flush() {
      commit();
      await deps.work.flush();
    },
    /** Sessions left open by a previous run end where they were last updated. */
    async closeInterrupted() {
      await db.run("UPDATE shopper_sessions SET status = 'closed', ended_at = COALESCE(ended_at, updated_at) WHERE status = 'open'");
    },
    /** Retention: presence events and closed sessions older than the cut-offs go. */
    async purge(eventsBefore: string, sessionsBefore: string) {
      const e = await db.run('DELETE FROM presence_events WHERE time < ?', [eventsBefore]);
      const s = await db.run("DELETE FROM shopper_sessions WHERE status = 'closed' AND started_at < ?", [sessionsBefore]);
      return { events: e.changes, sessions: s.changes };
    },
    async lastSeen(): Promise<Map<string, { lastSeenAt: number | null; batteryMv: number | null }>> {
      const rows = await db.all<{ id: string; last_seen_at: string | null; battery_mv: number | null }>('SELECT id, last_seen_at, battery_mv FROM ble_beacons');
      return new Map(rows.map((r) => [r.id, { lastSeenAt: r.last_seen_at ? Date.parse(r.last_seen_at) : null, batteryMv: r.battery_mv }]));
    },
    async sessions(q: { status?: 'open' | 'closed'; limit: number }) {
      const rows = await db.all<{ id: string; shopper_id: string; status: string; started_at: string; ended_at: string | null; visits: string }>(
        `SELECT id, shopper_id, status, started_at, ended_at, visits FROM shopper_sessions ${q.status ? 'WHERE status = ?' : ''} ORDER BY started_at DESC LIMIT ?`,
        q.status ? [q.status, q.limit] : [q.limit],
      );
      return rows.map((r) => ({
        sessionId: r.id,
        shopperId: r.shopper_id,
        status: r.status,
        startedAt: r.started_at,
        endedAt: r.ended_at,
        visits: JSON.parse(r.visits) as SessionData['visits'],
      }));
    },
  };
}

export type PresenceStore = ReturnType<typeof createPresenceStore>;
