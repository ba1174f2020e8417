import type { Bus } from '../../bus/bus.ts';
import type { DomainEvent } from '../../bus/events.ts';
import type { Clock } from '../../clock.ts';
import type { Logger } from '../../log.ts';
import type { Db } from '../../store/db.ts';
import type { AlertData } from './events.ts';
import './events.ts';

export interface Alert extends AlertData {
  id: number;
  source: string;
  details: Record<string, unknown> | null;
  raisedAt: number;
  updatedAt: number;
  resolvedAt: number | null;
}

interface AlertRow {
  id: number;
  key: string;
  severity: AlertData['severity'];
  message: string;
  device_id: string;
  source: string;
  details: string | null;
  raised_at: number;
  updated_at: number;
  resolved_at: number | null;
}

const toAlert = (r: AlertRow): Alert => ({
  id: r.id,
  key: r.key,
  severity: r.severity,
  message: r.message,
  deviceId: r.device_id,
  source: r.source,
  details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
  raisedAt: r.raised_at,
  updatedAt: r.updated_at,
  resolvedAt: r.resolved_at,
});

export const ALERT_COLUMNS = 'id, key, severity, message, device_id, source, details, raised_at, updated_at, resolved_at';
export const readAlert = toAlert;

/**
 * The open alerts, deduplicated by key. The in-memory map decides synchronously (so two raises of one key in
 * the same tick are one alert); writes are serialised, and the bus event goes out after the row is stored.
 * Alerts raised by other capabilities are recorded with `own: false` and not emitted again.
 */
export function createAlertBook(deps: {
  db: Db;
  bus: Bus;
  clock: Clock;
  log: Logger;
  source: string;
  /** the cloud outbox (ServiceDeps.outbox): our alert events are enqueued in the same transaction as their row */
  outbox?: { enqueue(tx: Db, events: DomainEvent[]): Promise<unknown> } | undefined;
}) {
  const { db, bus, clock, log } = deps;
  const open = new Map<string, Alert>();
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn);
    chain = p.catch((err) => log.error({ err }, 'alert write failed'));
    return p;
  };
  const payload = (a: Alert): AlertData => ({ key: a.key, severity: a.severity, message: a.message, deviceId: a.deviceId });

  return {
    async load() {
      const rows = await db.all<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM health_alerts WHERE resolved_at IS NULL`);
      for (const r of rows) open.set(r.key, toAlert(r));
    },

    isOpen: (key: string) => open.has(key),
    get: (key: string) => open.get(key),
    openAlerts: () => [...open.values()].sort((a, b) => a.raisedAt - b.raisedAt),

    /** false when an alert with this key is already open (nothing happens then). */
    raise(a: AlertData, opts: { details?: Record<string, unknown>; source?: string; own?: boolean } = {}): Promise<boolean> {
      if (open.has(a.key)) return Promise.resolve(false);
      const now = clock.now();
      const alert: Alert = { ...a, id: 0, source: opts.source ?? deps.source, details: opts.details ?? null, raisedAt: now, updatedAt: now, resolvedAt: null };
      open.set(a.key, alert);
      return serial(async () => {
        const event = opts.own !== false ? bus.make('alert.raised', deps.source, payload(alert), a.key) : null;
        await db.transaction(async (tx) => {
          const r = await tx.run(
            'INSERT INTO health_alerts (key, severity, message, device_id, source, details, raised_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
            [a.key, a.severity, a.message, a.deviceId, alert.source, alert.details ? JSON.stringify(alert.details) : null, now, now],
          );
          alert.id = r.lastID;
          if (event) await deps.outbox?.enqueue(tx, [event]);
        });
        log.info({ key: a.key, deviceId: a.deviceId, severity: a.severity }, 'alert raised');
        if (event) bus.emit(event);
        return true;
      });
    },

    /** Changes what an open alert says (e.g. how many devices a store-wide alert covers) without a new event. */
    update(key: string, message: string, details?: Record<string, unknown>): Promise<boolean> {
      const a = open.get(key);
      if (!a || (a.message === message && details === undefined)) return Promise.resolve(false);
      a.message = message;
      if (details) a.details = details;
      a.updatedAt = clock.now();
      return serial(async () => {
        await db.run('UPDATE health_alerts SET message = ?, details = ?, updated_at = ? WHERE key = ? AND resolved_at IS NULL', [
          a.message,
          a.details ? JSON.stringify(a.details) : null,
          a.updatedAt,
          key,
        ]);
        return true;
      });
    },

    resolve(key: string, opts: { own?: boolean } = {}): Promise<boolean> {
      const a = open.get(key);
      if (!a) return Promise.resolve(false);
      open.delete(key);
      const now = clock.now();
      a.resolvedAt = now;
      return serial(async () => {
        const event = opts.own !== false ? bus.make('alert.resolved', deps.source, payload(a), key) : null;
        await db.transaction(async (tx) => {
          await tx.run('UPDATE health_alerts SET resolved_at = ?, updated_at = ? WHERE key = ? AND resolved_at IS NULL', [now, now, key]);
          if (event) await deps.outbox?.enqueue(tx, [event]);
        });
        log.info({ key, deviceId: a.deviceId }, 'alert resolved');
        if (event) bus.emit(event);
        return true;
      });
    },

    /** Open alerts first, then the most recently resolved. */
    async recent(limit: number): Promise<Alert[]> {
      await chain;
      const rows = await db.all<AlertRow>(
        `SELECT ${ALERT_COLUMNS} FROM health_alerts ORDER BY resolved_at IS NOT NULL, COALESCE(resolved_at, raised_at) DESC LIMIT ?`,
        [limit],
      );
      return rows.map(toAlert);
    },

    async purgeResolved(olderThanMs: number) {
      await serial(() => db.run('DELETE FROM health_alerts WHERE resolved_at IS NOT NULL AND resolved_at < ?', [clock.now() - olderThanMs]));
    },

    settled: () => chain.then(() => undefined),
  };
}

export type AlertBook = ReturnType<typeof createAlertBook>;
