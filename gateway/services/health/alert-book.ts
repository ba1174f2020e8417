import type { Bus } from '../../bus/bus.ts';
import type { Clock } from '../../clock.ts';
import { Errors } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { Db } from '../../store/db.ts';
import type { UnitOfWork, Work } from '../../store/unit-of-work.ts';
import type { AlertChanged, AlertData } from './events.ts';
import { groupId } from './groups.ts';
import { type Actor, audit, type MuteStore } from './mute-store.ts';
import { activeMute, type Mute, muteMatches, type Where } from './mutes.ts';
import './events.ts';

export interface Alert extends AlertData, Where {
  id: number;
  source: string;
  details: Record<string, unknown> | null;
  raisedAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  ackedAt: number | null;
  /** `staff:<login>` or `token:<name>` */
  ackedBy: string | null;
  ackedName: string | null;
  ackNote: string | null;
  /** the mute that covered it when it was raised */
  muteId: number | null;
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
  kind: string | null;
  zone: string | null;
  acked_at: number | null;
  acked_by: string | null;
  acked_name: string | null;
  ack_note: string | null;
  mute_id: number | null;
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
  kind: r.kind ?? 'gateway',
  zone: r.zone,
  ackedAt: r.acked_at,
  ackedBy: r.acked_by,
  ackedName: r.acked_name,
  ackNote: r.ack_note,
  muteId: r.mute_id,
});

export const ALERT_COLUMNS =
  'id, key, severity, message, device_id, source, details, raised_at, updated_at, resolved_at, kind, zone, acked_at, acked_by, acked_name, ack_note, mute_id';
export const readAlert = toAlert;

/** another capability's alert about a device the registry does not know: its kind is in the event source */
const fromSource = (source?: string): Where => {
  const kind = source?.split('/')[2];
  return { kind: kind && kind !== 'gateway' ? kind : 'gateway', zone: null };
};

/**
 * The open alerts, deduplicated by key. The in-memory map decides synchronously (so two raises of one key in
 * the same tick are one alert); writes are serialised, and the bus event goes out after the row is stored.
 * Alerts raised by other capabilities are recorded with `own: false` and not emitted again (when a mute covers
 * one, an `alert.muted` follows it to the cloud). Every change also goes out locally as `health.alert.changed`.
 */
export function createAlertBook(deps: {
  db: Db;
  bus: Bus;
  work: UnitOfWork;
  clock: Clock;
  log: Logger;
  source: string;
  mutes: MuteStore;
  /** where a device is (kind and zone), for alerts that do not say */
  locate?: (deviceId: string) => Where | undefined;
}) {
  const { db, bus, clock, log, work, mutes } = deps;
  const open = new Map<string, Alert>();
  /** every write is a unit of work: the row, its event for the cloud, and the bus event after COMMIT */
  const write = <T>(fn: (w: Work) => Promise<T>): Promise<T> =>
    work.run(fn).catch((err) => {
      log.error({ err }, 'alert write failed');
      throw err;
    });
  const payload = (a: Alert): AlertData => ({
    key: a.key,
    severity: a.severity,
    message: a.message,
    deviceId: a.deviceId,
    ...(a.muteId !== null ? { muted: true } : {}),
  });
  const view = (a: Alert): AlertChanged['alert'] => ({
    id: a.id,
    key: a.key,
    severity: a.severity,
    message: a.message,
    deviceId: a.deviceId,
    source: a.source,
    kind: a.kind,
    zone: a.zone,
    group: groupId(a),
    raisedAt: a.raisedAt,
    resolvedAt: a.resolvedAt,
    ackedAt: a.ackedAt,
    ackedBy: a.ackedBy,
    ackedName: a.ackedName,
    ackNote: a.ackNote,
    muteId: a.muteId,
    mutedUntil: a.muteId !== null ? (mutes.get(a.muteId)?.until ?? null) : null,
  });
  const changed = (w: Work, change: AlertChanged['change'], a: Alert) =>
    w.after(() => bus.emit(bus.make('health.alert.changed', deps.source, { change, alert: view(a) }, a.key)));
  /** gateway-level keys have no device; beacons say their zone in the event */
  const where = (a: AlertData, given?: Where, source?: string): Where => given ?? deps.locate?.(a.deviceId) ?? fromSource(source);

  return {
    async load() {
      const rows = await db.all<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM health_alerts WHERE resolved_at IS NULL`);
      for (const r of rows) open.set(r.key, toAlert(r));
    },

    isOpen: (key: string) => open.has(key),
    get: (key: string) => open.get(key),
    byId: (id: number) => [...open.values()].find((a) => a.id === id),
    openAlerts: () => [...open.values()].sort((a, b) => a.raisedAt - b.raisedAt),
    view,

    /** false when an alert with this key is already open (nothing happens then). */
    raise(a: AlertData, opts: { details?: Record<string, unknown>; source?: string; own?: boolean; where?: Where } = {}): Promise<boolean> {
      if (open.has(a.key)) return Promise.resolve(false);
      const now = clock.now();
      const w0 = where(a, opts.where, opts.source);
      const mute = activeMute(mutes.all(), { key: a.key, ...w0 }, now);
      const alert: Alert = {
        key: a.key,
        severity: a.severity,
        message: a.message,
        deviceId: a.deviceId,
        ...w0,
        id: 0,
        source: opts.source ?? deps.source,
        details: opts.details ?? null,
        raisedAt: now,
        updatedAt: now,
        resolvedAt: null,
        ackedAt: null,
        ackedBy: null,
        ackedName: null,
        ackNote: null,
        muteId: mute?.id ?? null,
      };
      open.set(a.key, alert);
      return write(async (w) => {
        const r = await w.tx.run(
          'INSERT INTO health_alerts (key, severity, message, device_id, source, details, raised_at, updated_at, kind, zone, mute_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [
            a.key,
            a.severity,
            a.message,
            a.deviceId,
            alert.source,
            alert.details ? JSON.stringify(alert.details) : null,
            now,
            now,
            alert.kind,
            alert.zone,
            alert.muteId,
          ],
        );
        alert.id = r.lastID;
        if (opts.own !== false) w.emit(bus.make('alert.raised', deps.source, payload(alert), a.key));
        else if (mute)
          w.emit(
            bus.make(
              'alert.muted',
              deps.source,
              { alertId: alert.id, key: a.key, severity: a.severity, deviceId: a.deviceId, muteId: mute.id, until: new Date(mute.until).toISOString() },
              a.key,
            ),
          );
        changed(w, 'raised', alert);
        w.after(() => log.info({ key: a.key, deviceId: a.deviceId, severity: a.severity, muted: mute !== undefined }, 'alert raised'));
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
        changed(w, 'updated', a);
        return true;
      });
    },

    /**
     * Someone has seen it and is on it: the alert stays open (and visible, marked acknowledged) until its cause
     * clears. One acknowledgement per alert; a re-raise after it resolved is a new alert that needs its own.
     */
    acknowledge(id: number, who: Actor, note: string | null): Promise<Alert> {
      const a = [...open.values()].find((x) => x.id === id);
      if (!a) return Promise.reject(new Errors.notFound(`open alert ${id}`));
      if (a.ackedAt !== null) return Promise.reject(new Errors.conflict(`alert ${id} was already acknowledged by ${a.ackedName}`));
      const now = clock.now();
      Object.assign(a, { ackedAt: now, ackedBy: who.actor, ackedName: who.name, ackNote: note, updatedAt: now });
      return write(async (w) => {
        await w.tx.run('UPDATE health_alerts SET acked_at = ?, acked_by = ?, acked_name = ?, ack_note = ?, updated_at = ? WHERE id = ?', [
          now,
          who.actor,
          who.name,
          note,
          now,
          id,
        ]);
        await audit(w.tx, now, who, 'ack', `alert ${a.key} (#${id})`, note);
        w.emit(
          bus.make(
            'alert.acknowledged',
            deps.source,
            { alertId: id, key: a.key, severity: a.severity, deviceId: a.deviceId, by: who.actor, byName: who.name, note },
            a.key,
          ),
        );
        changed(w, 'acknowledged', a);
        w.after(() => log.info({ key: a.key, by: who.actor }, 'alert acknowledged'));
        return a;
      }).catch((err) => {
        Object.assign(a, { ackedAt: null, ackedBy: null, ackedName: null, ackNote: null });
        throw err;
      });
    },

    /** A new mute also quiets the open alerts it covers (in the mute's own unit of work). */
    async quiet(w: Work, mute: Mute): Promise<void> {
      const now = clock.now();
      const hit = [...open.values()].filter((a) => a.muteId === null && muteMatches(mute, a, now));
      for (const a of hit) await w.tx.run('UPDATE health_alerts SET mute_id = ? WHERE id = ?', [mute.id, a.id]);
      w.after(() => {
        for (const a of hit) a.muteId = mute.id;
      });
      for (const a of hit) changed(w, 'updated', a);
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
        changed(w, 'resolved', a);
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
      const before = clock.now() - olderThanMs;
      await write(async (w) => {
        await w.tx.run('DELETE FROM health_alerts WHERE resolved_at IS NOT NULL AND resolved_at < ?', [before]);
        await mutes.purge(w.tx, before);
      });
    },

    settled: () => work.flush(),
  };
}

export type AlertBook = ReturnType<typeof createAlertBook>;
