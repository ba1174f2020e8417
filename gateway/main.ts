import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createDeviceAdmin } from './broker/device-admin.ts';
import { createEmbeddedBroker } from './broker/embedded.ts';
import type { Broker, BrokerPorts } from './broker/link.ts';
import { type Provisioner, registryProvisioner } from './broker/provisioning.ts';
import { provisionSeeded, seedConfigDevices } from './broker/seeded-devices.ts';
import { createBus } from './bus/bus.ts';
import { onConfigPatched } from './config/live.ts';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config/schema.ts';
import { secretValues } from './config/secrets.ts';
import { createAuth } from './http/auth.ts';
import { corePlugin } from './http/core.ts';
import { devicesPlugin } from './http/devices.ts';
import { buildHttp, type HttpPlugin } from './http/server.ts';
import { staffPlugin } from './http/staff.ts';
import { coreChannels } from './ingest/core-channels.ts';
import { createIngest } from './ingest/ingest.ts';
import { catalogMigrations, createLiveCatalog } from './live-catalog.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { createRegistry } from './registry/registry.ts';
import type { GatewayService, ServiceDeps } from './service.ts';
import { SERVICE_FACTORIES } from './services/index.ts';
import { createStaffAccounts } from './staff/accounts.ts';
import { staffMigrations } from './staff/migrations.ts';
import { createStaffSessions } from './staff/sessions.ts';
import { applyPatches, storedPatches } from './services/downlink/config-patch.ts';
import { createOutboxService } from './services/outbox/service.ts';
import { createRecognitionGatewayService, createRecognitionService, slotsResolver } from './services/recognition/index.ts';
import { coreMigrations } from './store/core-migrations.ts';
import { openDb } from './store/db.ts';
import { migrate } from './store/migrate.ts';
import { createOutboxStore } from './store/outbox.ts';
import { readOrCreateSecretFile } from './store/secret-file.ts';
import { createUnitOfWork } from './store/unit-of-work.ts';
import { VERSION } from './version.ts';

export { VERSION };

export interface GatewayOptions {
  log?: Logger;
  clock?: Clock;
}

/** Reads the admin token from config, else from the data dir, else makes one and stores it (0600). */
export function ensureAdminToken(config: Config): { token: string; generated: boolean; file: string } {
  const file = join(resolve(config.dataDir), 'admin-token');
  if (config.http.adminToken) return { token: config.http.adminToken, generated: false, file };
  const { value: token, generated } = readOrCreateSecretFile(file, { bytes: 24 });
  return { token, generated, file };
}

/** Wires the whole process. Nothing listens until start(). */
export async function createGateway(fileConfig: Config, opts: GatewayOptions = {}) {
  const dataDir = resolve(fileConfig.dataDir);
  const db = await openDb(join(dataDir, 'storegate.db'), { synchronous: fileConfig.store.synchronous });
  // the file's config plus the signed patches the cloud sent (the downlink), validated again by the same schema
  const config = applyPatches(fileConfig, await storedPatches(db));
  const clock = opts.clock ?? systemClock;
  // no secret value of the config reaches a log line, whatever key or message it is in
  const log = opts.log ?? createLogger({ level: config.log.level, pretty: config.log.pretty ?? process.stdout.isTTY, secrets: secretValues(config) });
  const metrics = createMetrics();
  const admin = ensureAdminToken(config);
  // staff log in per person; the configured tokens stay for integrations (each scoped by its roles)
  const staffAccounts = createStaffAccounts({ db, clock, lockout: { maxFailures: config.staff.maxFailures, lockMinutes: config.staff.lockMinutes } });
  const staffSessions = createStaffSessions(clock, { idleMinutes: config.staff.sessionIdleMinutes, maxHours: config.staff.sessionMaxHours });
  const auth = createAuth({ admin: admin.token, staff: config.http.staffToken, api: config.http.apiTokens }, { sessions: staffSessions });
  const bus = createBus({ log, metrics, clock });
  const registry = createRegistry({ db, clock });
  // the write path, in the order data flows: ingest → unit of work (store + outbox rows) → bus → capabilities
  const outbox = createOutboxStore({
    routes: config.cloud.routes,
    forwarders: config.cloud.forwarders.map((f) => f.name),
    ttlSeconds: config.cloud.ttlSeconds,
    clock,
  });
  // cloud.routes follow signed config patches (the downlink's config.patched, after COMMIT)
  onConfigPatched<Parameters<typeof outbox.setRoutes>[0]>(bus, 'outbox-routes', 'cloud.routes', (routes) => outbox.setRoutes(routes));
  const work = createUnitOfWork({ db, bus, outbox, log, metrics, maxRows: config.store.batchMaxRows });
  const ingest = createIngest({ storeId: config.storeId, bus, work, registry, log, metrics, clock, maxPayloadBytes: config.mqtt.maxPayloadBytes });
  // the broker is wired now and listens (or connects) at start(): capabilities get their DeviceLink complete
  const services: GatewayService[] = [];
  const mappers = () => services.flatMap((s) => s.topicMappers ?? []);
  let provisioner: Provisioner = registryProvisioner;
  let broker: Broker;
  if (config.mqtt.mode === 'embedded') broker = await createEmbeddedBroker({ config, ingest, registry, bus, log, metrics, clock });
  else {
    // loaded only in external mode: mqtt.js (≈ 20 MB) is not needed on the embedded broker
    const external = (await import('./broker/external.ts')).createExternalBroker({
      config,
      ingest,
      registry,
      bus,
      clock,
      log,
      metrics,
      extraSubscriptions: () => mappers().map((m) => m.subscribe),
      extraDeviceTopics: (d) => mappers().flatMap((m) => m.deviceTopics?.(d) ?? []),
    });
    broker = external;
    provisioner = external.provisioner;
  }
  // device add/revoke for the API and the dashboard: registry, broker provisioning, the live connection
  const devices = createDeviceAdmin({ registry, provisioner, link: () => broker, forget: (id) => ingest.forgetDevice(id) });
  // the models to load come from model ops' persisted slots (a promoted model survives a restart), else the config
  const recognition = createRecognitionService({ log, metrics, config: config.recognition, models: slotsResolver({ db, config: config.recognition, log }) });
  const catalog = createLiveCatalog();
  const deps: ServiceDeps = Object.freeze({
    storeId: config.storeId,
    bus,
    db,
    clock,
    log,
    metrics,
    registry,
    link: broker,
    auth,
    work,
    outbox,
    recognition,
    catalog,
  });
  // the outbox's forwarders first: being first in the list they stop last, after every producer's final events
  services.push(
    createOutboxService(deps, config.cloud),
    createRecognitionGatewayService(deps, config.recognition, recognition, { dataDir }),
    ...SERVICE_FACTORIES.map((make) => make(deps, config)),
  );

  const applied = await migrate(db, [...coreMigrations, ...staffMigrations, ...catalogMigrations, ...services.flatMap((s) => s.migrations ?? [])]);
  if (applied.length) log.info({ applied }, 'migrations applied');
  // the catalog file (seeded by the fitting room) plus what the cloud and the store changed since
  await catalog.restore(db);
  // devices declared in config: the registry now, the broker once it is connected (start)
  const seeded = await seedConfigDevices(registry, config.devices);
  for (const h of coreChannels()) ingest.register(h);
  for (const s of services) for (const h of s.channels ?? []) ingest.register(h);
  for (const s of services) for (const m of s.topicMappers ?? []) ingest.addTopicMapper(m.mapper);

  let dbOpen = true;
  const plugins: HttpPlugin[] = [
    {
      name: 'core',
      plugin: corePlugin({
        metrics,
        checks: () => [
          { name: 'broker', ok: () => broker.isReady() },
          { name: 'store', ok: () => dbOpen },
          ...services.filter((s) => s.ready).map((s) => ({ name: s.name, ok: () => s.ready?.() ?? true })),
        ],
      }),
    },
    { name: 'devices', plugin: devicesPlugin({ registry, admin: devices, link: () => broker, auth, bus }) },
    {
      name: 'staff',
      plugin: staffPlugin({ accounts: staffAccounts, sessions: staffSessions, auth, log, metrics, clock, https: Boolean(config.http.tls) }),
    },
    ...services.filter((s) => s.http).map((s) => ({ name: s.name, plugin: s.http as NonNullable<GatewayService['http']> })),
  ];
  const https = config.http.tls ? { key: readFileSync(config.http.tls.keyFile), cert: readFileSync(config.http.tls.certFile) } : undefined;
  const http = await buildHttp({ log, metrics, auth, plugins, version: VERSION, ...(https ? { https } : {}) });
  const timers: { cancel(): void }[] = [];
  let ports: BrokerPorts & { http: number } = { http: 0, mqtt: 0, ws: 0 };

  return {
    config,
    log,
    db,
    bus,
    ingest,
    registry,
    devices,
    metrics,
    http,
    link: broker,
    work,
    adminToken: admin,
    staff: staffAccounts,
    get ports() {
      return ports;
    },

    async start() {
      ports = { ...ports, ...(await broker.start()) };
      await provisionSeeded(seeded, { provisioner, link: broker, log });
      for (const s of services) await s.start();
      // handoffs between capabilities that a previous run committed but did not finish
      await work.resume();
      await http.listen({ port: config.http.port, host: config.http.host });
      // work the capabilities run alongside the start (the recognition model): /readyz says 503 until it is done
      await Promise.all(services.map((s) => s.started?.()));
      const addr = http.server.address();
      ports = { ...ports, http: typeof addr === 'object' && addr ? addr.port : 0 };
      timers.push(clock.setInterval(() => void registry.flushLastSeen().catch((err) => log.warn({ err }, 'last-seen flush failed')), 10_000));
      timers.push(clock.setInterval(() => void enforceRevocations(), 3_000));
      timers.push(clock.setInterval(() => void endDisabledSessions(), 3_000));
      log.info({ storeId: config.storeId, ports, mode: config.mqtt.mode }, 'storegate started');
    },

    /** Stop accepting, let in-flight work finish, flush the store, close clients. */
    async stop() {
      for (const t of timers) t.cancel();
      await http.close().catch(() => {});
      await broker.close().catch((err) => log.warn({ err }, 'broker close failed'));
      for (const s of [...services].reverse()) await s.stop().catch((err) => log.warn({ err, service: s.name }, 'service stop failed'));
      await work.flush().catch(() => {});
      await registry.flushLastSeen().catch(() => {});
      dbOpen = false;
      await db.close();
      log.info('storegate stopped');
    },
  };

  /** `storegate staff disable` works through the database file: a running gateway ends that person's sessions. */
  async function endDisabledSessions() {
    const gone = await staffAccounts.disabledLogins(staffSessions.logins()).catch(() => []);
    for (const login of gone) {
      staffSessions.endFor(login);
      log.info({ login }, 'staff account disabled: sessions ended');
    }
  }

  /** The CLI revokes through the database file; a running gateway notices and drops the connection. */
  async function enforceRevocations() {
    const connected = broker.connectedDeviceIds();
    if (!connected.length) return;
    const revoked = await db.all<{ id: string }>(`SELECT id FROM devices WHERE enabled = 0 AND id IN (${connected.map(() => '?').join(',')})`, connected);
    for (const r of revoked) {
      ingest.forgetDevice(r.id);
      log.info({ deviceId: r.id }, 'device revoked: disconnecting');
      await broker.disconnectDevice(r.id);
    }
  }
}

export type Gateway = Awaited<ReturnType<typeof createGateway>>;
