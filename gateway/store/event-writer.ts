import type { DomainEvent } from '../bus/events.ts';
import type { Outbox } from '../services/outbox/api.ts';
import type { Logger } from '../log.ts';
import { counter, histogram, type Registry } from '../metrics.ts';
import type { Db } from './db.ts';

export interface DeviceEventRow {
  event: DomainEvent;
  deviceId: string;
  kind: string;
  channel: string;
}

/** A row with its data already serialised: a row that cannot be serialised fails only its own write(). */
type ReadyRow = DeviceEventRow & { json: string };

interface Pending {
  rows: ReadyRow[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for device events. While one write is in flight, new events queue; when it finishes, every
 * queued event goes in the next multi-row INSERT (the sqlite3 package pays per call, not per row; see
 * MEASURED.md). Low load gets one-row writes at once, high load gets big batches. write() resolves only after
 * COMMIT, which is what lets the broker send PUBACK after the event is durable.
 */
export function createEventWriter(deps: { db: Db; log: Logger; metrics: Registry; maxRows: number }) {
  const { db, maxRows } = deps;
  const log = deps.log.child({ module: 'event-writer' });
  const persisted = counter(deps.metrics, 'storegate_store_events_persisted_total', 'Device events written to SQLite');
  const batchSize = histogram(deps.metrics, 'storegate_store_batch_rows', 'Rows per device-event write', [], [1, 5, 20, 50, 100, 250, 500, 1000]);
  let queue: Pending[] = [];
  let writing: Promise<void> | null = null;

  const insert = (target: Pick<Db, 'runPrepared'>, chunk: ReadyRow[]) => {
    const params: unknown[] = [];
    for (const r of chunk) params.push(r.event.id, r.deviceId, r.kind, r.channel, r.event.type, r.event.time, r.json);
    return target.runPrepared(
      `INSERT OR IGNORE INTO device_events (id, device_id, kind, channel, type, time, data) VALUES ${chunk.map(() => '(?,?,?,?,?,?,?)').join(',')}`,
      params,
    );
  };

  let outbox: Outbox | undefined;

  async function writeRows(rows: ReadyRow[]) {
    // Events routed to the cloud go into the outbox in the same transaction, so an event that got its
    // PUBACK is never lost on its way out either.
    const forCloud = outbox ? rows.filter((r) => outbox?.routed(r.event.type)).map((r) => r.event) : [];
    // one statement is atomic on its own: one round trip instead of BEGIN + INSERT + COMMIT
    if (rows.length <= maxRows && forCloud.length === 0) {
      await insert(db, rows);
      return;
    }
    await db.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += maxRows) await insert(tx, rows.slice(i, i + maxRows));
      if (forCloud.length && outbox) await outbox.enqueue(tx, forCloud);
    });
  }

  function drain() {
    if (writing || queue.length === 0) return;
    const batch = queue;
    queue = [];
    const rows = batch.flatMap((p) => p.rows);
    writing = writeRows(rows)
      .then(
        () => {
          persisted.inc(rows.length);
          batchSize.observe(rows.length);
          for (const p of batch) p.resolve();
        },
        (err) => {
          log.error({ err, rows: rows.length }, 'device event write failed');
          for (const p of batch) p.reject(err);
        },
      )
      .finally(() => {
        writing = null;
        drain();
      });
  }

  return {
    /** Set once at wiring time (the outbox is a service created after the writer). */
    setOutbox(o: Outbox) {
      outbox = o;
    },
    write(rows: DeviceEventRow[]): Promise<void> {
      if (rows.length === 0) return Promise.resolve();
      let ready: ReadyRow[];
      try {
        ready = rows.map((r) => ({ ...r, json: JSON.stringify(r.event.data) }));
      } catch (err) {
        // e.g. nesting too deep for JSON.stringify: this caller's write fails, the batch it would have joined does not
        return Promise.reject(err);
      }
      return new Promise<void>((resolve, reject) => {
        queue.push({ rows: ready, resolve, reject });
        drain();
      });
    },
    /** Resolves when everything queued so far is committed. */
    async flush() {
      while (writing || queue.length) {
        drain();
        await writing;
      }
    },
  };
}

export type EventWriter = ReturnType<typeof createEventWriter>;
