import { randomUUID } from 'node:crypto';
import type { DomainEvent } from '../../bus/events.ts';
import type { Db } from '../../store/db.ts';
import type { RetentionDays } from './config.ts';
import { type AppBeacons, type Handle, type Seeds, seedsOf } from './handles.ts';
import type { Pseudonymiser } from './pseudonym.ts';
import type { ReceiptSigner, SignedReceipt } from './receipt.ts';
import { timelineOf } from './timeline.ts';
import { type ErasureRequested, eraseShopper, exportShopper } from './shoppers.ts';

const DAY_MS = 86_400_000;

/** How far back an app id's pseudonyms are derived: the longest retention of any data class (nothing older is kept). */
export const horizonMs = (r: RetentionDays) => Math.max(...Object.values(r)) * DAY_MS + DAY_MS;

const handleText = (h: Handle) => ('appId' in h ? `app:${h.appId.toLowerCase()}` : 'orderId' in h ? `order:${h.orderId}` : `pseudonym:${h.pseudonym}`);

export interface RightsDeps {
  storeId: string;
  app: AppBeacons;
  pseudonymiser: Pseudonymiser;
  retention: RetentionDays;
  signer: ReceiptSigner;
}

/** A shopper's rights over one database: the API (in a unit of work) and the CLI (in its own transaction) share it. */
export function createShopperRights(d: RightsDeps) {
  const seeds = (h: Handle, now: number): Seeds => seedsOf(h, { app: d.app, pseudonymiser: d.pseudonymiser, now, horizonMs: horizonMs(d.retention) });
  const receiptOf = (
    action: 'export' | 'erase',
    h: Handle,
    s: Seeds,
    now: number,
    counts: Record<string, number>,
    ids: { receiptId: string; eventId?: string },
  ): SignedReceipt =>
    d.signer.sign({
      receiptId: ids.receiptId,
      action,
      storeId: d.storeId,
      handle: s.kind,
      handleDigest: d.signer.digest(handleText(h)),
      at: new Date(now).toISOString(),
      counts,
      ...(ids.eventId ? { eventId: ids.eventId } : {}),
    });

  return {
    seeds,
    /** the shopper's moments in the store (presence, fitting room, lockers), oldest first */
    async timeline(db: Db, h: Handle, now: number) {
      const s = seeds(h, now);
      const data = await exportShopper(db, s, now);
      return { handle: s.kind, moments: timelineOf(data.tables) };
    },
    async exportData(db: Db, h: Handle, now: number) {
      const s = seeds(h, now);
      const data = await exportShopper(db, s, now);
      return { ...data, receipt: receiptOf('export', h, s, now, data.found, { receiptId: randomUUID() }) };
    },
    /**
     * Erases inside `tx` and hands the cloud's erase request to `forward` in that same transaction: both happen
     * or neither. `seeds` from `seeds()` (the caller may need them first, to clear memory).
     */
    async erase(
      tx: Db,
      h: Handle,
      s: Seeds,
      o: { now: number; via: 'api' | 'cli'; makeEvent: (data: ErasureRequested) => DomainEvent; forward: (e: DomainEvent) => Promise<boolean> },
    ) {
      const r = await eraseShopper(tx, s);
      const receiptId = randomUUID();
      const event = o.makeEvent({
        handle: s.kind,
        shopperIds: s.pseudonyms,
        orderIds: r.orderIds,
        requestedAt: new Date(o.now).toISOString(),
        via: o.via,
        erased: r.erased,
        receiptId,
      });
      const forwarded = await o.forward(event);
      // the receipt and the cloud's erase request carry each other's id, so the two can be matched
      const receipt = receiptOf('erase', h, s, o.now, r.erased, { receiptId, eventId: event.id });
      // `erased` per table (as before), `classes` per data class (as the receipt counts)
      return { rows: r.rows, erased: r.tables, classes: r.erased, eventId: event.id, forwarded, receipt };
    },
  };
}

export type ShopperRights = ReturnType<typeof createShopperRights>;
