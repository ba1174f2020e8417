import type { StockChange } from '../../../devices/downlink.ts';
import type { DomainEvent } from '../../bus/events.ts';
import type { Logger } from '../../log.ts';
import { counter } from '../../metrics.ts';
import type { ServiceDeps } from '../../service.ts';
import type { Work } from '../../store/unit-of-work.ts';

/**
 * The store's own events that move stock, applied through the same path as the cloud's `stock.changed` (the live
 * catalog's `applyStock`, in a unit of work), once per event id:
 * - `locker.return.dropped`: the item is back in the store (+1), unless it came back damaged (not sellable);
 * - `fitting.size_request.updated` with status `done` ("brought"): the size left the floor for a fitting room (−1);
 * - `fitting.session.closed`: what was brought to it goes back to the floor (+1 each; a purchase is the POS's sale,
 *   which the cloud sends as a delta).
 * Each is a durable handoff (unit-of-work.ts): recorded in the transaction that emits it, applied in a unit of its
 * own after COMMIT or at the next start, and the event id goes into `stock_store_events` in that unit, so an event
 * handed over twice changes the level once. These do not count as "in sync with the cloud" (the stale marking).
 */
export const STORE_STOCK_EVENTS = ['locker.return.dropped', 'fitting.size_request.updated', 'fitting.session.closed'] as const;

type ItemResolver = (item: string) => { sku: string; size: string } | null;

/** What an event does to stock; `skipped` says why it does nothing (counted). Pure. */
export function stockChangesOf(e: DomainEvent, resolve: ItemResolver): { changes: StockChange[]; skipped?: string } {
  const d = e.data as Record<string, unknown>;
  const type = e.type.replace(/^storegate\./, '');
  if (type === 'locker.return.dropped') {
    if (d.reason === 'damaged') return { changes: [], skipped: 'damaged' };
    const it = typeof d.item === 'string' ? resolve(d.item) : null;
    if (!it) return { changes: [], skipped: 'unknown_item' };
    return { changes: [{ ...it, reason: 'return', quantity: 1 }] };
  }
  if (type === 'fitting.size_request.updated') {
    if (d.status !== 'done') return { changes: [] };
    return { changes: [{ sku: String(d.sku), size: String(d.size), reason: 'transfer', quantity: -1 }] };
  }
  if (type === 'fitting.session.closed') {
    const brought = ((d.sizeRequests ?? []) as Array<{ sku: string; size: string; status: string }>).filter((r) => r.status === 'done');
    return { changes: brought.map((r) => ({ sku: r.sku, size: r.size, reason: 'transfer', quantity: 1 })) };
  }
  return { changes: [], skipped: 'not_stock' };
}

export function feedStockFromStore(deps: ServiceDeps, log: Logger) {
  const events = counter(deps.metrics, 'storegate_stock_store_events_total', "The store's own events applied to stock, by type and outcome", [
    'type',
    'outcome',
  ]);
  const apply = async (w: Work, e: DomainEvent) => {
    const type = e.type.replace(/^storegate\./, '');
    const { changes, skipped } = stockChangesOf(e, deps.catalog.resolveItem);
    if (changes.length === 0) {
      if (skipped) w.after(() => events.inc({ type, outcome: skipped }));
      if (skipped === 'unknown_item') log.info({ type, eventId: e.id }, 'a returned item that is not in the catalog: stock unchanged');
      return;
    }
    const fresh = await w.tx.run('INSERT OR IGNORE INTO stock_store_events (event_id, type, at) VALUES (?, ?, ?)', [e.id, type, deps.clock.now()]);
    if (fresh.changes === 0) return w.after(() => events.inc({ type, outcome: 'duplicate' }));
    const r = await deps.catalog.applyStock(w, changes, deps.clock.now(), { synced: false });
    w.after(() => events.inc({ type, outcome: r.unknown.length ? 'unknown_item' : 'applied' }));
  };
  for (const type of STORE_STOCK_EVENTS) deps.work.durable('stock', type, apply);
}
