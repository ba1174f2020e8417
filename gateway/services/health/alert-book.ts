import type { Bus } from '../../bus/bus.ts';
import type { Clock } from '../../clock.ts';
import type { Logger } from '../../log.ts';
import type { Db } from '../../store/db.ts';
import type { UnitOfWork, Work } from '../../store/unit-of-work.ts';
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
export function createAlertBook(deps: { db: Db; bus: Bus; work: UnitOfWork; clock: Clock; log: Logger; source: string }) {
  const { db, bus, clock, log, work } = deps;
  const open = new Map<string, Alert>();
  /** every write is a unit of work: the row, its event for the cloud, and the bus event after COMMIT */
  const write = <T>(fn: (w: Work) => Promise<T>): Promise<T> =>
    work.run(fn).catch((err) => {
      log.error({ err }, 'alert write failed');
      throw err;
    });
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
      return write(async (w) => {
        const r = await w.tx.run(
          'INSERT INTO health_alerts (key, severity, message, device_id, source, details, raised_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          [a.key, a.severity, a.message, a.deviceId, alert.source, alert.details ? JSON.stringify(alert.details) : null, now, now],
        );
        alert.id = r.lastID;
        if (opts.own !== false) w.emit(bus.make('alert.raised', deps.source, payload(alert), a.key));
        w.after(() => log.info({ key: a.key, deviceId: a.deviceId, severity: a.severity }, 'alert raised'));
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
      return write(async (w) => {
        await w.tx.run('UPDATE health_alerts SET message = ?, details = ?, updated_at = ? WHERE key = ? AND resolved_at IS NULL', [
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
      return write(async (w) => {
        await w.tx.run('UPDATE health_alerts SET resolved_at = ?, updated_at = ? WHERE key = ? AND resolved_at IS NULL', [now, now, key]);
        if (opts.own !== false) w.emit(bus.make('alert.resolved', deps.source, payload(a), key));
        w.after(() => log.info({ key, deviceId: a.deviceId }, 'alert resolved'));
        return true;
      });
    },

    /** Open alerts first, then the most recently resolved. */
    async recent(limit: number): Promise<Alert[]> {
      await work.flush();
      const rows = await db.all<AlertRow>(
        `SELECT ${ALERT_COLUMNS} FROM health_alerts ORDER BY resolved_at IS NOT NULL, COALESCE(resolved_at, raised_at) DESC LIMIT ?`,
        [limit],
      );
      return rows.map(toAlert);
    },

    async purgeResolved(olderThanMs: number) {
      await write((w) => w.tx.run('DELETE FROM health_alerts WHERE resolved_at IS NOT NULL AND resolved_at < ?', [clock.now() - olderThanMs]));
    },

    settled: () => work.flush(),
  };
}

export type AlertBook = ReturnType<typeof createAlertBook>;
