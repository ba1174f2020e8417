import type { Bus } from '../bus/bus.ts';
import type { DomainEvent, EventOf, EventType } from '../bus/events.ts';
import { dataJson } from '../bus/json.ts';
import type { Logger } from '../log.ts';
import { counter, histogram, type Registry } from '../metrics.ts';
import type { Db } from './db.ts';
import type { OutboxStore, Priority } from './outbox.ts';

/** A device message as ingest persists it (one row of `device_events`). */
export interface DeviceEventRow {
  event: DomainEvent;
  deviceId: string;
  kind: string;
  channel: string;
}

/** What a unit of work sees: its transaction, and the effects released only after COMMIT. */
export interface Work {
  readonly tx: Db;
  /** Goes on the bus after COMMIT, and into the outbox in this transaction when `cloud.routes` sends it to the cloud. */
  emit(event: DomainEvent, opts?: { priority?: Priority }): void;
  /** Runs after COMMIT, in order, before the events are emitted (device commands, timers, metrics); never on rollback. */
  after(fn: () => void): void;
}

export type DurableHandler<T extends EventType> = (w: Work, event: EventOf<T>) => Promise<void>;

/** A row that cannot be serialised fails only its own write. */
type ReadyRow = DeviceEventRow & { json: string };
type Settle = { resolve: (v: unknown) => void; reject: (err: unknown) => void };
type Item = ({ kind: 'rows'; rows: ReadyRow[] } | { kind: 'unit'; fn: (w: Work) => Promise<unknown>; alone?: boolean }) & Settle;
interface Done {
  item: Item & { kind: 'unit' };
  ok: boolean;
  value?: unknown;
  err?: unknown;
  events: DomainEvent[];
  afters: Array<() => void>;
}

/**
 * The one write path of the gateway. Every durable change goes through here: device events from ingest
 * (`record`) and every capability's state change (`run`), with the cloud-bound events they produce and the bus
 * events and device commands to release after COMMIT.
 *
 * Group commit: while one transaction is in flight, new work queues; the next transaction takes all of it.
 * Device events go in as multi-row INSERTs (the `sqlite3` package pays per call, not per row; see MEASURED.md),
 * each unit runs in its own SAVEPOINT (a failing unit rolls back alone and rejects its caller), and the routed
 * events of the whole batch are enqueued in the outbox in the same transaction. Units run one at a time in the
 * order they were queued, so a unit's decision reads committed-or-own state: no capability needs a queue of its own.
 * The one exception is a unit marked `alone` (background work such as a 500-change stock message): ordinary units
 * queued after it may commit first (see nextBatch), so a shopper's tap does not wait behind a bulk stream.
 *
 * A unit must do only SQL on `w.tx` (no other await, no `db.run` outside it: the connection is held).
 *
 * Durable handoffs: `durable(consumer, type, handler)` makes the delivery of an event type to one consumer
 * survive a crash: the event is recorded for the consumer in the transaction that emits it, and the consumer's
 * handler runs as a unit that deletes that record when it commits. What is left at a restart runs in `resume()`.
 */
export function createUnitOfWork(deps: { db: Db; bus: Bus; outbox: OutboxStore; log: Logger; metrics: Registry; maxRows: number }) {
  const { db, bus, outbox, maxRows } = deps;
  const log = deps.log.child({ module: 'unit-of-work' });
  const persisted = counter(deps.metrics, 'storegate_store_events_persisted_total', 'Device events written to SQLite');
  const batchSize = histogram(deps.metrics, 'storegate_store_batch_rows', 'Rows per device-event write', [], [1, 5, 20, 50, 100, 250, 500, 1000]);
  const failedUnits = counter(deps.metrics, 'storegate_store_units_failed_total', 'Units of work rolled back');
  const durable = new Map<string, Array<{ consumer: string; handler: DurableHandler<EventType> }>>();
  let queue: Item[] = [];
  let running: Promise<void> | null = null;

  const insertRows = (target: Pick<Db, 'runPrepared'>, chunk: ReadyRow[]) => {
    const size = rowsClass(chunk.length);
    const params: unknown[] = [];
    for (const r of chunk) params.push(r.event.id, r.deviceId, r.kind, r.channel, r.event.type, r.event.time, r.json);
    // pad to the statement's size with copies of the last row: INSERT OR IGNORE stores it once
    for (let i = chunk.length; i < size; i++) params.push(...params.slice((chunk.length - 1) * 7, chunk.length * 7));
    return target.runPrepared(insertSql(size), params);
  };

  /** Routed events in runs of one class, in order, so each source's sequence follows emit order. */
  async function enqueueRouted(tx: Db, events: Array<{ e: DomainEvent; priority: Priority }>) {
    let bytes = 0;
    let n = 0;
    for (let i = 0; i < events.length; ) {
      const p = events[i]?.priority as Priority;
      let j = i;
      while (j < events.length && events[j]?.priority === p) j++;
      const r = await outbox.enqueue(
        tx,
        events.slice(i, j).map((x) => x.e),
        { priority: p },
      );
      n += r.enqueued;
      bytes += r.bytes;
      i = j;
    }
    return { events: n, bytes };
  }

  async function commit(batch: Item[]) {
    const rows: ReadyRow[] = [];
    const units: Array<Item & { kind: 'unit' }> = [];
    for (const item of batch) {
      if (item.kind === 'rows') rows.push(...item.rows);
      else units.push(item);
    }
    const routed: Array<{ e: DomainEvent; priority: Priority }> = [];
    for (const r of rows) {
      const priority = outbox.route(r.event.type);
      if (priority) routed.push({ e: r.event, priority });
    }
    const done: Done[] = [];
    const deliveries: Array<{ consumer: string; event: DomainEvent }> = [];
    let queued = { events: 0, bytes: 0 };
    try {
      if (units.length === 0 && routed.length === 0 && rows.length <= maxRows) {
        // one statement is atomic on its own: one round trip instead of BEGIN + INSERT + COMMIT
        await insertRows(db, rows);
      } else {
        await db.transaction(async (tx) => {
          for (let i = 0; i < rows.length; i += maxRows) await insertRows(tx, rows.slice(i, i + maxRows));
          // with other work in the same transaction, each unit gets a savepoint so it fails alone
          const savepoints = units.length > 1 || rows.length > 0;
          for (const item of units) {
            const events: DomainEvent[] = [];
            const afters: Array<() => void> = [];
            const w: Work = {
              tx,
              emit(e, opts) {
                events.push(e);
                const priority = opts?.priority ?? outbox.route(e.type);
                if (priority && outbox.forwarders.length) routed.push({ e, priority });
                for (const d of durable.get(e.type) ?? []) deliveries.push({ consumer: d.consumer, event: e });
              },
              after: (fn) => void afters.push(fn),
            };
            const mark = { routed: routed.length, deliveries: deliveries.length };
            if (savepoints) await tx.exec('SAVEPOINT unit');
            try {
              const value = await item.fn(w);
              if (savepoints) await tx.exec('RELEASE unit');
              done.push({ item, ok: true, value, events, afters });
            } catch (err) {
              if (!savepoints) throw err;
              await tx.exec('ROLLBACK TO unit; RELEASE unit');
              routed.length = mark.routed;
              deliveries.length = mark.deliveries;
              done.push({ item, ok: false, err, events: [], afters: [] });
            }
          }
          if (routed.length) queued = await enqueueRouted(tx, routed);
          for (const d of deliveries)
            await tx.run('INSERT OR IGNORE INTO durable_deliveries (consumer, event_id, type, event) VALUES (?, ?, ?, ?)', [
              d.consumer,
              d.event.id,
              d.event.type,
              JSON.stringify(d.event),
            ]);
        });
      }
    } catch (err) {
      if (rows.length) log.error({ err, rows: rows.length }, 'device event write failed');
      failedUnits.inc(units.length);
      for (const item of batch) item.reject(err);
      return;
    }
    if (queued.events) outbox.committed(queued.events, queued.bytes);
    if (rows.length) {
      persisted.inc(rows.length);
      batchSize.observe(rows.length);
    }
    for (const item of batch) if (item.kind === 'rows') item.resolve(undefined);
    for (const d of done) {
      if (!d.ok) {
        failedUnits.inc();
        d.item.reject(d.err);
        continue;
      }
      for (const fn of d.afters) {
        try {
          fn();
        } catch (err) {
          log.error({ err }, 'after-commit effect failed');
        }
      }
      for (const e of d.events) bus.emit(e);
      d.item.resolve(d.value);
    }
    for (const d of deliveries) void deliver(d.consumer, d.event);
  }

  // Long units (`alone`: a big downlink message) are background work. Ordinary units queued after one go first, and
  // while ordinary work keeps arriving a long unit starts only after a pause as long as the previous one took, so
  // long units hold the write path at most about half the time and a shopper's tap waits for at most one of them.
  // With no ordinary work in the last FOREGROUND_MS they run back to back (an overnight recount at full speed).
  let foregroundAt = Number.NEGATIVE_INFINITY;
  let aloneMs = 0;
  let aloneEndedAt = Number.NEGATIVE_INFINITY;
  let lastWasAlone = false;
  let wake: ReturnType<typeof setTimeout> | null = null;
  /** flush() callers in progress: a flush commits long units without their pauses */
  let flushing = 0;

  const isAlone = (i: Item | undefined) => i?.kind === 'unit' && i.alone === true;

  /** the next transaction's items, or [] when only long units wait and their pause has not ended */
  function nextBatch(): Item[] {
    const first = queue.findIndex(isAlone);
    if (first < 0) {
      const all = queue;
      queue = [];
      return all;
    }
    // what was queued before the first long unit commits before it, as always
    if (first > 0) return queue.splice(0, first);
    const now = performance.now();
    const paused = flushing === 0 && now - foregroundAt < FOREGROUND_MS && now < aloneEndedAt + aloneMs;
    // ordinary units queued after it go first while it pauses, and once right after a long unit committed;
    // otherwise it goes next, so a steady stream of ordinary work cannot starve it
    if (queue.length > 1 && (paused || lastWasAlone)) {
      const ordinary = queue.filter((i) => !isAlone(i));
      if (ordinary.length) {
        queue = queue.filter(isAlone);
        return ordinary;
      }
    }
    if (paused) {
      if (!wake) {
        wake = setTimeout(
          () => {
            wake = null;
            drain();
          },
          Math.ceil(aloneEndedAt + aloneMs - now),
        );
      }
      return [];
    }
    return queue.splice(first, 1);
  }

  function drain() {
    if (running || queue.length === 0) return;
    const batch = nextBatch();
    if (batch.length === 0) return;
    const alone = batch.length === 1 && isAlone(batch[0]);
    const t0 = performance.now();
    running = commit(batch).finally(() => {
      running = null;
      lastWasAlone = alone;
      if (alone) {
        aloneEndedAt = performance.now();
        aloneMs = aloneEndedAt - t0;
      }
      // under load, one turn of the event loop first: the sockets' pending publishes join the next batch
      // (the index pages a commit dirties are per device, not per row, so bigger batches cost less per event)
      if (batch.length >= 8) setImmediate(drain);
      else drain();
    });
  }

  /**
   * `alone`: a long unit (a big downlink stock message): a transaction of its own, and background work: ordinary
   * units queued after it may commit before it, and while they keep arriving long units leave pauses (see above).
   */
  function run<T>(fn: (w: Work) => Promise<T>, opts: { alone?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!opts.alone) foregroundAt = performance.now();
      queue.push({ kind: 'unit', fn, ...(opts.alone ? { alone: true } : {}), resolve: resolve as (v: unknown) => void, reject });
      drain();
    });
  }

  /** One durable delivery: the consumer's handler and the removal of its record commit together. */
  function deliver(consumer: string, event: DomainEvent) {
    const d = durable.get(event.type)?.find((x) => x.consumer === consumer);
    if (!d) return Promise.resolve();
    return run(async (w) => {
      await d.handler(w, event as EventOf<EventType>);
      await w.tx.run('DELETE FROM durable_deliveries WHERE consumer = ? AND event_id = ?', [consumer, event.id]);
    }).catch((err) => log.error({ err, consumer, type: event.type, eventId: event.id }, 'durable delivery failed; retried at the next start'));
  }

  return {
    run,

    /** Device events from ingest; resolves after COMMIT (what lets the broker send PUBACK after the event is durable). */
    record(rows: DeviceEventRow[]): Promise<void> {
      if (rows.length === 0) return Promise.resolve();
      let ready: ReadyRow[];
      try {
        ready = rows.map((r) => ({ ...r, json: dataJson(r.event) }));
      } catch (err) {
        // e.g. nesting too deep for JSON.stringify: this caller's write fails, the batch it would have joined does not
        return Promise.reject(err);
      }
      return new Promise<void>((resolve, reject) => {
        foregroundAt = performance.now();
        queue.push({ kind: 'rows', rows: ready, resolve: resolve as (v: unknown) => void, reject });
        drain();
      });
    },

    /** Declare before start: `type` events are handed to `consumer` durably (see above). */
    durable<T extends EventType>(consumer: string, type: T, handler: DurableHandler<T>) {
      const list = durable.get(type) ?? [];
      list.push({ consumer, handler: handler as unknown as DurableHandler<EventType> });
      durable.set(type, list);
    },

    /** Deliveries a previous run committed but did not finish, in commit order. */
    async resume() {
      const rows = await db.all<{ consumer: string; event: string }>('SELECT consumer, event FROM durable_deliveries ORDER BY rowid');
      if (rows.length) log.warn({ deliveries: rows.length }, 'handing over events a previous run committed but did not deliver');
      await Promise.all(rows.map((r) => deliver(r.consumer, JSON.parse(r.event) as DomainEvent)));
    },

    /** Resolves when everything queued so far is committed. */
    async flush() {
      flushing++;
      try {
        while (running || queue.length) {
          drain();
          await running;
        }
      } finally {
        flushing--;
      }
    },
  };
}

export type UnitOfWork = ReturnType<typeof createUnitOfWork>;

/** ordinary work queued this recently makes long units pause between them */
const FOREGROUND_MS = 250;

/**
 * Statement sizes for the multi-row device-event INSERT: exact up to 8 rows, then multiples of 8. A statement per
 * batch size thrashed the prepared-statement cache (under load nearly every commit re-prepared a statement of
 * hundreds of placeholders); with size classes a handful stay prepared, at the price of binding ≤ 7 padding rows.
 */
const rowsClass = (n: number) => (n <= 8 ? n : Math.ceil(n / 8) * 8);
const sqlBySize = new Map<number, string>();
function insertSql(size: number): string {
  let sql = sqlBySize.get(size);
  if (!sql) {
    sql = `INSERT OR IGNORE INTO device_events (id, device_id, kind, channel, type, time, data) VALUES ${Array.from({ length: size }, () => '(?,?,?,?,?,?,?)').join(',')}`;
    sqlBySize.set(size, sql);
  }
  return sql;
}
