import type { DomainEvent } from '../../bus/events.ts';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../store/db.ts';
import { type Outbox, type Priority, RANK } from './api.ts';

const CHUNK = 200;
const q = (n: number) => Array.from({ length: n }, () => '?').join(',');
/** CloudEvents `sequence` must be lexicographically orderable: zero-padded decimal. */
export const sequenceString = (n: number) => String(n).padStart(16, '0');

export interface EnqueueOptions {
  forwarders: () => string[];
  ttlMs: Record<Priority, number>;
  classify: (type: string) => Priority | undefined;
  clock: Clock;
  /** after the rows are written (the caller's transaction may still roll back) */
  onEnqueued: (events: number, bytes: number) => void;
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

export function createEnqueue(o: EnqueueOptions): Outbox {
  return {
    routed: (type) => o.forwarders().length > 0 && o.classify(type) !== undefined,
    async enqueue(tx: Db, events: DomainEvent[], opts = {}) {
      const forwarders = o.forwarders();
      if (!forwarders.length || !events.length) return { enqueued: 0 };
      const unique = [...new Map(events.map((e) => [e.id, e])).values()];
      const existing = new Set<string>();
      for (let i = 0; i < unique.length; i += CHUNK) {
        const ids = unique.slice(i, i + CHUNK).map((e) => e.id);
        for (const r of await tx.all<{ id: string }>(`SELECT id FROM outbox_events WHERE id IN (${q(ids.length)})`, ids)) existing.add(r.id);
      }
      const fresh = unique.filter((e) => !existing.has(e.id));
      if (!fresh.length) return { enqueued: 0 };

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
          const priority = opts.priority ?? o.classify(e.type) ?? 'normal';
          const seq = nextSeq.get(e.source) ?? 1;
          nextSeq.set(e.source, seq + 1);
          const body = cloudEventBody(e, seq, priority);
          const size = Buffer.byteLength(body);
          bytes += size;
          const ttl = o.ttlMs[priority];
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
      o.onEnqueued(fresh.length, bytes);
      return { enqueued: fresh.length };
    },
  };
}
