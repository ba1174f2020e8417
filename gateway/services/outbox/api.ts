import type { DomainEvent } from '../../bus/events.ts';
import type { Db } from '../../store/db.ts';
import type { Priority } from './config.ts';

export type { Priority };

/**
 * What other capabilities get to send events to the cloud. Call `enqueue(tx, …)` inside the same
 * `db.transaction(async (tx) => …)` as the state change that produced the events: they commit or roll back
 * together, so an acknowledged state change is never lost on its way to the cloud.
 *
 * - ids must be stable (the cloud de-duplicates on them); an id already in the outbox is ignored.
 * - events of one `source` get a per-source sequence (`sequence` CloudEvents extension) in enqueue order.
 * - `priority` defaults to the class of the first matching `cloud.routes` entry, else `normal`.
 * - with no forwarder configured, enqueue is a no-op.
 */
export interface Outbox {
  enqueue(tx: Db, events: DomainEvent[], opts?: { priority?: Priority }): Promise<{ enqueued: number }>;
  /** true when `cloud.routes` sends this event type to the cloud and a forwarder is configured */
  routed(type: string): boolean;
}

export const PRIORITIES: Priority[] = ['critical', 'normal', 'bulk'];
/** class → rank stored in the table; a lower rank drains first and is dropped last */
export const RANK: Record<Priority, number> = { critical: 0, normal: 1, bulk: 2 };
