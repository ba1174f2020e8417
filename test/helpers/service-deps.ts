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
import { tempDir } from './gateway.ts';

/** A DeviceLink that goes nowhere, for a service tested alone. */
export { nullLink } from '../../gateway/broker/link.ts';

/** The deps one capability needs to run alone: a real SQLite file, a real bus, the given clock. */
export async function serviceDeps(opts: { clock: Clock; dir?: string; log?: Logger; storeId?: string; adminToken?: string }): Promise<ServiceDeps> {
  const db = await openDb(join(opts.dir ?? tempDir(), 'storegate.db'));
  const metrics = createMetrics({ defaults: false });
  const log = opts.log ?? silentLogger;
  return {
    storeId: opts.storeId ?? 'store-1',
    bus: createBus({ log, metrics, clock: opts.clock }),
    db,
    clock: opts.clock,
    log,
    metrics,
    registry: createRegistry({ db, clock: opts.clock }),
    link: nullLink,
    auth: createAuth({ admin: opts.adminToken ?? 'x'.repeat(24) }),
  };
}

/** Migrates and starts a capability built on `serviceDeps`; stops it and closes its database when the test ends. */
export async function startAlone<S extends GatewayService>(deps: ServiceDeps, service: S) {
  await migrate(deps.db, [...coreMigrations, ...(service.migrations ?? [])]);
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
