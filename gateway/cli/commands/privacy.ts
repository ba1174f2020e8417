import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { gatewaySource } from '../../../devices/topics.ts';
import { uuidV7 } from '../../bus/bus.ts';
import { systemClock } from '../../clock.ts';
import { loadConfig } from '../../config/load.ts';
import { ERASE_EVENT, eraseShopper, exportShopper, isPseudonym } from '../../services/privacy/shoppers.ts';
import { openDb } from '../../store/db.ts';
import { createOutboxStore } from '../../store/outbox.ts';

type Opts = { shopper: string; config?: string };

/**
 * Works on the data dir's database file, like `storegate device`, so it runs with or without a gateway (SQLite's
 * locking keeps a running one consistent). The erase request is queued in the outbox file; a running gateway's
 * forwarders send it, or the next start does.
 */
async function withDb<T>(o: Opts, fn: (db: Awaited<ReturnType<typeof openDb>>, config: ReturnType<typeof loadConfig>) => Promise<T>) {
  if (!isPseudonym(o.shopper)) throw new Error(`--shopper must be a pseudonym (sh_ + hex), got "${o.shopper}"`);
  const config = loadConfig(o.config ? { file: o.config } : {});
  const db = await openDb(join(resolve(config.dataDir), 'storegate.db'), { synchronous: config.store.synchronous });
  try {
    return await fn(db, config);
  } finally {
    await db.close();
  }
}

export function registerPrivacy(program: Command) {
  const privacy = program.command('privacy').description("a shopper's data: export (access) and erase, on the data dir's database");
  privacy
    .command('export')
    .description('print everything held about a shopper as JSON (sessions, presence events, queued cloud events, …)')
    .requiredOption('--shopper <pseudonym>', 'shopper pseudonym, e.g. sh_3f2a…')
    .option('-c, --config <file>', 'config file')
    .action(async (o: Opts) => {
      const out = await withDb(o, (db) => exportShopper(db, o.shopper, systemClock.now()));
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    });
  privacy
    .command('erase')
    .description('erase a shopper everywhere, queued cloud events included, and queue an erase request for the cloud')
    .requiredOption('--shopper <pseudonym>', 'shopper pseudonym, e.g. sh_3f2a…')
    .option('-c, --config <file>', 'config file')
    .action(async (o: Opts) => {
      const r = await withDb(o, async (db, config) => {
        const hasOutbox = !!(await db.get("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox_events'"));
        const outbox = createOutboxStore({
          routes: config.cloud.routes,
          forwarders: hasOutbox ? config.cloud.forwarders.map((f) => f.name) : [],
          ttlSeconds: config.cloud.ttlSeconds,
          clock: systemClock,
        });
        const now = systemClock.now();
        return db.transaction((tx) =>
          eraseShopper(tx, o.shopper, {
            now,
            via: 'cli',
            forward: async (event) => (await outbox.enqueue(tx, [event], { priority: 'critical' })).enqueued > 0,
            makeEvent: (data) => ({
              specversion: '1.0',
              id: uuidV7(now),
              source: gatewaySource(config.storeId, 'privacy'),
              type: ERASE_EVENT,
              time: new Date(now).toISOString(),
              subject: o.shopper,
              data,
            }),
          }),
        );
      });
      process.stdout.write(`${JSON.stringify({ shopperId: r.shopperId, rows: r.rows, erased: r.erased, eventId: r.event.id, forwarded: r.forwarded })}\n`);
      if (!r.forwarded) process.stderr.write('note: no cloud forwarder is configured, so no erase request was queued for the cloud\n');
    });
}
