import Value from 'typebox/value';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { type HealthConfig, HealthConfigSchema } from '../../../../gateway/services/health/config.ts';
import { createHealthService } from '../../../../gateway/services/health/service.ts';
import { createOutboxService } from '../../../../gateway/services/outbox/service.ts';
import { coreMigrations } from '../../../../gateway/store/core-migrations.ts';
import { migrate } from '../../../../gateway/store/migrate.ts';
import { tempDir, until } from '../../../helpers/gateway.ts';
import { serviceDeps } from '../../../helpers/service-deps.ts';
import { cloudConfig, startReceiver } from '../outbox/harness.ts';
import { onTestFinished } from 'vitest';

/**
 * The health and outbox services together on one real SQLite file, bus and metrics registry (as main.ts wires
 * them), forwarding over real HTTP to a receiver that can go down; a fake clock. The alerts come from the outbox's
 * own state, never from gauges a test sets.
 */
export async function cloudHealthRig(health: Partial<HealthConfig>, cloud: Record<string, unknown> = {}) {
  const clock = createFakeClock();
  const rx = await startReceiver();
  const config = cloudConfig({ forwarders: [{ name: 'cloud', kind: 'http', url: rx.url }], backoff: { initialMs: 1000, maxMs: 5000 }, ...cloud });
  const deps = await serviceDeps({ clock, dir: tempDir(), cloud: config });
  let seed = 7;
  const outbox = createOutboxService(deps, config, {
    random: () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    },
  });
  const healthConfig = Value.Default(HealthConfigSchema, { checkIntervalSeconds: 5, groupWindowSeconds: 0, ...health }) as HealthConfig;
  const service = createHealthService(deps, healthConfig, { alertsDays: 90, disk: async () => null });
  // the outbox tables are core migrations
  await migrate(deps.db, [...coreMigrations, ...(service.migrations ?? [])]);
  await outbox.start();
  await service.start();
  onTestFinished(async () => {
    await service.stop();
    await outbox.stop();
    await deps.db.close();
  });
  /** fake time passes; the forwarders run what fell due, then outbox maintenance and a health check */
  async function advance(ms: number) {
    clock.advance(ms);
    await outbox.idle();
    await outbox.maintain();
    await service.check();
  }
  const alertEvents = (type: 'alert.raised' | 'alert.resolved', key: string) =>
    rx.received.filter((e) => e.type === `storegate.${type}` && (e.data as unknown as { key: string }).key === key);
  return {
    clock,
    rx,
    outbox,
    work: deps.work,
    health: service,
    openKeys: () =>
      service.book
        .openAlerts()
        .map((a) => a.key)
        .sort(),
    alertEvents,
    advance,
    /** fake time passes 5 s a step until the alert's resolution has reached the cloud receiver */
    untilResolvedInCloud: (key: string, what: string) =>
      until(
        async () => {
          await advance(5000);
          return alertEvents('alert.resolved', key).length > 0;
        },
        10_000,
        what,
      ),
  };
}
