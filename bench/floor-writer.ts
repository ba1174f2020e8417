/**
 * The floor's store: the least a durable ingest on the `sqlite3` package does — group-commit multi-row INSERTs into
 * storegate's `device_events` table (same columns and indexes, WAL, synchronous NORMAL), each row's callback after
 * COMMIT. Used by bench/aedes-durable.ts (behind aedes) and bench/ingest-split.ts (without a broker).
 */
import sqlite3 from 'sqlite3';

const MAX_ROWS = 500; // storegate's store.batchMaxRows default

export async function openFloorWriter(file: string) {
  const db = new sqlite3.Database(file);
  const exec = (sql: string) => new Promise<void>((res, rej) => db.exec(sql, (err) => (err ? rej(err) : res())));
  await exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  await exec(`
    CREATE TABLE device_events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, device_id TEXT NOT NULL, kind TEXT NOT NULL,
      channel TEXT NOT NULL, type TEXT NOT NULL, time TEXT NOT NULL, data TEXT NOT NULL);
    CREATE INDEX device_events_device ON device_events(device_id, seq);
    CREATE INDEX device_events_time ON device_events(time);`);

  type Row = { params: unknown[]; done: (err: Error | null) => void };
  const statements = new Map<number, sqlite3.Statement>();
  let queue: Row[] = [];
  let writing = false;

  function drain() {
    if (writing || queue.length === 0) return;
    const batch = queue.slice(0, MAX_ROWS);
    queue = queue.slice(batch.length);
    let st = statements.get(batch.length);
    if (!st) {
      st = db.prepare(
        `INSERT OR IGNORE INTO device_events (id, device_id, kind, channel, type, time, data) VALUES ${batch.map(() => '(?,?,?,?,?,?,?)').join(',')}`,
      );
      statements.set(batch.length, st);
    }
    writing = true;
    st.run(
      batch.flatMap((r) => r.params),
      (err: Error | null) => {
        writing = false;
        for (const r of batch) r.done(err);
        // like storegate: one turn of the event loop under load, so pending messages join the next batch
        if (batch.length >= 8) setImmediate(drain);
        else drain();
      },
    );
  }

  return {
    /** `[id, device_id, kind, channel, type, time, data]`; `done` runs after the COMMIT that holds the row */
    write(params: unknown[], done: (err: Error | null) => void) {
      queue.push({ params, done });
      drain();
    },
    close: () => new Promise<void>((r) => db.close(() => r())),
  };
}
