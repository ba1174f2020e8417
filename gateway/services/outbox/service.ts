import { gatewaySource } from '../../../devices/topics.ts';
import type { GatewayService, ServiceDeps } from '../../service.ts';
import { PRIORITIES, type Priority } from '../../store/outbox.ts';
import type { CloudConfig, ForwarderConfig } from './config.ts';
import './events.ts';
import { createForwarder, type Forwarder } from './forwarder.ts';
import { outboxHttp } from './http.ts';
import { createHttpSender } from './http-sender.ts';
import { outboxMetrics } from './metrics.ts';
import { createMqttSender } from './mqtt-sender.ts';
import { type ByClass, enforceBudget, expire, pendingByForwarder, type Totals, totals, zeroByClass } from './repository.ts';

export interface OutboxServiceOptions {
  /** seeded randomness for backoff jitter in tests */
  random?: () => number;
}

export function createOutboxService(deps: ServiceDeps, config: CloudConfig, opts: OutboxServiceOptions = {}) {
  const { db, clock, bus } = deps;
  const log = deps.log.child({ module: 'outbox' });
  const metrics = outboxMetrics(deps.metrics);
  const drops = { budget: zeroByClass(), ttl: zeroByClass() };
  let last: Totals | undefined;
  let sinceTotals = { events: 0, bytes: 0 };
  let alertRaised = false;
  let maintaining: Promise<void> | undefined;
  let rerun: Promise<void> | undefined;
  let tick: { cancel(): void } | undefined;

  const dup = config.forwarders.find((f, i) => config.forwarders.findIndex((g) => g.name === f.name) !== i);
  if (dup) throw new Error(`cloud.forwarders: the name "${dup.name}" is used twice (each forwarder keeps its own queue by name)`);
  const forwarders: Forwarder[] = config.forwarders.map((f) =>
    createForwarder({
      name: f.name,
      kind: f.kind,
      sender: senderFor(f),
      db,
      clock,
      log,
      metrics,
      batchSize: f.batchSize ?? config.batchSize,
      shares: config.shares,
      backoff: config.backoff,
      random: opts.random ?? Math.random,
    }),
  );

  function senderFor(f: ForwarderConfig) {
    const timeoutMs = f.timeoutSeconds * 1000;
    if (f.kind === 'http') return createHttpSender({ url: f.url, token: f.token, timeoutMs, clock });
    return createMqttSender({
      url: f.url,
      username: f.username,
      password: f.password,
      clientId: f.clientId ?? `storegate-${deps.storeId}-${f.name}`,
      topic: f.topic ?? 'storegate/{storeId}/events/{type}',
      storeId: deps.storeId,
      timeoutMs,
      protocolVersion: f.protocolVersion ?? 4,
      ...(f.contentMode ? { contentMode: f.contentMode } : {}),
    });
  }

  const overBudget = (events: number, bytes: number) =>
    (config.budget.maxEvents > 0 && events > config.budget.maxEvents) || (config.budget.maxBytes > 0 && bytes > config.budget.maxBytes);

  // events committed by the unit of work (ingest and every capability) wake the forwarders and the budget check
  deps.outbox.onCommitted((events, bytes) => {
    sinceTotals = { events: sinceTotals.events + events, bytes: sinceTotals.bytes + bytes };
    for (const f of forwarders) f.wake();
    if (last && overBudget(last.events + sinceTotals.events, last.bytes + sinceTotals.bytes)) void maintain();
  });

  function countDrops(reason: 'budget' | 'ttl', d: ByClass) {
    for (const p of PRIORITIES) {
      if (!d[p]) continue;
      drops[reason][p] += d[p];
      metrics.dropped.inc({ class: p, reason }, d[p]);
    }
  }

  /** TTL expiry, the disk budget, gauges; then a nudge to every forwarder. */
  function maintain(): Promise<void> {
    if (maintaining) {
      // one more full run after the current one, so a caller always gets a pass that started after its call
      rerun ??= maintaining.then(() => {
        rerun = undefined;
        return maintain();
      });
      return rerun;
    }
    maintaining = (async () => {
      try {
        countDrops('ttl', await expire(db, clock.now()));
        const { dropped, after } = await enforceBudget(db, config.budget);
        countDrops('budget', dropped);
        sinceTotals = { events: 0, bytes: 0 };
        last = after;
        const droppedNow = dropped.normal + dropped.bulk;
        if (droppedNow > 0) {
          log.warn({ dropped, events: after.events, bytes: after.bytes }, 'outbox over its disk budget: dropped lowest-priority events');
          if (!alertRaised) {
            alertRaised = true;
            const { maxBytes, maxEvents } = config.budget;
            const data = {
              severity: 'warning' as const,
              message: 'cloud outbox full: dropping low-priority events',
              maxBytes,
              maxEvents,
              events: after.events,
              bytes: after.bytes,
              dropped,
            };
            const event = bus.make('alert.outbox.budget-exceeded', gatewaySource(deps.storeId, 'outbox'), data);
            await deps.work.run(async (w) => w.emit(event));
          }
        } else if (alertRaised && !overBudget(after.events / 0.9, after.bytes / 0.9)) {
          alertRaised = false;
        }
        if (overBudget(after.events, after.bytes)) log.warn({ events: after.events, bytes: after.bytes }, 'outbox over budget with critical events only');
        await updateGauges(after);
        for (const f of forwarders) f.wake();
      } catch (err) {
        log.error({ err }, 'outbox maintenance failed');
      }
    })().finally(() => {
      maintaining = undefined;
    });
    return maintaining;
  }

  async function updateGauges(t: Totals) {
    let oldest: number | null = null;
    for (const p of PRIORITIES) {
      const c = t.byClass[p];
      metrics.backlogEvents.set({ class: p }, c.events);
      metrics.backlogBytes.set({ class: p }, c.bytes);
      if (c.oldestAt !== null && (oldest === null || c.oldestAt < oldest)) oldest = c.oldestAt;
    }
    metrics.oldestAge.set(oldest === null ? 0 : Math.max(0, (clock.now() - oldest) / 1000));
    const pending = await pendingByForwarder(db);
    for (const f of forwarders) metrics.pending.set({ forwarder: f.name }, pending.get(f.name) ?? 0);
  }

  async function status() {
    const t = await totals(db);
    const pending = await pendingByForwarder(db);
    const dead = await db.all<{ forwarder: string; n: number }>('SELECT forwarder, COUNT(*) AS n FROM outbox_dead_letters GROUP BY forwarder');
    let oldest: number | null = null;
    for (const p of PRIORITIES) {
      const at = t.byClass[p].oldestAt;
      if (at !== null && (oldest === null || at < oldest)) oldest = at;
    }
    return {
      backlog: {
        events: t.events,
        bytes: t.bytes,
        oldestAgeSeconds: oldest === null ? 0 : Math.max(0, (clock.now() - oldest) / 1000),
        byClass: Object.fromEntries(PRIORITIES.map((p) => [p, { events: t.byClass[p].events, bytes: t.byClass[p].bytes }])) as Record<
          Priority,
          { events: number; bytes: number }
        >,
      },
      budget: { ...config.budget, over: overBudget(t.events, t.bytes), alertRaised },
      dropped: { budget: { ...drops.budget }, ttl: { ...drops.ttl } },
      deadLetters: dead.reduce((s, r) => s + r.n, 0),
      forwarders: forwarders.map((f) => ({ ...f.status(), pending: pending.get(f.name) ?? 0, deadLetters: dead.find((d) => d.forwarder === f.name)?.n ?? 0 })),
    };
  }

  const service = {
    name: 'outbox',
    status,
    maintain,
    forwarders,
    /** resolves when every forwarder is idle (waiting for events or for a retry) */
    idle: async () => {
      await deps.work.flush();
      await Promise.all(forwarders.map((f) => f.idle()));
    },
    http: outboxHttp({
      auth: deps.auth,
      db,
      status,
      wake: () => {
        for (const f of forwarders) f.wake();
      },
    }),
    async start() {
      if (!forwarders.length) {
        log.info('no cloud forwarder configured: the outbox stays empty');
        return;
      }
      const names = forwarders.map((f) => f.name);
      const orphans = await db.all<{ forwarder: string; n: number }>(
        `SELECT forwarder, events AS n FROM outbox_pending_totals WHERE events > 0 AND forwarder NOT IN (${names.map(() => '?').join(',')})`,
        names,
      );
      // kept, not deleted: a renamed forwarder in config must not silently throw away a backlog
      if (orphans.length) log.warn({ orphans }, 'events pending for forwarders no longer configured: restore the forwarder name to deliver them');
      tick = clock.setInterval(() => void maintain(), config.maintenanceSeconds * 1000);
      await maintain();
      log.info({ forwarders: forwarders.map((f) => f.name) }, 'cloud forwarding started');
    },
    async stop() {
      tick?.cancel();
      await deps.work.flush();
      await maintaining;
      await Promise.all(forwarders.map((f) => f.stop()));
    },
  } satisfies GatewayService & Record<string, unknown>;
  return service;
}

export type OutboxService = ReturnType<typeof createOutboxService>;
