import type { GatewayService, ServiceDeps } from '../../service.ts';
import { counter, gauge } from '../../metrics.ts';
import { type AlertActions, createAlertActions } from './actions.ts';
import { type AlertBook, createAlertBook } from './alert-book.ts';
import { BUDGET_KEY, beaconKey, createGatewayChecks } from './checks.ts';
import { followConfig, onConfigPatched } from '../../config/live.ts';
import type { HealthConfig } from './config.ts';
import { healthSource } from './events.ts';
import { createLabelBounds } from './groups.ts';
import { createMuteStore } from './mute-store.ts';
import type { Where } from './mutes.ts';
import { alertsHttp } from './http.ts';
import { healthMigrations } from './migrations.ts';
import { createResourceChecks, type DiskProbe, sqliteDiskProbe } from './resource-checks.ts';
import { type AlertAction, createOfflineTracker, offlineKey } from './offline.ts';

const BATTERY_RECOVER_PCT = 5;
const DAY_MS = 86_400_000;

/**
 * Store health: devices offline (heartbeat timeout or MQTT last will, grouped into one store-wide alert when
 * many drop together), low device battery, and the alerts other capabilities raise. Every alert is persisted,
 * deduplicated by key, emitted as `alert.raised` / `alert.resolved`, and resolved when its cause clears.
 */
export function createHealthService(
  deps: ServiceDeps,
  startConfig: HealthConfig,
  opts: { alertsDays: number; disk?: DiskProbe },
): GatewayService & { book: AlertBook; actions: AlertActions; check(): Promise<void> } {
  const { bus, clock, registry } = deps;
  const log = deps.log.child({ module: 'health' });
  const source = healthSource(deps.storeId);
  // where each registered device is (kind, zone): refreshed every check, read synchronously when an alert is raised
  const places = new Map<string, Where>();
  const mutes = createMuteStore({ db: deps.db, clock });
  const book = createAlertBook({ db: deps.db, bus, work: deps.work, clock, log, source, mutes, locate: (id) => places.get(id) });
  const actions = createAlertActions({ book, mutes, work: deps.work, clock, log });
  // every health.* key follows signed config patches: the checks read `config.x` each time they run, the tracker's
  // rules are getters, and the check timer is re-armed when its interval changes (see start())
  const config = followConfig(bus, 'health-config', 'health', startConfig, Object.keys(startConfig) as Array<keyof HealthConfig>);
  const retention = followConfig(bus, 'health-config', 'retention', { alertsDays: opts.alertsDays }, ['alertsDays']);
  const tracker = createOfflineTracker(
    {
      get offlineAfterMs() {
        return config.offlineAfterSeconds * 1000;
      },
      get groupWindowMs() {
        return config.groupWindowSeconds * 1000;
      },
      get groupMinDevices() {
        return config.groupMinDevices;
      },
      get groupPercent() {
        return config.groupPercent;
      },
    },
    clock.now(),
  );
  const checks = createGatewayChecks({ db: deps.db, metrics: deps.metrics, book, config, now: () => clock.now() });
  const resources = createResourceChecks({ metrics: deps.metrics, book, config, now: () => clock.now(), disk: opts.disk ?? sqliteDiskProbe(deps.db) });
  const openGauge = gauge(deps.metrics, 'storegate_health_open_alerts', 'Open alerts', ['severity']);
  const activeGauge = gauge(deps.metrics, 'storegate_health_active_alerts', 'Open alerts by severity, group (device kind, zone) and state', [
    'severity',
    'kind',
    'zone',
    'state',
  ]);
  const bounds = createLabelBounds();
  const raisedTotal = counter(deps.metrics, 'storegate_health_alerts_raised_total', 'Alerts raised (any capability)', ['source']);
  const timers: { cancel(): void }[] = [];
  let checking: Promise<void> | undefined;
  let started = false;
  const owner = 'health';
  const isOwn = (e: { source: string }) => e.source === source;

  const apply = async (actions: AlertAction[]) => {
    for (const a of actions) {
      if (a.do === 'raise') await book.raise(a.alert, a.details ? { details: a.details } : {});
      else if (a.do === 'update') await book.update(a.key, a.message, a.details);
      else await book.resolve(a.key);
    }
  };

  async function check() {
    const all = await registry.list();
    for (const d of all) places.set(d.id, { kind: d.kind, zone: d.zone });
    const devices = all.filter((d) => d.enabled);
    const gone = tracker.observe(devices.map((d) => ({ id: d.id, kind: d.kind, lastSeen: d.lastSeenAt ? Date.parse(d.lastSeenAt) : null })));
    for (const id of gone) {
      tracker.drop(id);
      await book.resolve(offlineKey(id));
      await book.resolve(`device:${id}:battery_low`);
    }
    await apply(tracker.check(clock.now()));
    await checks.run();
    await resources.run();
    const bySeverity = { info: 0, warning: 0, critical: 0 };
    for (const a of book.openAlerts()) bySeverity[a.severity]++;
    for (const [severity, n] of Object.entries(bySeverity)) openGauge.set({ severity }, n);
    mutes.prune();
    activeGauge.reset();
    for (const a of book.openAlerts()) {
      const state = a.muteId !== null ? 'muted' : a.ackedAt !== null ? 'acknowledged' : 'new';
      activeGauge.inc({ severity: a.severity, kind: bounds.kind(a.kind), zone: bounds.zone(a.zone), state });
    }
  }

  /**
   * One check at a time, and at most one queued: a caller always gets a check that started after its call,
   * and a fake clock advanced by a day (other capabilities' tests) costs two checks, not 17 280.
   */
  let queued: Promise<void> | undefined;
  const runCheck = (): Promise<void> => {
    if (!checking) {
      checking = check()
        .catch((err) => log.error({ err }, 'health check failed'))
        .finally(() => {
          checking = undefined;
        });
      return checking;
    }
    queued ??= checking.then(() => {
      queued = undefined;
      return runCheck();
    });
    return queued;
  };

  function subscribe() {
    bus.on(owner, 'device.connected', (e) => tracker.online(e.data.deviceId, e.data.kind, clock.now()));
    bus.on(owner, 'device.status', (e) => {
      const d = e.data;
      if (d.online) tracker.online(d.deviceId, d.kind, clock.now());
      else tracker.will(d.deviceId, d.kind, clock.now());
      if (d.batteryPct === undefined) return;
      const key = `device:${d.deviceId}:battery_low`;
      if (d.batteryPct < config.batteryLowPct)
        void book.raise({ key, severity: 'warning', message: `${d.kind} ${d.deviceId} battery at ${d.batteryPct}%`, deviceId: d.deviceId });
      else if (d.batteryPct >= config.batteryLowPct + BATTERY_RECOVER_PCT) void book.resolve(key);
    });
    // alerts other capabilities raise: recorded (deduplicated by key), not re-emitted
    bus.on(owner, 'alert.raised', (e) => {
      if (isOwn(e)) return void raisedTotal.inc({ source: 'health' });
      raisedTotal.inc({ source: e.source.split('/').slice(2).join('/') });
      void book.raise(e.data, { source: e.source, own: false });
    });
    bus.on(owner, 'alert.resolved', (e) => {
      if (!isOwn(e)) void book.resolve(e.data.key, { own: false });
    });
    bus.on(
      owner,
      'alert.outbox.budget-exceeded',
      (e) => void book.raise({ key: BUDGET_KEY, severity: 'warning', message: e.data.message, deviceId: 'gateway' }, { details: { ...e.data } }),
    );
    bus.on(
      owner,
      'beacon.missing',
      (e) =>
        void book.raise(
          {
            key: beaconKey(e.data.beaconId, 'missing'),
            severity: 'warning',
            message: `beacon ${e.data.beaconId}${e.data.zone ? ` (${e.data.zone})` : ''} not heard since ${e.data.lastSeenAt ?? 'start'}`,
            deviceId: e.data.beaconId,
          },
          { where: { kind: 'beacon', zone: e.data.zone ?? null } },
        ),
    );
    bus.on(
      owner,
      'beacon.battery_low',
      (e) =>
        void book.raise(
          {
            key: beaconKey(e.data.beaconId, 'battery_low'),
            severity: 'warning',
            message: `beacon ${e.data.beaconId} battery low (${e.data.batteryMv ?? '?'} mV)`,
            deviceId: e.data.beaconId,
          },
          { where: { kind: 'beacon', zone: e.data.zone ?? null } },
        ),
    );
  }

  return {
    name: 'health',
    migrations: healthMigrations,
    http: alertsHttp({ auth: deps.auth, book, actions, mutes, check: runCheck }),
    book,
    actions,
    check: runCheck,
    ready: () => started,
    async start() {
      await book.load();
      await mutes.load();
      const list = await registry.list();
      for (const d of list) places.set(d.id, { kind: d.kind, zone: d.zone });
      const kinds = new Map(list.map((d) => [d.id, d.kind]));
      tracker.restore(
        book.openAlerts().map((a) => a.key),
        (id) => kinds.get(id),
      );
      subscribe();
      let every = config.checkIntervalSeconds;
      let checkTimer = clock.setInterval(() => void runCheck(), every * 1000);
      timers.push({ cancel: () => checkTimer.cancel() });
      onConfigPatched<number>(bus, owner, 'health.checkIntervalSeconds', (next) => {
        if (next === every) return;
        every = next;
        checkTimer.cancel();
        checkTimer = clock.setInterval(() => void runCheck(), every * 1000);
      });
      timers.push(clock.setInterval(() => void book.purgeResolved(retention.alertsDays * DAY_MS), DAY_MS));
      started = true;
    },
    async stop() {
      started = false;
      for (const t of timers) t.cancel();
      bus.off(owner);
      bus.off('health-config');
      await queued;
      await checking;
      await book.settled();
    },
  };
}
