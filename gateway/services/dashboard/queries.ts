import type { Registry as Metrics } from '../../metrics.ts';
import type { Db } from '../../store/db.ts';

export interface AlertView {
  key: string;
  severity: string;
  message: string;
  deviceId: string;
  source: string;
  raisedAt: number;
  resolvedAt: number | null;
}

/** The health service's table, read-only: open alerts and the latest resolved ones. */
export async function readAlerts(db: Db, resolvedLimit = 20): Promise<{ open: AlertView[]; resolved: AlertView[] }> {
  const cols = 'key, severity, message, device_id AS deviceId, source, raised_at AS raisedAt, resolved_at AS resolvedAt';
  try {
    const open = await db.all<AlertView>(`SELECT ${cols} FROM health_alerts WHERE resolved_at IS NULL ORDER BY raised_at`);
    const resolved = await db.all<AlertView>(`SELECT ${cols} FROM health_alerts WHERE resolved_at IS NOT NULL ORDER BY resolved_at DESC LIMIT ?`, [
      resolvedLimit,
    ]);
    return { open, resolved };
  } catch {
    return { open: [], resolved: [] }; // health not installed
  }
}

export async function deviceLog(db: Db, deviceId: string, limit: number) {
  const rows = await db.all<{ seq: number; id: string; channel: string; type: string; time: string; data: string }>(
    'SELECT seq, id, channel, type, time, data FROM device_events WHERE device_id = ? ORDER BY seq DESC LIMIT ?',
    [deviceId, limit],
  );
  return rows.map((r) => ({ ...r, data: JSON.parse(r.data) as unknown }));
}

export async function metricSum(metrics: Metrics, name: string): Promise<number> {
  const m = metrics.getSingleMetric(name);
  if (!m) return 0;
  return (await m.get()).values.reduce((s, v) => s + v.value, 0);
}

/** mean and count of a histogram (e.g. recognition latency), from its _sum and _count series */
export async function histogramMean(metrics: Metrics, name: string): Promise<{ count: number; meanMs: number | null }> {
  const m = metrics.getSingleMetric(name);
  if (!m) return { count: 0, meanMs: null };
  const values = (await m.get()).values as { metricName?: string; value: number }[];
  const sum = values.filter((v) => v.metricName === `${name}_sum`).reduce((s, v) => s + v.value, 0);
  const count = values.filter((v) => v.metricName === `${name}_count`).reduce((s, v) => s + v.value, 0);
  return { count, meanMs: count ? (sum / count) * 1000 : null };
}
