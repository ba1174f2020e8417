import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { nullLink } from '../../gateway/broker/link.ts';
import { createBus } from '../../gateway/bus/bus.ts';
import type { Clock } from '../../gateway/clock.ts';
import { createAuth } from '../../gateway/http/auth.ts';
import { type Logger, silentLogger } from '../../gateway/log.ts';
import { createMetrics } from '../../gateway/metrics.ts';
import { createRegistry } from '../../gateway/registry/registry.ts';
import type { GatewayService, ServiceDeps } from '../../gateway/service.ts';
import { coreMigrations } from '../../gateway/store/core-migrations.ts';
import { migrate } from '../../gateway/store/migrate.ts';
import { openDb } from '../../gateway/store/db.ts';
import { createOutboxStore } from '../../gateway/store/outbox.ts';
import { createUnitOfWork } from '../../gateway/store/unit-of-work.ts';
import { noRecognizer, type ProductRecognizer } from '../../gateway/recognizer.ts';
import type { CloudConfig } from '../../gateway/services/outbox/config.ts';
import { catalogMigrations, createLiveCatalog } from '../../gateway/live-catalog.ts';
import { tempDir } from './gateway.ts';

/** A DeviceLink that goes nowhere, for a service tested alone. */
export { nullLink } from '../../gateway/broker/link.ts';

/**
 * The deps one capability needs to run alone: a real SQLite file, a real bus, the real unit of work and outbox
 * store (with the given cloud routes and forwarder names), the given clock.
 */
export async function serviceDeps(opts: {
  clock: Clock;
  dir?: string;
  log?: Logger;
  storeId?: string;
  adminToken?: string;
  cloud?: Pick<CloudConfig, 'routes' | 'forwarders' | 'ttlSeconds'>;
  recognition?: ProductRecognizer;
}): Promise<ServiceDeps> {
  const db = await openDb(join(opts.dir ?? tempDir(), 'storegate.db'));
  const metrics = createMetrics({ defaults: false });
  const log = opts.log ?? silentLogger;
  const bus = createBus({ log, metrics, clock: opts.clock });
  const outbox = createOutboxStore({
    routes: opts.cloud?.routes ?? [],
    forwarders: opts.cloud?.forwarders.map((f) => f.name) ?? [],
    ttlSeconds: opts.cloud?.ttlSeconds ?? { critical: 0, normal: 0, bulk: 0 },
    clock: opts.clock,
  });
  return Object.freeze({
    storeId: opts.storeId ?? 'store-1',
    bus,
    db,
    clock: opts.clock,
    log,
    metrics,
    registry: createRegistry({ db, clock: opts.clock }),
    link: nullLink,
    auth: createAuth({ admin: opts.adminToken ?? 'x'.repeat(24) }),
    outbox,
    work: createUnitOfWork({ db, bus, outbox, log, metrics, maxRows: 500 }),
    recognition: opts.recognition ?? noRecognizer,
    catalog: createLiveCatalog(),
  });
}

/** Migrates and starts a capability built on `serviceDeps`; stops it and closes its database when the test ends. */
export async function startAlone<S extends GatewayService>(deps: ServiceDeps, service: S) {
  await migrate(deps.db, [...coreMigrations, ...catalogMigrations, ...(service.migrations ?? [])]);
  await deps.catalog.restore(deps.db);
  await service.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await service.stop();
    await deps.db.close();
  };
  onTestFinished(stop);
  return stop;
}
