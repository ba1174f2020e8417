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
import { openFloorWriter } from './floor-writer.ts';

const port = Number(process.argv[2] ?? 0);
const floor = await openFloorWriter(join(mkdtempSync(join(tmpdir(), 'sg-floor-')), 'floor.db'));

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
    floor.write([id, deviceId, kind, channel, 'device.telemetry', new Date().toISOString(), JSON.stringify(body)], (err) => done(err));
  },
});
const server = createServer(aedes.handle);
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => server.close(() => aedes.close(() => void floor.close().then(() => process.exit(0)))));
