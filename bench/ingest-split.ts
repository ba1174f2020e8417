/**
 * Where ingest's CPU goes, without the broker: the same telemetry messages fed straight to
 * (a) the least durable path — JSON.parse, then group-commit multi-row INSERTs into `device_events` with the raw
 *     `sqlite3` package (the floor storegate's write path stands on), and
 * (b) storegate's ingest (`createIngest` + the real unit of work, outbox store and bus on a SQLite file),
 * with the same concurrency (messages in flight) a loaded broker gives it. CPU is process.cpuUsage() (every thread,
 * so SQLite's worker is counted). In-process on purpose: it isolates ingest from aedes for A/B work on the write path;
 * `bench/ingest.ts` is the end-to-end figure measured from outside.
 *
 *   npx tsx bench/ingest-split.ts            # BENCH_SPLIT_EVENTS (60000), BENCH_SPLIT_INFLIGHT (320)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBus } from '../gateway/bus/bus.ts';
import { systemClock } from '../gateway/clock.ts';
import { coreChannels } from '../gateway/ingest/core-channels.ts';
import { createIngest } from '../gateway/ingest/ingest.ts';
import { silentLogger } from '../gateway/log.ts';
import { createMetrics } from '../gateway/metrics.ts';
import { createRegistry, type Device } from '../gateway/registry/registry.ts';
import { coreMigrations } from '../gateway/store/core-migrations.ts';
import { openDb } from '../gateway/store/db.ts';
import { migrate } from '../gateway/store/migrate.ts';
import { createOutboxStore } from '../gateway/store/outbox.ts';
import { createUnitOfWork } from '../gateway/store/unit-of-work.ts';
import { openFloorWriter } from './floor-writer.ts';
import { type BenchRow, median, printTable } from './lib.ts';

const EVENTS = Number(process.env.BENCH_SPLIT_EVENTS ?? 60_000);
const IN_FLIGHT = Number(process.env.BENCH_SPLIT_INFLIGHT ?? 320);
const DEVICES = 20;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const topic = (d: number) => `storegate/store-1/locker/bench-${d}/telemetry`;
const payload = (tag: string, d: number, n: number) =>
  Buffer.from(
    JSON.stringify({
      msgId: `${tag}-${d}-${n}`,
      type: 'door',
      values: { compartment: `A${n % 24}`, open: n % 2 === 0, temperatureC: 21.5, humidity: 40, batteryMv: 3012, rssi: -61 },
    }),
  );

/** Runs `send(i)` for EVENTS messages with IN_FLIGHT outstanding; returns CPU µs per event. */
async function drive(send: (i: number) => Promise<unknown>): Promise<number> {
  const c0 = process.cpuUsage();
  let next = 0;
  const worker = async () => {
    while (next < EVENTS) await send(next++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / EVENTS;
}

async function floor(dir: string, tag: string): Promise<number> {
  const writer = await openFloorWriter(join(dir, `floor-${tag}.db`));
  const cpu = await drive(
    (i) =>
      new Promise<void>((done) => {
        const d = i % DEVICES;
        const t = topic(d);
        const body = JSON.parse(payload(tag, d, i).toString('utf8'));
        const [, , kind = '', deviceId = '', channel = ''] = t.split('/');
        writer.write([`${deviceId}/${channel}/${body.msgId}`, deviceId, kind, channel, 'device.message', new Date().toISOString(), JSON.stringify(body)], () =>
          done(),
        );
      }),
  );
  await writer.close();
  return cpu;
}

async function storegate(dir: string, tag: string): Promise<number> {
  const metrics = createMetrics({ defaults: false });
  const bus = createBus({ log: silentLogger, metrics, clock: systemClock });
  const db = await openDb(join(dir, `storegate-${tag}.db`));
  await migrate(db, coreMigrations);
  const outbox = createOutboxStore({ routes: [], forwarders: [], ttlSeconds: { critical: 0, normal: 0, bulk: 0 }, clock: systemClock });
  const work = createUnitOfWork({ db, bus, outbox, log: silentLogger, metrics, maxRows: 500 });
  const registry = createRegistry({ db, clock: systemClock });
  const ingest = createIngest({ storeId: 'store-1', bus, work, registry, log: silentLogger, metrics, clock: systemClock, maxPayloadBytes: 65536 });
  for (const h of coreChannels()) ingest.register(h);
  // a dashboard-like '*' subscriber, as in the running gateway
  bus.on('bench', '*', () => {});
  const devices: Device[] = [];
  for (let d = 0; d < DEVICES; d++) {
    await registry.add({ id: `bench-${d}`, kind: 'locker' });
    devices.push((await registry.get(`bench-${d}`)) as Device);
  }
  const cpu = await drive((i) => {
    const d = i % DEVICES;
    return ingest.handle({ topic: topic(d), payload: payload(tag, d, i), device: devices[d] as Device });
  });
  await db.close();
  return cpu;
}

export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'storegate-split-'));
  const f: number[] = [];
  const s: number[] = [];
  try {
    await floor(dir, 'warm');
    await storegate(dir, 'warm');
    for (let r = 0; r < ROUNDS; r++) {
      f.push(await floor(dir, `r${r}`));
      s.push(await storegate(dir, `r${r}`));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return [
    {
      name: 'ingest without a broker: CPU per event',
      value: median(s),
      unit: 'µs',
      reference: median(f),
      note: `${EVENTS} telemetry messages, ${IN_FLIGHT} in flight, median of ${ROUNDS}; reference: JSON.parse + group-commit INSERT with raw sqlite3`,
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run();
  printTable(rows.map((r) => ({ ...r, area: 'ingest' })));
}
