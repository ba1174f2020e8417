import { gatewaySource } from '../../../devices/topics.ts';
import type { GatewayService, ServiceDeps } from '../../service.ts';
import type { PrivacyConfig, RetentionDays } from './config.ts';
import { DATA_CLASSES, daysFor } from './data-classes.ts';
import type { AppBeacons } from './handles.ts';
import type { Pseudonymiser } from './pseudonym.ts';
import { createReceiptSigner } from './receipt.ts';
import { createRetentionJob } from './retention.ts';
import { followConfig } from '../../config/live.ts';
import { createShopperRights } from './rights.ts';
import { privacyRoutes } from './routes.ts';
import { ERASE_EVENT, ERASE_STARTING } from './shoppers.ts';

/** the first retention run comes this long after start (not during it), then every `intervalMinutes` */
const FIRST_RUN_DELAY_MS = 60_000;

/**
 * Privacy and data lifecycle: the retention job (expired rows of every data class, then incremental vacuum),
 * and a shopper's export and erasure (API here, CLI in `storegate privacy`). Pseudonyms themselves are made by
 * `pseudonym.ts`, which presence is handed in `services/index.ts`.
 */
export function createPrivacyService(
  deps: ServiceDeps,
  cfg: PrivacyConfig,
  opts: { retention: RetentionDays; dataDir: string; pseudonymiser: Pseudonymiser; app: AppBeacons },
): GatewayService & {
  retention: ReturnType<typeof createRetentionJob>;
} {
  const log = deps.log.child({ module: 'privacy' });
  const source = gatewaySource(deps.storeId, 'privacy');
  // every retention.* key is live here: a signed config patch changes the next run's cut-offs
  const retention = followConfig(deps.bus, 'privacy', 'retention', opts.retention, Object.keys(opts.retention) as Array<keyof RetentionDays>);
  const job = createRetentionJob({
    db: deps.db,
    clock: deps.clock,
    log,
    metrics: deps.metrics,
    classes: DATA_CLASSES,
    days: retention,
    cfg: cfg.retentionJob,
  });
  const signer = createReceiptSigner(opts.dataDir);
  const rights = createShopperRights({ storeId: deps.storeId, app: opts.app, pseudonymiser: opts.pseudonymiser, retention, signer });
  const timers: { cancel(): void }[] = [];
  let nextRunAt: number | null = null;

  const scheduled = () => {
    nextRunAt = deps.clock.now() + cfg.retentionJob.intervalMinutes * 60_000;
    void job.run().catch((err) => log.warn({ err }, 'retention run failed'));
  };

  return {
    name: 'privacy',
    retention: job,
    http: privacyRoutes({
      auth: deps.auth,
      retention: async () => ({
        lastRun: await job.lastRun(),
        nextRunAt: nextRunAt === null ? null : new Date(nextRunAt).toISOString(),
        classes: DATA_CLASSES.map((c) => ({ name: c.name, table: c.table, timeColumn: c.timeColumn, days: daysFor(c, retention), owner: c.owner })),
      }),
      runRetention: () => job.run(),
      exportShopper: async (h) => {
        const r = await rights.exportData(deps.db, h, deps.clock.now());
        log.info({ receiptId: r.receipt.receipt.receiptId, handle: r.handle, found: r.found }, 'shopper data exported');
        return r;
      },
      async eraseShopper(h) {
        const now = deps.clock.now();
        const seeds = rights.seeds(h, now);
        // synchronous: presence and the fitting room drop the shopper from memory (and presence its queued writes)
        // before the erase's unit of work is queued, so nothing of them is written after it
        for (const p of seeds.pseudonyms) deps.bus.emit(deps.bus.make(ERASE_STARTING, source, { shopperId: p }));
        const r = await deps.work.run((w) =>
          rights.erase(w.tx, h, seeds, {
            now,
            via: 'api',
            makeEvent: (data) => deps.bus.make(ERASE_EVENT, source, data),
            // the erase request always goes to the cloud, first in line; on the bus after COMMIT
            forward: async (event) => {
              w.emit(event, { priority: 'critical' });
              return deps.outbox.forwarders.length > 0;
            },
          }),
        );
        // nothing that names the shopper is logged (no pseudonym, no order id): the receipt id ties it together
        log.info({ receiptId: r.receipt.receipt.receiptId, handle: seeds.kind, rows: r.rows, erased: r.classes, forwarded: r.forwarded }, 'shopper erased');
        return r;
      },
      timeline: (h) => rights.timeline(deps.db, h, deps.clock.now()),
      receiptKey: () => ({ algorithm: 'Ed25519' as const, keyId: signer.keyId, publicKey: signer.publicKey }),
    }),
    async start() {
      if (!cfg.retentionJob.enabled) return;
      nextRunAt = deps.clock.now() + FIRST_RUN_DELAY_MS;
      timers.push(
        deps.clock.setTimeout(() => {
          scheduled();
          timers.push(deps.clock.setInterval(scheduled, cfg.retentionJob.intervalMinutes * 60_000));
        }, FIRST_RUN_DELAY_MS),
      );
    },
    async stop() {
      for (const t of timers) t.cancel();
      // a run in progress finishes its current statement chain before the database closes
      await job.idle();
    },
  };
}
