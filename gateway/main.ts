import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startEmbeddedBroker } from './broker/embedded.ts';
import { connectExternalBroker } from './broker/external.ts';
import type { DeviceLink } from './broker/link.ts';
import { createBus } from './bus/bus.ts';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config/schema.ts';
import { createAuth } from './http/auth.ts';
import { corePlugin } from './http/core.ts';
import { devicesPlugin } from './http/devices.ts';
import { buildHttp, type HttpPlugin } from './http/server.ts';
import { coreChannels } from './ingest/core-channels.ts';
import { createIngest } from './ingest/ingest.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { createRegistry } from './registry/registry.ts';
import type { GatewayService, ServiceDeps } from './service.ts';
import { SERVICE_FACTORIES } from './services/index.ts';
import { createOutboxService } from './services/outbox/service.ts';
import { createRecognitionGatewayService } from './services/recognition/index.ts';
import { coreMigrations } from './store/core-migrations.ts';
import { openDb } from './store/db.ts';
import { readOrCreateSecretFile } from './store/secret-file.ts';
import { createEventWriter } from './store/event-writer.ts';
import { migrate } from './store/migrate.ts';

export const VERSION = '0.1.0';

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
export async function createGateway(config: Config, opts: GatewayOptions = {}) {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? createLogger({ level: config.log.level, pretty: config.log.pretty ?? process.stdout.isTTY });
  const metrics = createMetrics();
  const dataDir = resolve(config.dataDir);
  const db = await openDb(join(dataDir, 'storegate.db'), { synchronous: config.store.synchronous });
  const admin = ensureAdminToken(config);
  const auth = createAuth({ admin: admin.token, staff: config.http.staffToken });
  const bus = createBus({ log, metrics, clock });
  const registry = createRegistry({ db, clock });
  const writer = createEventWriter({ db, log, metrics, maxRows: config.store.batchMaxRows });
  const ingest = createIngest({ storeId: config.storeId, bus, writer, registry, log, metrics, clock, maxPayloadBytes: config.mqtt.maxPayloadBytes });

  // Services get a DeviceLink before the broker exists; it forwards once the broker is up.
  let broker: DeviceLink | undefined;
  const link: DeviceLink = {
    send: (...a) => broker?.send(...a),
    publishRetained: (topic, payload) => broker?.publishRetained(topic, payload),
    disconnectDevice: (id) => broker?.disconnectDevice(id) ?? Promise.resolve(),
    connectedDeviceIds: () => broker?.connectedDeviceIds() ?? [],
    isReady: () => broker?.isReady() ?? false,
    close: () => broker?.close() ?? Promise.resolve(),
  };
  // The outbox comes first: every other capability gets it to enqueue cloud-bound events in its own
  // transactions, and being first in the list it stops last, after every producer's final events.
  const deps: ServiceDeps = { storeId: config.storeId, bus, db, clock, log, metrics, registry, link, auth };
  const outboxService = createOutboxService(deps, config.cloud);
  deps.outbox = outboxService.outbox;
  writer.setOutbox(outboxService.outbox);
  // recognition too: the fitting room (and anything else that looks at frames) gets it through deps
  const recognitionService = createRecognitionGatewayService(deps, config.recognition);
  deps.recognition = recognitionService.recognition;
  const services: GatewayService[] = [outboxService, recognitionService, ...SERVICE_FACTORIES.map((make) => make(deps, config))];

  const applied = await migrate(db, [...coreMigrations, ...services.flatMap((s) => s.migrations ?? [])]);
  if (applied.length) log.info({ applied }, 'migrations applied');
  await registry.seed(config.devices);
  for (const h of coreChannels(bus)) ingest.register(h);
  for (const s of services) for (const h of s.channels ?? []) ingest.register(h);
  for (const s of services) for (const m of s.topicMappers ?? []) ingest.addTopicMapper(m.mapper);

  let dbOpen = true;
  const plugins: HttpPlugin[] = [
    {
      name: 'core',
      plugin: corePlugin({
        metrics,
        checks: () => [
          { name: 'broker', ok: () => link.isReady() },
          { name: 'store', ok: () => dbOpen },
          ...services.filter((s) => s.ready).map((s) => ({ name: s.name, ok: () => s.ready?.() ?? true })),
        ],
      }),
    },
    { name: 'devices', plugin: devicesPlugin({ registry, link: () => broker, auth, bus }) },
    ...services.filter((s) => s.http).map((s) => ({ name: s.name, plugin: s.http as NonNullable<GatewayService['http']> })),
  ];
  const https = config.http.tls ? { key: readFileSync(config.http.tls.keyFile), cert: readFileSync(config.http.tls.certFile) } : undefined;
  const http = await buildHttp({ log, metrics, auth, plugins, version: VERSION, ...(https ? { https } : {}) });
  const timers: { cancel(): void }[] = [];
  let ports: { http: number; mqtt: number; ws: number; tls?: number; wss?: number } = { http: 0, mqtt: 0, ws: 0 };

  return {
    config,
    log,
    db,
    bus,
    ingest,
    registry,
    metrics,
    http,
    link,
    adminToken: admin,
    get ports() {
      return ports;
    },

    async start() {
      if (config.mqtt.mode === 'embedded') {
        const b = await startEmbeddedBroker({ config, ingest, registry, bus, log, metrics, clock });
        broker = b;
        ports = { ...ports, ...b.ports };
      } else {
        broker = await connectExternalBroker({
          config,
          ingest,
          log,
          metrics,
          extraSubscriptions: services.flatMap((s) => s.topicMappers?.map((m) => m.subscribe) ?? []),
        });
      }
      for (const s of services) await s.start();
      await http.listen({ port: config.http.port, host: config.http.host });
      const addr = http.server.address();
      ports = { ...ports, http: typeof addr === 'object' && addr ? addr.port : 0 };
      timers.push(clock.setInterval(() => void registry.flushLastSeen().catch((err) => log.warn({ err }, 'last-seen flush failed')), 10_000));
      timers.push(clock.setInterval(() => void enforceRevocations(), 3_000));
      log.info({ storeId: config.storeId, ports, mode: config.mqtt.mode }, 'storegate started');
    },

    /** Stop accepting, let in-flight work finish, flush the store, close clients. */
    async stop() {
      for (const t of timers) t.cancel();
      await http.close().catch(() => {});
      await broker?.close().catch((err) => log.warn({ err }, 'broker close failed'));
      for (const s of [...services].reverse()) await s.stop().catch((err) => log.warn({ err, service: s.name }, 'service stop failed'));
      await writer.flush().catch(() => {});
      await registry.flushLastSeen().catch(() => {});
      dbOpen = false;
      await db.close();
      log.info('storegate stopped');
    },
  };

  /** The CLI revokes through the database file; a running gateway notices and drops the connection. */
  async function enforceRevocations() {
    const connected = link.connectedDeviceIds();
    if (!connected.length) return;
    const revoked = await db.all<{ id: string }>(`SELECT id FROM devices WHERE enabled = 0 AND id IN (${connected.map(() => '?').join(',')})`, connected);
    for (const r of revoked) {
      ingest.forgetDevice(r.id);
      log.info({ deviceId: r.id }, 'device revoked: disconnecting');
      await link.disconnectDevice(r.id);
    }
  }
}

export type Gateway = Awaited<ReturnType<typeof createGateway>>;
