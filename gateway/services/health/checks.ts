import type { Registry as Metrics } from '../../metrics.ts';
import type { Db } from '../../store/db.ts';
import type { AlertBook } from './alert-book.ts';
import type { HealthConfig } from './config.ts';
import { GATEWAY_DEVICE } from './events.ts';

export const BUDGET_KEY = 'outbox:budget';
export const BACKLOG_KEY = 'outbox:backlog';
export const beaconKey = (id: string, what: 'missing' | 'battery_low') => `beacon:${id}:${what}`;
const BUDGET_QUIET_MS = 5 * 60_000;

async function metricValues(metrics: Metrics, name: string) {
  const m = metrics.getSingleMetric(name);
  return m ? (await m.get()).values : [];
}

/**
 * Causes owned by other capabilities that only say when a problem starts (or not at all): read-only looks at
 * the outbox's Prometheus gauges and presence's beacon table decide when it has cleared.
 */
export function createGatewayChecks(deps: { db: Db; metrics: Metrics; book: AlertBook; config: HealthConfig; now: () => number }) {
  const { book, config } = deps;
  let budgetDrops = -1;
  let budgetQuietSince = 0;

  async function outbox() {
    const backlog = (await metricValues(deps.metrics, 'storegate_outbox_backlog_events')).reduce((s, v) => s + v.value, 0);
    const limit = config.backlogAlertEvents;
    if (limit > 0 && backlog > limit)
      await book.raise({ key: BACKLOG_KEY, severity: 'warning', message: `cloud outbox backlog ${backlog} events (over ${limit})`, deviceId: GATEWAY_DEVICE });
    else if (backlog < limit * 0.9 || limit === 0) await book.resolve(BACKLOG_KEY);

    for (const v of await metricValues(deps.metrics, 'storegate_outbox_forwarder_down_since_seconds')) {
      const name = String(v.labels.forwarder ?? 'cloud');
      const key = `cloud:${name}:down`;
      const downFor = v.value > 0 ? deps.now() - v.value * 1000 : 0;
      if (config.cloudDownAlertSeconds > 0 && v.value > 0 && downFor >= config.cloudDownAlertSeconds * 1000) {
        const minutes = Math.round(downFor / 60_000);
        await book.raise({ key, severity: 'critical', message: `cloud forwarder ${name} down for ${minutes} min`, deviceId: GATEWAY_DEVICE });
      } else if (v.value === 0) await book.resolve(key);
    }

    if (book.isOpen(BUDGET_KEY)) {
      const drops = (await metricValues(deps.metrics, 'storegate_outbox_dropped_events_total'))
        .filter((v) => v.labels.reason === 'budget')
        .reduce((s, v) => s + v.value, 0);
      if (drops !== budgetDrops) {
        budgetDrops = drops;
        budgetQuietSince = deps.now();
      } else if (deps.now() - budgetQuietSince >= BUDGET_QUIET_MS) await book.resolve(BUDGET_KEY);
    }
  }

  async function beacons() {
    const open = book.openAlerts().filter((a) => a.key.startsWith('beacon:'));
    if (!open.length) return;
    let rows: { id: string; missing: number; battery_low: number; updated_at: string }[];
    try {
      rows = await deps.db.all('SELECT id, missing, battery_low, updated_at FROM ble_beacons');
    } catch {
      return; // presence is not installed
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const a of open) {
      const r = byId.get(a.deviceId);
      // only a row written after the alert can clear it (presence writes behind)
      if (!r || Date.parse(r.updated_at) < a.raisedAt) continue;
      if (a.key === beaconKey(r.id, 'missing') && !r.missing) await book.resolve(a.key);
      if (a.key === beaconKey(r.id, 'battery_low') && !r.battery_low) await book.resolve(a.key);
    }
  }

  return {
    async run() {
      await outbox();
      await beacons();
    },
  };
}
