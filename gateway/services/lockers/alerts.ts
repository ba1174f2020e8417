import type { Db } from '../../store/db.ts';
import type { Effects } from './context.ts';
import type { AlertData } from './events.ts';

/**
 * Active alerts are rows keyed by problem (`locker:A3:jam`). Raising a key that is already active does
 * nothing, so a door that reports "jammed" fifty times is still one alert; resolving emits once.
 * A health service can persist `alert.raised` / `alert.resolved` from the bus.
 */
export async function raiseAlert(tx: Db, fx: Effects, controllerId: string, a: AlertData, now: number): Promise<boolean> {
  const r = await tx.run('INSERT OR IGNORE INTO locker_alerts (key, severity, message, device_id, raised_at) VALUES (?, ?, ?, ?, ?)', [
    a.key,
    a.severity,
    a.message,
    a.deviceId,
    now,
  ]);
  if (r.changes) fx.emit('alert.raised', controllerId, a);
  return r.changes > 0;
}

export async function resolveAlert(tx: Db, fx: Effects, controllerId: string, key: string): Promise<boolean> {
  const row = await tx.get<AlertData>('SELECT key, severity, message, device_id AS deviceId FROM locker_alerts WHERE key = ?', [key]);
  if (!row) return false;
  await tx.run('DELETE FROM locker_alerts WHERE key = ?', [key]);
  fx.emit('alert.resolved', controllerId, row);
  return true;
}

export const alertKey = {
  jam: (compartmentId: string) => `locker:${compartmentId}:jam`,
  doorOpen: (compartmentId: string) => `locker:${compartmentId}:door_open`,
  occupancy: (compartmentId: string) => `locker:${compartmentId}:occupancy`,
  tamper: (id: string) => `locker:${id}:tamper`,
  powerLoss: (controllerId: string) => `locker-controller:${controllerId}:power_loss`,
  lockout: (controllerId: string) => `locker-controller:${controllerId}:keypad_lockout`,
  spray: (controllerId: string) => `locker-controller:${controllerId}:code_spray`,
  /** the door did not answer an open command twice: someone must look at it */
  check: (compartmentId: string) => `locker:${compartmentId}:check`,
};

export const listAlerts = (db: Db) =>
  db.all<AlertData & { raisedAt: number }>('SELECT key, severity, message, device_id AS deviceId, raised_at AS raisedAt FROM locker_alerts ORDER BY raised_at');
