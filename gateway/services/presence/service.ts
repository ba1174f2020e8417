import { randomUUID } from 'node:crypto';
import { decodeAdvertisement, powerAt1m } from '../../../devices/ble/decode.ts';
import { createNobleSource, loadNoble, type NobleLike } from '../../../devices/ble/noble-adapter.ts';
import type { HeardAdvertisement } from '../../../devices/ble/scanner-messages.ts';
import type { Beacon, IBeacon } from '../../../devices/ble/types.ts';
import { gatewaySource } from '../../../devices/topics.ts';
import type { EventMap, EventType } from '../../bus/events.ts';
import { createThrottledWarn } from '../../ingest/throttle.ts';
import { followConfig, onConfigPatched } from '../../config/live.ts';
import { counter, gauge } from '../../metrics.ts';
import type { GatewayService, ServiceDeps } from '../../service.ts';
import { type AdvertisementSource, omgTopicMapper, presenceChannels, SCANNER_KIND } from './channels.ts';
import type { PresenceConfig } from './config.ts';
import { createPresenceEngine, type PresenceChange } from './engine.ts';
import type { BeaconAlert, SessionData } from './events.ts';
import { createFleet, type FleetAlert } from './fleet.ts';
import { createIdentifier } from './identify.ts';
import { presenceRoutes } from './routes.ts';
import { createSessionTracker, type ShopperSession } from './sessions.ts';
import { createPresenceStore, presenceMigrations } from './store.ts';

const TICK_MS = 1000;
const BEACON_FLUSH_MS = 30_000;
const PURGE_MS = 3_600_000;
const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

export interface PresenceServiceOptions {
  /** tests hand in a fake noble (an EventEmitter) instead of loading the real one */
  loadNoble?: () => Promise<{ ok: true; noble: NobleLike } | { ok: false; reason: string }>;
  /** from the gateway's `retention` section */
  retention?: { presenceDays: number; sessionsDays: number };
  /** shopper pseudonyms with a rotating key (privacy's pseudonymiser); see identify.ts */
  pseudonymise?: (b: Beacon, appId: string) => string;
}

/**
 * BLE presence: advertisements from remote scanners (raw and OpenMQTTGateway over MQTT) and the local adapter
 * become zone presence, shopper sessions and beacon fleet health; events go on the bus and into SQLite.
 */
export function createPresenceService(deps: ServiceDeps, cfg: PresenceConfig, opts: PresenceServiceOptions = {}) {
  const { bus, clock, metrics } = deps;
  const log = deps.log.child({ module: 'presence' });
  const warn = createThrottledWarn(log, clock);
  const source = gatewaySource(deps.storeId, 'presence');
  // retention.presenceDays / sessionsDays follow signed config patches (the purge reads them each time)
  const retention = opts.retention ? followConfig(bus, 'presence', 'retention', opts.retention, ['presenceDays', 'sessionsDays']) : undefined;

  // zones follow signed config patches (`presence.zones`): the engine and the scanner check read this map at use
  // time, so a scanner moved to another zone places the next shopper it hears there; a shopper in a zone that is
  // gone moves to the zone their scanners are in now, or exits after absenceTimeoutSeconds
  let zones = cfg.zones;
  const zoneOfScanner = new Map<string, string>();
  const setZones = (next: PresenceConfig['zones']) => {
    zones = next;
    zoneOfScanner.clear();
    for (const z of next) for (const s of z.scanners) zoneOfScanner.set(s, z.name);
  };
  setZones(cfg.zones);
  const engine = createPresenceEngine({
    zoneOfScanner,
    alpha: cfg.smoothingAlpha,
    outlierDb: cfg.outlierDb,
    switchMarginDb: cfg.switchMarginDb,
    switchMinMs: cfg.switchMinSeconds * 1000,
    scannerStaleMs: cfg.scannerStaleSeconds * 1000,
    absenceMs: cfg.absenceTimeoutSeconds * 1000,
    dwellIntervalMs: cfg.dwellIntervalSeconds * 1000,
    pathLossExponent: cfg.pathLossExponent,
    enterSettleMs: 3000,
  });
  const sessions = createSessionTracker({ graceMs: cfg.sessionGraceSeconds * 1000, newId: randomUUID });
  const fleet = createFleet({
    beacons: cfg.beacons.map((b) => ({ id: b.id, role: b.role, zone: b.zone ?? null })),
    missingMs: cfg.beaconMissingSeconds * 1000,
    batteryLowMv: cfg.batteryLowMv,
    startedAt: clock.now(),
  });
  const identifier = createIdentifier(cfg, deps.storeId, opts.pseudonymise);
  const store = createPresenceStore({ db: deps.db, work: deps.work, log });
  // TLM frames carry no id: they are tied to a fixed beacon by the address its identifying frames came from
  const fixedByAddress = new Map<string, string>(cfg.beacons.filter((b) => b.address).map((b) => [(b.address as string).toUpperCase(), b.id]));

  const advs = counter(metrics, 'storegate_presence_advertisements_total', 'BLE advertisements accepted', ['source']);
  const rejected = counter(metrics, 'storegate_presence_rejected_total', 'BLE advertisements rejected', ['reason']);
  const ignored = counter(metrics, 'storegate_presence_ignored_total', 'Advertisements that are not a beacon the store knows', ['reason']);
  const events = counter(metrics, 'storegate_presence_events_total', 'Presence, session and beacon events emitted', ['type']);
  const present = gauge(metrics, 'storegate_presence_shoppers_present', 'Shoppers currently present');
  const occupancy = gauge(metrics, 'storegate_presence_zone_shoppers', 'Shoppers per zone', ['zone']);
  const openSessions = gauge(metrics, 'storegate_presence_sessions_open', 'Open shopper sessions');
  const battery = gauge(metrics, 'storegate_presence_beacon_battery_millivolts', 'Fixed beacon battery from Eddystone-TLM', ['beacon']);
  const age = gauge(metrics, 'storegate_presence_beacon_last_seen_age_seconds', 'Seconds since a fixed beacon was last heard', ['beacon']);
  const missing = gauge(metrics, 'storegate_presence_beacons_missing', 'Fixed beacons currently missing');
  const adapterUp = gauge(metrics, 'storegate_presence_local_adapter_up', '1 when the local BLE adapter is scanning');
  const restarts = counter(metrics, 'storegate_presence_scan_restarts_total', 'Local scans restarted by the watchdog');

  /** recorded, then on the bus after COMMIT (presence/store.ts) */
  function emit<T extends EventType>(type: T, data: EventMap[T], subject?: string) {
    events.inc({ type });
    store.push({ kind: 'event', event: bus.make(type, source, data, subject) });
  }

  const sessionData = (s: ShopperSession): SessionData => ({
    sessionId: s.id,
    shopperId: s.shopperId,
    startedAt: iso(s.startedAt),
    endedAt: s.endedAt === null ? null : iso(s.endedAt),
    durationMs: s.endedAt === null ? null : s.endedAt - s.startedAt,
    visits: s.visits.map((v) => ({
      zone: v.zone,
      enteredAt: iso(v.enteredAt),
      exitedAt: v.exitedAt === null ? null : iso(v.exitedAt),
      dwellMs: v.exitedAt === null ? null : v.exitedAt - v.enteredAt,
    })),
  });

  function onChanges(changes: PresenceChange[]) {
    for (const c of changes) {
      if (c.type === 'entered')
        emit('presence.entered', { shopperId: c.subject, zone: c.zone, enteredAt: iso(c.at), rssi: c.rssi, distanceM: c.distanceM }, c.subject);
      else if (c.type === 'moved')
        emit('presence.moved', { shopperId: c.subject, from: c.from, to: c.to, dwellMs: c.dwellMs, rssi: c.rssi, distanceM: c.distanceM }, c.subject);
      else if (c.type === 'dwell') emit('presence.dwell', { shopperId: c.subject, zone: c.zone, dwellMs: c.dwellMs }, c.subject);
      else emit('presence.exited', { shopperId: c.subject, zone: c.zone, lastSeenAt: iso(c.lastSeenAt), dwellMs: c.dwellMs }, c.subject);
      for (const sc of sessions.apply(c)) onSession(sc.type, sc.session);
    }
  }

  function onSession(type: 'opened' | 'updated' | 'closed', s: ShopperSession) {
    const data = sessionData(s);
    store.push({ kind: 'session', s: data, status: type === 'closed' ? 'closed' : 'open', at: iso(clock.now()) });
    if (type === 'opened') emit('presence.session.opened', data, s.shopperId);
    if (type === 'closed') emit('presence.session.closed', data, s.shopperId);
  }

  function onAlerts(alerts: FleetAlert[]) {
    for (const a of alerts) {
      const b = a.beacon;
      const data: BeaconAlert = {
        beaconId: b.id,
        role: b.role,
        zone: b.zone,
        lastSeenAt: b.lastSeenAt === null ? null : iso(b.lastSeenAt),
        batteryMv: b.batteryMv,
      };
      if (a.type === 'missing') emit('beacon.missing', data, b.id);
      else if (a.type === 'battery_low') emit('beacon.battery_low', data, b.id);
      else log.info({ beaconId: b.id }, 'beacon heard again');
    }
    if (alerts.length) store.push({ kind: 'beacons', list: fleet.list().map((b) => ({ ...b })), at: iso(clock.now()) });
  }

  /** The one path every advertisement takes, whichever source it came from. Returns a rejection reason or null. */
  function onAdvertisement(scannerId: string, adv: HeardAdvertisement, from: AdvertisementSource, decoded?: IBeacon): string | null {
    if (!zoneOfScanner.has(scannerId)) {
      warn(`${scannerId}:unknown_scanner`, { scannerId }, 'advertisement from a scanner in no zone');
      return 'unknown_scanner';
    }
    advs.inc({ source: from });
    let beacon: Beacon;
    if (decoded) beacon = decoded;
    else {
      const r = decodeAdvertisement(adv);
      if (!r.ok) {
        ignored.inc({ reason: 'not_a_beacon' });
        return null;
      }
      beacon = r.value;
    }
    const now = clock.now();
    if (beacon.kind === 'eddystone-tlm') {
      const id = adv.address ? fixedByAddress.get(adv.address.toUpperCase()) : undefined;
      if (id) onAlerts(fleet.telemetry(id, beacon, now));
      else ignored.inc({ reason: 'tlm_unknown_beacon' });
      return null;
    }
    const who = identifier.identify(beacon);
    if (!who) {
      ignored.inc({ reason: 'unknown_beacon' });
      return null;
    }
    if (who.role === 'fixed') {
      if (adv.address && fixedByAddress.size < 10_000) fixedByAddress.set(adv.address.toUpperCase(), who.beaconId);
      onAlerts(fleet.seen(who.beaconId, now));
      return null;
    }
    onChanges(engine.observe({ subject: who.shopperId, scannerId, rssi: adv.rssi, powerAt1m: powerAt1m(beacon), at: now }));
    return null;
  }

  function tick() {
    const now = clock.now();
    onChanges(engine.tick(now));
    for (const sc of sessions.tick(now)) onSession(sc.type, sc.session);
    onAlerts(fleet.tick(now));
    present.set(engine.size);
    occupancy.reset();
    for (const s of engine.subjects().values()) if (s.zone !== null) occupancy.inc({ zone: s.zone });
    openSessions.set(sessions.open().length);
    let nMissing = 0;
    for (const b of fleet.list()) {
      if (b.missing) nMissing++;
      if (b.batteryMv !== null) battery.set({ beacon: b.id }, b.batteryMv);
      if (b.lastSeenAt !== null) age.set({ beacon: b.id }, Math.round((now - b.lastSeenAt) / 1000));
    }
    missing.set(nMissing);
  }

  const timers: { cancel(): void }[] = [];
  let local: ReturnType<typeof createNobleSource> | null = null;

  async function startLocalAdapter() {
    const loaded = await (opts.loadNoble ?? loadNoble)();
    if (!loaded.ok) {
      adapterUp.set(0);
      log.warn({ reason: loaded.reason }, 'local BLE adapter unavailable; continuing with remote scanners only');
      return;
    }
    const scannerId = cfg.localAdapter.scannerId;
    local = createNobleSource({
      noble: loaded.noble,
      timers: clock,
      watchdogMs: cfg.localAdapter.watchdogSeconds * 1000,
      onAdvertisement: (adv) => {
        const reason = onAdvertisement(scannerId, adv, 'local');
        if (reason) rejected.inc({ reason });
      },
      onEvent: (e) => {
        if (e.type === 'state') {
          adapterUp.set(e.state === 'poweredOn' ? 1 : 0);
          log.info({ state: e.state }, 'local BLE adapter state');
        } else if (e.type === 'scan-restarted') {
          restarts.inc();
          log.warn({ silentMs: e.silentMs }, 'BLE scan silent while powered on: restarted');
        } else log.warn({ message: e.message }, 'BLE scan error');
      },
    });
    local.start();
  }

  const service = {
    name: 'presence',
    migrations: presenceMigrations,
    channels: presenceChannels((scannerId) => zoneOfScanner.has(scannerId)),
    topicMappers: [omgTopicMapper],
    http: presenceRoutes({
      auth: deps.auth,
      zones: () => zones,
      current: () => current(),
      beacons: () => fleet.list(),
      sessions: (q) => store.sessions(q),
      openSessions: () => sessions.open().length,
      restartScan: () => {
        if (!local) return { restarted: false, reason: cfg.localAdapter.enabled ? 'local BLE adapter unavailable' : 'presence.localAdapter.enabled is false' };
        if (!local.restartScan()) return { restarted: false, reason: 'adapter not powered on' };
        restarts.inc();
        log.info('BLE scan restarted by store IT');
        return { restarted: true };
      },
    }),
    async start() {
      bus.on('presence', 'presence.advertisements.heard', (e) => {
        const { scannerId, source: from } = e.data;
        for (const h of e.data.heard) {
          const reason = onAdvertisement(scannerId, h.adv, from, h.decoded);
          if (reason) rejected.inc({ reason });
        }
        for (const reason of e.data.invalid) rejected.inc({ reason });
      });
      onConfigPatched<PresenceConfig['zones']>(bus, 'presence', 'presence.zones', (next) => {
        setZones(next);
        log.info({ zones: next.map((z) => z.name) }, 'zones changed by a signed config patch');
      });
      bus.on('presence', 'device.rejected', (e) => {
        if (e.data.kind !== SCANNER_KIND) return;
        for (const reason of e.data.items) rejected.inc({ reason });
      });
      // a shopper erased while in the store: forget them now, or their open session would be written again later
      bus.on('presence', 'privacy.erase.starting', (e) => {
        const inEngine = engine.forget(e.data.shopperId);
        const inSession = sessions.forget(e.data.shopperId);
        const queued = store.forget(e.data.shopperId);
        // the pseudonym is not logged: a log line outlives the erasure
        if (inEngine || inSession || queued) log.info({ queuedWrites: queued }, 'erased shopper forgotten from current presence');
      });
      await store.closeInterrupted();
      for (const [id, r] of await store.lastSeen()) fleet.restore(id, r);
      store.push({ kind: 'beacons', list: fleet.list().map((b) => ({ ...b })), at: iso(clock.now()) });
      timers.push(clock.setInterval(tick, TICK_MS));
      timers.push(clock.setInterval(() => store.push({ kind: 'beacons', list: fleet.list().map((b) => ({ ...b })), at: iso(clock.now()) }), BEACON_FLUSH_MS));
      if (retention) {
        const r = retention;
        const purge = () =>
          store
            .purge(iso(clock.now() - r.presenceDays * DAY_MS), iso(clock.now() - r.sessionsDays * DAY_MS))
            .then((n) => n.events + n.sessions > 0 && log.info(n, 'presence retention purge'))
            .catch((err) => log.warn({ err }, 'presence retention purge failed'));
        await purge();
        timers.push(clock.setInterval(() => void purge(), PURGE_MS));
      }
      if (cfg.localAdapter.enabled) await startLocalAdapter();
    },
    async stop() {
      for (const t of timers.splice(0)) t.cancel();
      bus.off('presence');
      local?.stop();
      store.push({ kind: 'beacons', list: fleet.list().map((b) => ({ ...b })), at: iso(clock.now()) });
      await store.flush();
    },
    /** Who is where now. */
    current,
    beacons: () => fleet.list(),
    /** Feed an advertisement directly (local sources, benchmarks). */
    onAdvertisement,
    tick,
    flush: () => store.flush(),
  } satisfies GatewayService & Record<string, unknown>;
  return service;

  function current() {
    const out: { shopperId: string; zone: string; since: string; lastSeenAt: string; rssi: number; distanceM: number | null }[] = [];
    for (const [id, s] of engine.subjects()) {
      if (s.zone === null) continue;
      out.push({ shopperId: id, zone: s.zone, since: iso(s.zoneSince), lastSeenAt: iso(s.lastSeen), rssi: s.rssi, distanceM: s.distanceM });
    }
    return out;
  }
}

export type PresenceService = ReturnType<typeof createPresenceService>;
