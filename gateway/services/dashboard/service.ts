import { counter, gauge } from '../../metrics.ts';
import type { GatewayService, ServiceDeps } from '../../service.ts';
import type { DashboardConfig } from './config.ts';
import { wireLive } from './live.ts';
import { deviceLog, histogramMean, metricSum, readAlerts } from './queries.ts';
import { dashboardHttp } from './routes.ts';
import { createSseHub } from '../../http/sse.ts';
import { createZoneOccupancy } from '../../zone-occupancy.ts';
import { createSeries, createStatusCache } from './state.ts';

const SAMPLE_MS = 10_000;
const PING_MS = 15_000;

/**
 * The store IT dashboard: the page at `/`, an overview API and a live SSE stream fed from the bus. It only
 * reads: the device registry, the stored device events, the health service's alert table, and metrics.
 * Other capabilities' panels (lockers, presence, outbox, model) come from their own APIs, called by the page.
 */
export function createDashboardService(deps: ServiceDeps, config: DashboardConfig & { offlineAfterSeconds: number }): GatewayService {
  const { registry, clock, metrics } = deps;
  const dropped = counter(metrics, 'storegate_dashboard_clients_dropped_total', 'Live dashboard clients dropped for falling behind');
  const clientsGauge = gauge(metrics, 'storegate_dashboard_clients', 'Live dashboard clients connected');
  const hub = createSseHub({ maxClients: config.maxClients, clientBufferBytes: config.clientBufferBytes, replay: 2000 }, { dropped: () => dropped.inc() });
  const status = createStatusCache(deps.db);
  const zones = createZoneOccupancy();
  const series = createSeries(360);
  const timers: { cancel(): void }[] = [];
  let live: ReturnType<typeof wireLive> | undefined;
  let lastIngest: { at: number; total: number } | undefined;

  async function sample() {
    const total = await metricSum(metrics, 'storegate_ingest_messages_total');
    const now = clock.now();
    const ingestRate = lastIngest && now > lastIngest.at ? ((total - lastIngest.total) * 1000) / (now - lastIngest.at) : 0;
    lastIngest = { at: now, total };
    const s = {
      t: now,
      ingestRate: Math.round(ingestRate * 10) / 10,
      backlog: await metricSum(metrics, 'storegate_outbox_backlog_events'),
      zones: zones.counts(),
    };
    series.push(s);
    hub.publish('sample', s);
    clientsGauge.set(hub.size);
  }

  async function overview() {
    const seq = hub.lastSeq;
    const list = await registry.list();
    await status.seed(list.map((d) => d.id));
    const connected = new Set(deps.link.connectedDeviceIds());
    return {
      storeId: deps.storeId,
      now: clock.now(),
      offlineAfterSeconds: config.offlineAfterSeconds,
      /** the stream position this snapshot corresponds to */
      seq,
      devices: list.map((d) => ({
        id: d.id,
        kind: d.kind,
        zone: d.zone,
        enabled: d.enabled,
        connected: connected.has(d.id),
        lastSeenAt: d.lastSeenAt,
        status: status.get(d.id) ?? null,
      })),
      alerts: await readAlerts(deps.db),
      series: series.list(),
      model: await histogramMean(metrics, 'storegate_recognition_latency_seconds'),
      ingestTotal: await metricSum(metrics, 'storegate_ingest_messages_total'),
    };
  }

  return {
    name: 'dashboard',
    http: dashboardHttp({
      auth: deps.auth,
      api: { overview, deviceLog: (id, limit) => deviceLog(deps.db, id, limit), hub, logLimit: config.logLimit },
    }),
    async start() {
      live = wireLive({ bus: deps.bus, clock, hub, status, zones });
      await sample();
      let sampling = false; // a fake clock advanced by hours fires thousands of ticks at once: one sample at a time
      timers.push(
        clock.setInterval(() => {
          if (sampling) return;
          sampling = true;
          void sample()
            .catch((err) => deps.log.warn({ err }, 'dashboard sample failed'))
            .finally(() => {
              sampling = false;
            });
        }, SAMPLE_MS),
      );
      timers.push(clock.setInterval(() => hub.ping(), PING_MS));
    },
    async stop() {
      for (const t of timers) t.cancel();
      live?.stop();
      hub.close();
    },
  };
}
