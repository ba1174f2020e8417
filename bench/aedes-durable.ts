/**
 * The durable-ingest floor: the same two libraries storegate's ingest stands on — aedes and the `sqlite3`
 * package — doing the least a durable broker must: parse each PUBLISH's JSON, write it with group commit
 * (multi-row INSERTs into storegate's `device_events` table, same indexes, WAL, synchronous NORMAL) and PUBACK
 * only after COMMIT. No auth, no ACL, no schema check, no envelope, no bus, no metrics. What storegate costs
 * above this is its own; what this costs above mosquitto is the price of aedes + sqlite3 in one Node process.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import sqlite3 from 'sqlite3';

const port = Number(process.argv[2] ?? 0);
const MAX_ROWS = 500; // storegate's store.maxBatchRows default
const db = new sqlite3.Database(join(mkdtempSync(join(tmpdir(), 'sg-floor-')), 'floor.db'));
const exec = (sql: string) => new Promise<void>((res, rej) => db.exec(sql, (err) => (err ? rej(err) : res())));
await exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
await exec(`
  CREATE TABLE device_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, device_id TEXT NOT NULL, kind TEXT NOT NULL,
    channel TEXT NOT NULL, type TEXT NOT NULL, time TEXT NOT NULL, data TEXT NOT NULL);
  CREATE INDEX device_events_device ON device_events(device_id, seq);
  CREATE INDEX device_events_time ON device_events(time);`);

type Row = { params: unknown[]; done: (err?: Error | null) => void };
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
      // like storegate: one turn of the event loop under load, so the sockets' pending publishes join the next batch
      if (batch.length >= 8) setImmediate(drain);
      else drain();
    },
  );
}

const aedes = await Aedes.createBroker({
  authorizePublish(client, packet, done) {
    if (!client) return done(null);
    let body: { msgId?: string };
    try {
      body = JSON.parse(packet.payload.toString('utf8'));
    } catch {
      return done(null); // a real broker would reject; the bench sends only JSON
    }
    const [, , kind = '', deviceId = '', channel = ''] = packet.topic.split('/');
    const id = `${deviceId}/${channel}/${body.msgId}`;
    queue.push({ params: [id, deviceId, kind, channel, 'device.telemetry', new Date().toISOString(), JSON.stringify(body)], done: (err) => done(err ?? null) });
    drain();
  },
});
const server = createServer(aedes.handle);
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => server.close(() => aedes.close(() => db.close(() => process.exit(0)))));
