import type { DomainEvent } from '../../bus/events.ts';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../store/db.ts';
import type { UnitOfWork, Work } from '../../store/unit-of-work.ts';
import type { Outcome } from './handlers.ts';
import type { Verified } from './trust.ts';

export type Submitted = 'applied' | 'refused' | 'duplicate' | 'held';

interface Stream {
  /** the last sequence committed */
  committed: number;
  /** the sequence the next message must have (ahead of `committed` while units are queued) */
  next: number;
  /** messages ahead of a gap, until it is filled */
  held: Map<number, Verified>;
  /** rows may be left in downlink_held (restored at start, or a hold whose unit is in flight) */
  stored?: boolean;
  lastResync?: { from: number; at: number };
  /** when the last message was applied (ms), for the dashboard's age per stream */
  appliedAt?: number;
}

/**
 * Exactly once and in order, per stream. A message is applied when its sequence follows the last one: its effect
 * and the new position commit in one unit of work, so a crash leaves either both or neither, and a redelivered
 * message is a duplicate by its sequence. A message ahead of a gap is held (bounded) and a resync is asked for; a
 * `stream.reset` moves the position forward to its own sequence (the cloud's answer when it cannot resend).
 * A held message is stored (`downlink_held`) before `submit` resolves, i.e. before the broker gets its PUBACK: once
 * acknowledged it survives a crash, and the unit that applies it deletes its row. Beyond `holdMax` a message is not
 * kept (the resync asks the cloud for everything from the gap on, so it comes again).
 * The handler runs in a savepoint of its own: if it throws, its SQL and events are dropped, the message counts as
 * refused (`failed`) and the position still moves, so one bad message cannot wedge a stream.
 */
export function createSequencer(o: {
  db: Db;
  work: UnitOfWork;
  clock: Clock;
  holdMax: number;
  resyncAfterMs: number;
  apply: (w: Work, v: Verified) => Promise<Outcome>;
  /** inside the unit, after apply: audit, upstream refusal */
  record: (w: Work, v: Verified, outcome: Outcome) => Promise<void>;
  resync: (stream: string, from: number, received: number) => void;
  /** a message applied in a transaction of its own (unit-of-work.ts `alone`): big ones, so short units do not wait */
  alone?: (v: Verified) => boolean;
}) {
  const streams = new Map<string, Stream>();
  const state = (name: string) => {
    let s = streams.get(name);
    if (!s) {
      s = { committed: 0, next: 1, held: new Map() };
      streams.set(name, s);
    }
    return s;
  };

  function askResync(name: string, s: Stream, received: number) {
    const now = o.clock.now();
    const from = s.committed + 1;
    if (s.lastResync && s.lastResync.from === from && now - s.lastResync.at < o.resyncAfterMs) return;
    s.lastResync = { from, at: now };
    o.resync(name, from, received);
  }

  async function applyOne(name: string, s: Stream, v: Verified): Promise<Submitted> {
    const seq = v.event.sequence;
    const reset = v.event.type.replace(/^storegate\./, '') === 'stream.reset';
    s.next = seq + 1;
    let result: { skipped: number } | { outcome: Outcome };
    try {
      result = await o.work.run(
        async (w) => {
          const row = await w.tx.get<{ position: number }>('SELECT position FROM downlink_streams WHERE stream = ?', [name]);
          const pos = row?.position ?? 0;
          if (reset ? pos >= seq : pos !== seq - 1) return { skipped: pos };
          const events: Array<[DomainEvent, Parameters<Work['emit']>[1]]> = [];
          const afters: Array<() => void> = [];
          const inner: Work = { tx: w.tx, emit: (e, opts) => void events.push([e, opts]), after: (fn) => void afters.push(fn) };
          let outcome: Outcome;
          await w.tx.exec('SAVEPOINT downlink_apply');
          try {
            outcome = await o.apply(inner, v);
            await w.tx.exec('RELEASE downlink_apply');
            for (const [e, opts] of events) w.emit(e, opts);
            for (const fn of afters) w.after(fn);
          } catch (err) {
            await w.tx.exec('ROLLBACK TO downlink_apply; RELEASE downlink_apply');
            outcome = { outcome: 'refused', reason: 'failed', errors: [(err as Error).message], audit: true };
          }
          await o.record(w, v, outcome);
          if (s.held.size || s.stored) await w.tx.run('DELETE FROM downlink_held WHERE stream = ? AND sequence <= ?', [name, seq]);
          await w.tx.run(
            'INSERT INTO downlink_streams (stream, position, updated_at) VALUES (?, ?, ?) ON CONFLICT(stream) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at',
            [name, seq, o.clock.now()],
          );
          w.after(() => {
            s.committed = Math.max(s.committed, seq);
            s.appliedAt = o.clock.now();
            if (s.held.size === 0) s.stored = false;
          });
          return { outcome };
        },
        { alone: o.alone?.(v) ?? false },
      );
    } catch (err) {
      // not committed: what was queued behind it comes again (MQTT redelivery, the next pull)
      s.next = s.committed + 1;
      throw err;
    }
    if ('skipped' in result) {
      s.committed = Math.max(s.committed, result.skipped);
      s.next = s.committed + 1;
      if (result.skipped >= seq) return 'duplicate';
      throw new Error(`stream ${name}: position ${result.skipped} in the store, message ${seq} is not next`);
    }
    return result.outcome.outcome;
  }

  async function drainHeld(name: string, s: Stream) {
    for (let v = s.held.get(s.next); v; v = s.held.get(s.next)) {
      s.held.delete(v.event.sequence);
      await applyOne(name, s, v);
    }
    for (const seq of s.held.keys()) if (seq < s.next) s.held.delete(seq);
  }

  return {
    async restore() {
      for (const r of await o.db.all<{ stream: string; position: number; updated_at: number }>('SELECT stream, position, updated_at FROM downlink_streams')) {
        const s = state(r.stream);
        s.committed = r.position;
        s.appliedAt = r.updated_at;
        s.next = r.position + 1;
      }
      // held before a restart: acknowledged then, so they are ours to apply once the gap fills
      const rows = await o.db.all<{ stream: string; sequence: number; key_id: string; event: string }>(
        'SELECT stream, sequence, key_id, event FROM downlink_held ORDER BY stream, sequence',
      );
      for (const r of rows) {
        const s = state(r.stream);
        s.stored = true;
        if (r.sequence < s.next) continue;
        const event = JSON.parse(r.event) as Verified['event'];
        s.held.set(r.sequence, { ok: true, event, keyId: r.key_id, bytes: r.event.length });
      }
      // a crash between applying the gap's filler and the held message behind it
      for (const [name, s] of streams) if (s.held.has(s.next)) await drainHeld(name, s);
    },

    /** Resolves when the message is committed (or known to be a duplicate, or held); rejects when not stored. */
    async submit(v: Verified): Promise<Submitted> {
      const name = v.event.stream;
      const s = state(name);
      const seq = v.event.sequence;
      const reset = v.event.type.replace(/^storegate\./, '') === 'stream.reset';
      if (seq < s.next) return 'duplicate';
      if (seq > s.next && !reset) {
        if (!s.held.has(seq) && s.held.size < o.holdMax) {
          s.held.set(seq, v);
          s.stored = true;
          try {
            await o.work.run((w) =>
              w.tx.run('INSERT OR IGNORE INTO downlink_held (stream, sequence, key_id, event, received_at) VALUES (?, ?, ?, ?, ?)', [
                name,
                seq,
                v.keyId,
                JSON.stringify(v.event),
                o.clock.now(),
              ]),
            );
          } catch (err) {
            s.held.delete(seq);
            throw err;
          }
        }
        askResync(name, s, seq);
        return 'held';
      }
      const r = await applyOne(name, s, v);
      if (s.held.size) await drainHeld(name, s);
      return r;
    },

    /** a gap that is still open asks again (called on a timer) */
    tick() {
      for (const [name, s] of streams) {
        if (!s.held.size) continue;
        const first = Math.min(...s.held.keys());
        askResync(name, s, first);
      }
    },

    status: () =>
      [...streams].map(([stream, s]) => ({
        stream,
        position: s.committed,
        held: s.held.size,
        appliedAt: s.appliedAt === undefined ? null : new Date(s.appliedAt).toISOString(),
        ...(s.lastResync ? { lastResync: { from: s.lastResync.from, at: new Date(s.lastResync.at).toISOString() } } : {}),
      })),
    position: (stream: string) => streams.get(stream)?.committed ?? 0,
  };
}
export type Sequencer = ReturnType<typeof createSequencer>;
