import type { DomainEvent } from '../bus/events.ts';
import type { Clock } from '../clock.ts';
import type { Db } from './db.ts';

/**
 * The store side of the cloud outbox: which events go to the cloud, and the rows that queue them. It is core
 * (created before any capability) so that every state change can enqueue its cloud-bound events in its own
 * transaction through the unit of work; the forwarders that drain the rows are the outbox service.
 */

export type Priority = 'critical' | 'normal' | 'bulk';
export const PRIORITIES: Priority[] = ['critical', 'normal', 'bulk'];
/** class → rank stored in the table; a lower rank drains first and is dropped last */
export const RANK: Record<Priority, number> = { critical: 0, normal: 1, bulk: 2 };

/** An event type (exact, or a prefix ending in `*`) that goes to the cloud, with its class. */
export interface Route {
  match: string;
  priority: Priority;
}

export interface OutboxStoreOptions {
  /** `cloud.routes`, then the routes capabilities require; the first match wins */
  routes: readonly Route[];
  /** the configured forwarders' names; with none, nothing is queued */
  forwarders: readonly string[];
  /** per class; 0 = never expires */
  ttlSeconds: Record<Priority, number>;
  clock: Clock;
}

export interface EnqueueOptions {
  /** overrides the route's class */
  priority?: Priority;
}

/**
 * - ids must be stable (the cloud de-duplicates on them); an id already queued is ignored, so a replayed fact
 *   (a stable id made again after a crash) is queued once and does not use up a sequence number.
 * - events of one `source` get a per-source sequence (`sequence` CloudEvents extension) in enqueue order.
 */
export interface OutboxStore {
  /** the class of an event type when it goes to the cloud, else undefined (also undefined without forwarders) */
  route(type: string): Priority | undefined;
  /**
   * Event types a capability always sends to the cloud, whatever `cloud.routes` says (e.g. the fitting room's
   * session summaries); checked after `cloud.routes`. Called while capabilities are built.
   */
  require(routes: readonly Route[]): void;
  /**
   * `cloud.routes` changed by a signed config patch: events emitted from now on are classified by the new routes (then
   * the required ones, as before); events already queued keep their class.
   */
  setRoutes(routes: readonly Route[]): void;
  enqueue(tx: Db, events: DomainEvent[], opts?: EnqueueOptions): Promise<{ enqueued: number; bytes: number }>;
  /** called after every enqueue's COMMIT with how many events and bytes were queued (the forwarders wake on it) */
  onCommitted(listener: (events: number, bytes: number) => void): void;
  /** for the unit of work: run the committed listeners */
  committed(events: number, bytes: number): void;
  readonly forwarders: readonly string[];
}

const CHUNK = 200;
const q = (n: number) => Array.from({ length: n }, () => '?').join(',');
/** CloudEvents `sequence` must be lexicographically orderable: zero-padded decimal. */
export const sequenceString = (n: number) => String(n).padStart(16, '0');

/** `locker.*` is a prefix match, anything else exact; the first matching route wins. */
export function classifier(routes: readonly Route[]) {
  return (type: string): Priority | undefined =>
    routes.find((r) => (r.match.endsWith('*') ? type.startsWith(r.match.slice(0, -1)) : type === r.match))?.priority;
}

/** The CloudEvents 1.0 JSON sent to the cloud, built once at enqueue so retries send identical bytes. */
export function cloudEventBody(e: DomainEvent, sequence: number, priority: Priority): string {
  return JSON.stringify({
    specversion: '1.0',
    id: e.id,
    source: e.source,
    type: e.type.startsWith('storegate.') ? e.type : `storegate.${e.type}`,
    time: e.time,
    ...(e.subject ? { subject: e.subject } : {}),
    datacontenttype: 'application/json',
    sequence: sequenceString(sequence),
    priority,
    data: e.data,
  });
}

export function createOutboxStore(o: OutboxStoreOptions): OutboxStore {
  // the configured routes first, then the required ones: the classifier reads this array at each call
  const routes = [...o.routes];
  let configured = o.routes.length;
  const classify = classifier(routes);
  const forwarders = [...o.forwarders];
  const listeners: Array<(events: number, bytes: number) => void> = [];
  const ttlMs = (p: Priority) => o.ttlSeconds[p] * 1000;

  return {
    forwarders,
    route: (type) => (forwarders.length ? classify(type) : undefined),
    require: (r) => void routes.push(...r),
    setRoutes(r) {
      routes.splice(0, configured, ...r);
      configured = r.length;
    },
    onCommitted: (l) => void listeners.push(l),
    committed(events, bytes) {
      for (const l of listeners) l(events, bytes);
    },

    async enqueue(tx, events, opts = {}) {
      if (!forwarders.length || !events.length) return { enqueued: 0, bytes: 0 };
      const unique = [...new Map(events.map((e) => [e.id, e])).values()];
      const existing = new Set<string>();
      for (let i = 0; i < unique.length; i += CHUNK) {
        const ids = unique.slice(i, i + CHUNK).map((e) => e.id);
        for (const r of await tx.all<{ id: string }>(`SELECT id FROM outbox_events WHERE id IN (${q(ids.length)})`, ids)) existing.add(r.id);
      }
      const fresh = unique.filter((e) => !existing.has(e.id));
      if (!fresh.length) return { enqueued: 0, bytes: 0 };

      // one sequence range per source, reserved in this transaction
      const perSource = new Map<string, number>();
      for (const e of fresh) perSource.set(e.source, (perSource.get(e.source) ?? 0) + 1);
      const nextSeq = new Map<string, number>();
      const sources = [...perSource];
      for (let i = 0; i < sources.length; i += CHUNK) {
        const part = sources.slice(i, i + CHUNK);
        const rows = await tx.all<{ source: string; seq: number }>(
          `INSERT INTO outbox_sources (source, seq) VALUES ${q(part.length).replaceAll('?', '(?,?)')}
           ON CONFLICT(source) DO UPDATE SET seq = seq + excluded.seq RETURNING source, seq`,
          part.flat(),
        );
        for (const r of rows) nextSeq.set(r.source, r.seq - (perSource.get(r.source) ?? 0) + 1);
      }

      const now = o.clock.now();
      let bytes = 0;
      for (let i = 0; i < fresh.length; i += CHUNK) {
        const chunk = fresh.slice(i, i + CHUNK);
        const params: unknown[] = [];
        for (const e of chunk) {
          const priority = opts.priority ?? classify(e.type) ?? 'normal';
          const seq = nextSeq.get(e.source) ?? 1;
          nextSeq.set(e.source, seq + 1);
          const body = cloudEventBody(e, seq, priority);
          const size = Buffer.byteLength(body);
          bytes += size;
          const ttl = ttlMs(priority);
          params.push(e.id, e.source, seq, e.type, RANK[priority], now, ttl > 0 ? now + ttl : Number.MAX_SAFE_INTEGER, size, body);
        }
        const rows = await tx.all<{ seq: number; rank: number }>(
          `INSERT OR IGNORE INTO outbox_events (id, source, source_seq, type, rank, created_at, expires_at, bytes, body)
           VALUES ${chunk.map(() => '(?,?,?,?,?,?,?,?,?)').join(',')} RETURNING seq, rank`,
          params,
        );
        const pending: unknown[] = [];
        for (const f of forwarders) for (const r of rows) pending.push(f, r.rank, r.seq);
        for (let j = 0; j < pending.length; j += CHUNK * 3) {
          const part = pending.slice(j, j + CHUNK * 3);
          await tx.run(`INSERT OR IGNORE INTO outbox_pending (forwarder, rank, seq) VALUES ${q(part.length / 3).replaceAll('?', '(?,?,?)')}`, part);
        }
      }
      return { enqueued: fresh.length, bytes };
    },
  };
}

/**
 * Deletes queued events (and what each forwarder still owes of them) matching a condition on `outbox_events`,
 * inside the caller's transaction: how privacy erasure removes a shopper's queued events.
 */
export async function deleteQueued(tx: Db, where: string, params: unknown[]): Promise<number> {
  await tx.run(`DELETE FROM outbox_pending WHERE seq IN (SELECT seq FROM outbox_events WHERE ${where})`, params);
  return (await tx.run(`DELETE FROM outbox_events WHERE ${where}`, params)).changes;
}

/**
 * Puts dead letters back in the queue (all, one forwarder's, or by id) inside the caller's transaction: how a signed
 * remote "replay dead letters" commits with the downlink's position. Returns how many.
 */
export async function requeueDeadLetters(tx: Db, filter: { forwarder?: string | undefined; ids?: string[] | undefined }): Promise<number> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.forwarder) {
    where.push('forwarder = ?');
    params.push(filter.forwarder);
  }
  if (filter.ids?.length) {
    where.push(`id IN (${q(filter.ids.length)})`);
    params.push(...filter.ids);
  }
  const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
  await tx.run(
    `INSERT OR IGNORE INTO outbox_events (seq, id, source, source_seq, type, rank, created_at, expires_at, bytes, body)
     SELECT seq, id, source, source_seq, type, rank, created_at, expires_at, length(CAST(body AS BLOB)), body FROM outbox_dead_letters ${cond}`,
    params,
  );
  await tx.run(`INSERT OR IGNORE INTO outbox_pending (forwarder, rank, seq) SELECT forwarder, rank, seq FROM outbox_dead_letters ${cond}`, params);
  return (await tx.run(`DELETE FROM outbox_dead_letters ${cond}`, params)).changes;
}
