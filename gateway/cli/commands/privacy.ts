import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { gatewaySource } from '../../../devices/topics.ts';
import { uuidV7 } from '../../bus/bus.ts';
import { systemClock } from '../../clock.ts';
import { loadConfig } from '../../config/load.ts';
import type { Handle } from '../../services/privacy/handles.ts';
import { shopperPseudonymiser } from '../../services/privacy/pseudonym.ts';
import { createReceiptSigner, type SignedReceipt, verifyReceipt } from '../../services/privacy/receipt.ts';
import { createShopperRights, type ShopperRights } from '../../services/privacy/rights.ts';
import { ERASE_EVENT } from '../../services/privacy/shoppers.ts';
import { openDb } from '../../store/db.ts';
import { createOutboxStore } from '../../store/outbox.ts';

type Opts = { appId?: string; order?: string; shopper?: string; config?: string };

function handleOf(o: Opts): Handle {
  const given = [o.appId, o.order, o.shopper].filter((x) => x !== undefined);
  if (given.length !== 1) throw new Error('name the shopper by exactly one of --app-id, --order, --shopper');
  if (o.appId !== undefined) return { appId: o.appId };
  if (o.order !== undefined) return { orderId: o.order };
  return { pseudonym: o.shopper as string };
}

/**
 * Works on the data dir's database file, like `storegate device`, so it runs with or without a gateway (SQLite's
 * locking keeps a running one consistent). The erase request is queued in the outbox file; a running gateway's
 * forwarders send it, or the next start does. A running gateway's memory (a shopper in the store right now) is
 * out of reach: use the API while it runs.
 */
async function withDb<T>(o: Opts, fn: (db: Awaited<ReturnType<typeof openDb>>, config: ReturnType<typeof loadConfig>, rights: ShopperRights) => Promise<T>) {
  const config = loadConfig(o.config ? { file: o.config } : {});
  const rights = createShopperRights({
    storeId: config.storeId,
    app: config.presence.shopperApp,
    pseudonymiser: shopperPseudonymiser(config, systemClock),
    retention: config.retention,
    signer: createReceiptSigner(config.dataDir),
  });
  const db = await openDb(join(resolve(config.dataDir), 'storegate.db'), { synchronous: config.store.synchronous });
  try {
    return await fn(db, config, rights);
  } finally {
    await db.close();
  }
}

const who = (c: Command) =>
  c
    .option('--app-id <id>', 'the store app id the shopper’s app shows (<major>-<minor>, or a 12-hex Eddystone instance)')
    .option('--order <id>', 'an order id from the shopper’s receipt')
    .option('--shopper <pseudonym>', 'a shopper pseudonym, e.g. sh_3f2a…')
    .option('-c, --config <file>', 'config file');

export function registerPrivacy(program: Command) {
  const privacy = program.command('privacy').description("a shopper's data: export (access) and erase, on the data dir's database; signed receipts");
  who(privacy.command('export').description('print everything held about a shopper as JSON, with a signed receipt')).action(async (o: Opts) => {
    const h = handleOf(o);
    const out = await withDb(o, (db, _c, rights) => rights.exportData(db, h, systemClock.now()));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  });
  who(
    privacy
      .command('erase')
      .description('erase a shopper everywhere, queued cloud events included, queue an erase request for the cloud; prints the signed receipt'),
  ).action(async (o: Opts) => {
    const h = handleOf(o);
    const r = await withDb(o, async (db, config, rights) => {
      const hasOutbox = !!(await db.get("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox_events'"));
      const outbox = createOutboxStore({
        routes: config.cloud.routes,
        forwarders: hasOutbox ? config.cloud.forwarders.map((f) => f.name) : [],
        ttlSeconds: config.cloud.ttlSeconds,
        clock: systemClock,
      });
      const now = systemClock.now();
      const seeds = rights.seeds(h, now);
      return db.transaction((tx) =>
        rights.erase(tx, h, seeds, {
          now,
          via: 'cli',
          forward: async (event) => (await outbox.enqueue(tx, [event], { priority: 'critical' })).enqueued > 0,
          makeEvent: (data) => ({
            specversion: '1.0',
            id: uuidV7(now),
            source: gatewaySource(config.storeId, 'privacy'),
            type: ERASE_EVENT,
            time: new Date(now).toISOString(),
            data,
          }),
        }),
      );
    });
    process.stdout.write(`${JSON.stringify(r)}\n`);
    if (!r.forwarded) process.stderr.write('note: no cloud forwarder is configured, so no erase request was queued for the cloud\n');
  });
  privacy
    .command('receipt-key')
    .description('print the public key (PEM) receipts are signed with, and its id')
    .option('-c, --config <file>', 'config file')
    .action((o: { config?: string }) => {
      const config = loadConfig(o.config ? { file: o.config } : {});
      const s = createReceiptSigner(config.dataDir);
      process.stdout.write(`# keyId ${s.keyId}\n${s.publicKey}`);
    });
  privacy
    .command('verify <receipt>')
    .description('check a receipt (JSON file, or - for stdin) offline; with --key, against the store’s published public key')
    .option('--key <pem-file>', 'the store’s public key (from `storegate privacy receipt-key`)')
    .action((file: string, o: { key?: string }) => {
      const doc = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8')) as SignedReceipt | { receipt: SignedReceipt };
      // accepts the receipt itself, or a whole export/erase answer that carries one
      const r = 'signature' in doc ? doc : doc.receipt;
      const v = verifyReceipt(r, o.key ? readFileSync(o.key, 'utf8') : undefined);
      process.stdout.write(`${v.ok ? 'valid' : 'INVALID'} receipt ${r.receipt?.receiptId ?? '?'} (key ${v.keyId || 'unreadable'})\n`);
      if (!v.ok) process.exitCode = 1;
    });
}
