import type { DomainEvent, EventOf } from '../../../../gateway/bus/events.ts';
import { createFakeClock, type FakeClock } from '../../../../gateway/clock.ts';
import { createLogger } from '../../../../gateway/log.ts';
import { HealthConfigSchema, type HealthConfig } from '../../../../gateway/services/health/config.ts';
import { createHealthService } from '../../../../gateway/services/health/service.ts';
import Value from 'typebox/value';
import { logSink, tempDir } from '../../../helpers/gateway.ts';
import { serviceDeps, startAlone } from '../../../helpers/service-deps.ts';

export const SOURCE = 'storegate/store-1/gateway/health';

/**
 * The health service on a real SQLite file, a real bus and registry, and a fake clock. `restart()` builds a
 * second service on the same database (a gateway restart).
 */
export async function healthRig(cfg: Partial<HealthConfig> = {}, opts: { clock?: FakeClock; dir?: string; disk?: { free: number; total: number } } = {}) {
  const clock = opts.clock ?? createFakeClock();
  const dir = opts.dir ?? tempDir();
  const sink = logSink();
  const log = createLogger({ level: 'debug', destination: sink.stream });
  const deps = await serviceDeps({ clock, dir, log });
  const { db, bus, registry, metrics } = deps;
  const config = Value.Default(HealthConfigSchema, { offlineAfterSeconds: 60, checkIntervalSeconds: 5, groupWindowSeconds: 10, ...cfg }) as HealthConfig;
  const service = createHealthService(deps, config, { alertsDays: 90, ...(opts.disk ? { disk: async () => opts.disk ?? null } : {}) });
  const events: EventOf<'alert.raised' | 'alert.resolved'>[] = [];
  bus.on('test', '*', (e) => {
    if (e.type.startsWith('alert.')) events.push(e as EventOf<'alert.raised'>);
  });
  const stop = await startAlone(deps, service);

  const status = (id: string, kind: string, body: Record<string, unknown>) => {
    registry.touch(id);
    bus.emit(bus.make('device.status', `storegate/store-1/${kind}/${id}`, { deviceId: id, kind, online: true, ...body }));
  };
  return {
    clock,
    db,
    bus,
    metrics,
    registry,
    service,
    book: service.book,
    logs: sink,
    events,
    raised: () => events.filter((e) => e.type === 'alert.raised' && e.source === SOURCE),
    resolved: () => events.filter((e) => e.type === 'alert.resolved' && e.source === SOURCE),
    openKeys: () =>
      service.book
        .openAlerts()
        .map((a) => a.key)
        .sort(),
    dir,
    stop,
    /** add devices and hear one heartbeat from each */
    async devices(ids: string[], kind = 'scanner', zone?: string) {
      for (const id of ids) await registry.add({ id, kind, ...(zone ? { zone } : {}) });
      for (const id of ids) status(id, kind, {});
    },
    heartbeat: (id: string, kind = 'scanner') => status(id, kind, {}),
    status,
    will: (id: string, kind = 'scanner') => status(id, kind, { online: false }),
    /** let fake time pass, then wait for a check that started after it */
    async advance(ms: number) {
      clock.advance(ms);
      await service.check();
    },
    emit: (e: DomainEvent) => bus.emit(e),
  };
}
