import type { Db } from '../../store/db.ts';
import { PRIORITIES, type Priority, requeueDeadLetters } from '../../store/outbox.ts';

export interface OutboxItem {
  seq: number;
  rank: number;
  id: string;
  type: string;
  source: string;
  body: string;
}

const CHUNK = 400;
const q = (n: number) => Array.from({ length: n }, () => '?').join(',');
const chunks = <T>(a: T[], n = CHUNK) => Array.from({ length: Math.ceil(a.length / n) }, (_, i) => a.slice(i * n, (i + 1) * n));
const classOf = (rank: number): Priority => PRIORITIES[rank] ?? 'bulk';
export type ByClass = Record<Priority, number>;
export const zeroByClass = (): ByClass => ({ critical: 0, normal: 0, bulk: 0 });

/**
 * The next batch for one forwarder: every pending critical event first (oldest first), then the rest of the
 * batch shared between normal and bulk by weight, each oldest first, so a bulk telemetry backlog never
 * starves live sessions and vice versa. Within a class the order is enqueue order, which keeps each source's
 * sequence. Read inside a transaction so it never sees another service's uncommitted enqueue.
 * `after` lets the forwarder read the next batch while the previous one is still on the wire.
 */
export async function nextBatch(
  db: Db,
  forwarder: string,
  size: number,
  shares: { normal: number; bulk: number },
  /** per rank, the highest seq already taken (in flight): the batch starts after it */
  after: number[] = [0, 0, 0],
): Promise<OutboxItem[]> {
  return db.transaction(async (tx) => {
    const pick = (rank: number, limit: number, from = after[rank] ?? 0) =>
      limit <= 0
        ? Promise.resolve([] as OutboxItem[])
        : tx.all<OutboxItem>(
            `SELECT e.seq, e.rank, e.id, e.type, e.source, e.body FROM outbox_pending p JOIN outbox_events e ON e.seq = p.seq
             WHERE p.forwarder = ? AND p.rank = ? AND p.seq > ? ORDER BY p.seq LIMIT ?`,
            [forwarder, rank, from, limit],
          );
    const critical = await pick(0, size);
    const rest = size - critical.length;
    if (rest <= 0) return critical;
    const total = shares.normal + shares.bulk;
    const normalShare = total > 0 ? Math.max(1, Math.round((rest * shares.normal) / total)) : rest;
    const normal = await pick(1, normalShare);
    const bulk = await pick(2, rest - normal.length);
    // bulk had less than its share: normal takes the rest
    const lastNormal = normal.at(-1)?.seq;
    if (normal.length === normalShare && lastNormal !== undefined) normal.push(...(await pick(1, rest - normal.length - bulk.length, lastNormal)));
    return [...critical, ...normal, ...bulk].sort((x, y) => x.seq - y.seq);
  });
}

/** A forwarder no longer owes these; events nobody owes any more are deleted. */
export async function ack(tx: Db, forwarder: string, items: Pick<OutboxItem, 'seq' | 'rank'>[]) {
  for (const part of chunks(items)) {
    await tx.run(`DELETE FROM outbox_pending WHERE forwarder = ? AND (rank, seq) IN (VALUES ${part.map(() => '(?,?)').join(',')})`, [
      forwarder,
      ...part.flatMap((i) => [i.rank, i.seq]),
    ]);
    const seqs = part.map((i) => i.seq);
    await tx.run(
      `DELETE FROM outbox_events WHERE seq IN (${q(seqs.length)}) AND NOT EXISTS (SELECT 1 FROM outbox_pending p WHERE p.seq = outbox_events.seq)`,
      seqs,
    );
  }
}

export async function deadLetter(tx: Db, forwarder: string, items: OutboxItem[], reason: string, now: number) {
  for (const part of chunks(items)) {
    const seqs = part.map((i) => i.seq);
    await tx.run(
      `INSERT OR REPLACE INTO outbox_dead_letters (forwarder, seq, id, type, source, rank, source_seq, created_at, expires_at, body, reason, failed_at)
       SELECT ?, seq, id, type, source, rank, source_seq, created_at, expires_at, body, ?, ? FROM outbox_events WHERE seq IN (${q(seqs.length)})`,
      [forwarder, reason.slice(0, 500), now, ...seqs],
    );
  }
  await ack(tx, forwarder, items);
}

export interface DeadLetter {
  forwarder: string;
  id: string;
  type: string;
  source: string;
  reason: string;
  failedAt: string;
}

export async function listDeadLetters(db: Db, limit: number): Promise<{ total: number; items: DeadLetter[] }> {
  const total = (await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM outbox_dead_letters'))?.n ?? 0;
  const rows = await db.all<{ forwarder: string; id: string; type: string; source: string; reason: string; failed_at: number }>(
    'SELECT forwarder, id, type, source, reason, failed_at FROM outbox_dead_letters ORDER BY failed_at DESC, seq DESC LIMIT ?',
    [limit],
  );
  return {
    total,
    items: rows.map((r) => ({
      forwarder: r.forwarder,
      id: r.id,
      type: r.type,
      source: r.source,
      reason: r.reason,
      failedAt: new Date(r.failed_at).toISOString(),
    })),
  };
}

/** Puts dead letters back in the outbox (same id, same sequence) for their forwarder, in a transaction of its own. */
export async function retryDeadLetters(db: Db, filter: { forwarder?: string; ids?: string[] }): Promise<number> {
  return db.transaction((tx) => requeueDeadLetters(tx, filter));
}

async function deleteEvents(tx: Db, seqs: number[]) {
  for (const part of chunks(seqs)) {
    await tx.run(`DELETE FROM outbox_pending WHERE seq IN (${q(part.length)})`, part);
    await tx.run(`DELETE FROM outbox_events WHERE seq IN (${q(part.length)})`, part);
  }
}

/**
 * Deletes expired events, counted by class. Within a class the TTL is constant, so expired events are a
 * prefix of the class in enqueue order: walk it from the oldest and stop at the first live one.
 */
export async function expire(db: Db, now: number): Promise<ByClass> {
  const dropped = zeroByClass();
  await db.transaction(async (tx) => {
    for (let rank = 0; rank < PRIORITIES.length; rank++) {
      for (;;) {
        const rows = await tx.all<{ seq: number; expires_at: number }>('SELECT seq, expires_at FROM outbox_events WHERE rank = ? ORDER BY seq LIMIT 1000', [
          rank,
        ]);
        const gone = rows.filter((r) => r.expires_at <= now).map((r) => r.seq);
        if (gone.length) await deleteEvents(tx, gone);
        dropped[classOf(rank)] += gone.length;
        if (gone.length < rows.length || rows.length < 1000) break;
      }
    }
  });
  return dropped;
}

export interface Totals {
  events: number;
  bytes: number;
  byClass: Record<Priority, { events: number; bytes: number; oldestAt: number | null }>;
}

export async function totals(db: Db): Promise<Totals> {
  const rows = await db.all<{ rank: number; events: number; bytes: number; oldest: number | null }>(
    `SELECT t.rank, t.events, t.bytes, (SELECT created_at FROM outbox_events e WHERE e.rank = t.rank ORDER BY e.seq LIMIT 1) AS oldest
     FROM outbox_totals t`,
  );
  const t: Totals = {
    events: 0,
    bytes: 0,
    byClass: {
      critical: { events: 0, bytes: 0, oldestAt: null },
      normal: { events: 0, bytes: 0, oldestAt: null },
      bulk: { events: 0, bytes: 0, oldestAt: null },
    },
  };
  for (const r of rows) {
    t.byClass[classOf(r.rank)] = { events: r.events, bytes: r.bytes, oldestAt: r.oldest };
    t.events += r.events;
    t.bytes += r.bytes;
  }
  return t;
}

/**
 * Over budget: drop bulk, then normal, oldest first, until under both limits. Critical is never dropped;
 * if critical alone is over, the outbox stays over budget (and says so).
 */
export async function enforceBudget(db: Db, budget: { maxBytes: number; maxEvents: number }): Promise<{ dropped: ByClass; after: Totals }> {
  const dropped = zeroByClass();
  const after = await db.transaction(async (tx) => {
    const t = await totals(tx);
    let events = t.events;
    let bytes = t.bytes;
    const over = () => (budget.maxEvents > 0 && events > budget.maxEvents) || (budget.maxBytes > 0 && bytes > budget.maxBytes);
    for (const rank of [2, 1]) {
      while (over()) {
        const rows = await tx.all<{ seq: number; bytes: number }>('SELECT seq, bytes FROM outbox_events WHERE rank = ? ORDER BY seq LIMIT 2000', [rank]);
        if (!rows.length) break;
        const gone: number[] = [];
        for (const r of rows) {
          if (!over()) break;
          gone.push(r.seq);
          events -= 1;
          bytes -= r.bytes;
        }
        await deleteEvents(tx, gone);
        dropped[classOf(rank)] += gone.length;
      }
    }
    return totals(tx);
  });
  return { dropped, after };
}

export async function pendingByForwarder(db: Db): Promise<Map<string, number>> {
  const rows = await db.all<{ forwarder: string; events: number }>('SELECT forwarder, events FROM outbox_pending_totals');
  return new Map(rows.map((r) => [r.forwarder, r.events]));
}
