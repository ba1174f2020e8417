/**
 * Cloud outbox: enqueue rate, bytes on disk per 100k events, and the drain rate of a 100k-event backlog to a
 * local HTTP CloudEvents receiver and to mosquitto (QoS 1, PUBACK-acknowledged). The references are the bare
 * transports in the same run (the same batches POSTed, the same messages published, without the outbox) and a
 * bare multi-row INSERT of the same rows, so each ratio is the outbox's own cost.
 */
import { createLiveCatalog } from '../gateway/live-catalog.ts';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import Value from 'typebox/value';
import { createBus } from '../gateway/bus/bus.ts';
import type { DomainEvent } from '../gateway/bus/events.ts';
import { systemClock } from '../gateway/clock.ts';
import { createAuth } from '../gateway/http/auth.ts';
import { silentLogger } from '../gateway/log.ts';
import { createMetrics } from '../gateway/metrics.ts';
import { createRegistry } from '../gateway/registry/registry.ts';
import type { ServiceDeps } from '../gateway/service.ts';
import { type CloudConfig, CloudConfigSchema } from '../gateway/services/outbox/config.ts';
import { cloudEventBody, createOutboxStore } from '../gateway/store/outbox.ts';
import { createUnitOfWork } from '../gateway/store/unit-of-work.ts';
import { coreMigrations } from '../gateway/store/core-migrations.ts';
import { noRecognizer } from '../gateway/recognizer.ts';
import { createOutboxService } from '../gateway/services/outbox/service.ts';
import { openDb } from '../gateway/store/db.ts';
import { migrate } from '../gateway/store/migrate.ts';
import { type BenchRow, freePort, printTable, stopProcess, waitFor } from './lib.ts';
import { nullLink } from '../gateway/broker/link.ts';

const N = Number(process.env.BENCH_OUTBOX_EVENTS ?? 100_000);
const BATCH = 500;
const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));
const CLASSES = ['critical', 'normal', 'normal', 'bulk', 'bulk', 'bulk', 'bulk', 'bulk', 'bulk', 'bulk'] as const;

function makeEvent(i: number): DomainEvent {
  const device = `lk-${String(i % 50).padStart(2, '0')}`;
  return {
    specversion: '1.0',
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    source: `storegate/store-1/locker/${device}`,
    type: 'locker.parcel.loaded',
    time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    data: { lockerId: device, compartment: `A${i % 24}`, orderId: `ORD-${100000 + i}`, size: 'M', loadedBy: 'staff-7', weightG: 1200 + (i % 900) },
  };
}

async function openOutbox(dir: string, forwarder: CloudConfig['forwarders'][number]) {
  const db = await openDb(join(dir, 'storegate.db'));
  const metrics = createMetrics({ defaults: false });
  const clock = systemClock;
  const config = Value.Default(CloudConfigSchema, { forwarders: [forwarder], batchSize: BATCH, backoff: { initialMs: 3_600_000 } }) as CloudConfig;
  const bus = createBus({ log: silentLogger, metrics, clock });
  const outbox = createOutboxStore({ routes: config.routes, forwarders: config.forwarders.map((f) => f.name), ttlSeconds: config.ttlSeconds, clock });
  const deps: ServiceDeps = {
    storeId: 'store-1',
    bus,
    db,
    clock,
    log: silentLogger,
    metrics,
    registry: createRegistry({ db, clock }),
    link: nullLink,
    auth: createAuth({ admin: 'bench-admin-token' }),
    outbox,
    work: createUnitOfWork({ db, bus, outbox, log: silentLogger, metrics, maxRows: 500 }),
    recognition: noRecognizer,
    catalog: createLiveCatalog(),
  };
  const service = createOutboxService(deps, config);
  await migrate(db, coreMigrations);
  return { db, service, outbox };
}

/** Fills a fresh outbox with N events while its forwarder points nowhere, then closes it. */
async function fill(dir: string): Promise<{ seconds: number; diskBytes: number; payloadBytes: number }> {
  const { db, service, outbox } = await openOutbox(dir, { name: 'cloud', kind: 'http', url: 'http://127.0.0.1:9/nowhere', timeoutSeconds: 5 });
  const emptyBytes = diskBytes(dir);
  const t0 = performance.now();
  for (let i = 0; i < N; i += 1000) {
    await db.transaction(async (tx) => {
      for (let c = 0; c < CLASSES.length; c++) {
        const events = Array.from({ length: 100 }, (_, k) => makeEvent(i + k * 10 + c));
        await outbox.enqueue(tx, events, { priority: CLASSES[c] });
      }
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  await service.stop();
  const payloadBytes = (await db.get<{ b: number }>('SELECT SUM(bytes) AS b FROM outbox_events'))?.b ?? 0;
  await db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  await db.close();
  return { seconds, diskBytes: diskBytes(dir) - emptyBytes, payloadBytes };
}

const diskBytes = (dir: string) => ['storegate.db', 'storegate.db-wal'].reduce((s, f) => s + (existsSync(join(dir, f)) ? statSync(join(dir, f)).size : 0), 0);

/** The same rows into a plain table with multi-row INSERTs, in one transaction per 1000. */
async function bareInsert(dir: string): Promise<number> {
  const db = await openDb(join(dir, 'bare.db'));
  await db.exec('CREATE TABLE t (seq INTEGER PRIMARY KEY, id TEXT UNIQUE, source TEXT, body TEXT)');
  const t0 = performance.now();
  for (let i = 0; i < N; i += 1000) {
    await db.transaction(async (tx) => {
      for (let j = 0; j < 1000; j += 200) {
        const rows = Array.from({ length: 200 }, (_, k) => makeEvent(i + j + k));
        const params = rows.flatMap((e, k) => [e.id, e.source, cloudEventBody(e, i + j + k, 'normal')]);
        await tx.run(`INSERT INTO t (id, source, body) VALUES ${rows.map(() => '(?,?,?)').join(',')}`, params);
      }
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  await db.close();
  return N / seconds;
}

async function httpReceiver() {
  let events = 0;
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    events += (JSON.parse(body) as unknown[]).length;
    res.writeHead(200).end();
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${port}/events`, count: () => events, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function drain(dir: string, forwarder: CloudConfig['forwarders'][number], delivered: () => Promise<boolean>) {
  const { db, service } = await openOutbox(dir, forwarder);
  const t0 = performance.now();
  await service.start();
  await waitFor(delivered, 600_000, 'backlog drained');
  const rate = N / ((performance.now() - t0) / 1000);
  await service.stop();
  await db.close();
  return rate;
}

/** The transport alone: the same batches, no outbox. */
async function bareHttp(url: string): Promise<number> {
  const bodies = Array.from(
    { length: N / BATCH },
    (_, b) => `[${Array.from({ length: BATCH }, (_, k) => cloudEventBody(makeEvent(b * BATCH + k), k, 'normal')).join(',')}]`,
  );
  const t0 = performance.now();
  for (const body of bodies)
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/cloudevents-batch+json' }, body }).then((r) => r.text());
  return N / ((performance.now() - t0) / 1000);
}

async function bareMqtt(url: string): Promise<number> {
  const c = await mqtt.connectAsync(url, { clientId: 'bench-bare', reconnectPeriod: 0 });
  const t0 = performance.now();
  for (let b = 0; b < N / BATCH; b++) {
    await Promise.all(
      Array.from({ length: BATCH }, (_, k) =>
        c.publishAsync('bench/bare/locker.parcel.loaded', cloudEventBody(makeEvent(b * BATCH + k), k, 'normal'), { qos: 1 }),
      ),
    );
  }
  const rate = N / ((performance.now() - t0) / 1000);
  await c.endAsync();
  return rate;
}

export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'storegate-bench-outbox-'));
  const rows: BenchRow[] = [];
  try {
    const http = await httpReceiver();
    const f = await fill(join(dir, 'http'));
    const bare = await bareInsert(dir);
    rows.push(
      {
        name: `enqueue ${N / 1000}k events (1000 per transaction)`,
        value: N / f.seconds,
        unit: 'ev/s',
        reference: bare,
        note: 'reference: bare multi-row INSERT of the same rows',
      },
      {
        name: 'outbox on disk per 100k events',
        value: (f.diskBytes * (100_000 / N)) / 2 ** 20,
        unit: 'MiB',
        note: `CloudEvents JSON alone: ${((f.payloadBytes * (100_000 / N)) / 2 ** 20).toFixed(1)} MiB`,
      },
    );
    const httpRate = await drain(join(dir, 'http'), { name: 'cloud', kind: 'http', url: http.url, timeoutSeconds: 30 }, async () => http.count() >= N);
    const bareHttpRate = await bareHttp(http.url);
    rows.push({
      name: `drain ${N / 1000}k backlog → HTTP receiver`,
      value: httpRate,
      unit: 'ev/s',
      reference: bareHttpRate,
      note: `batches of ${BATCH}; reference: same POSTs without the outbox`,
    });
    await http.close();

    if (MOSQUITTO) {
      const port = await freePort();
      writeFileSync(join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n`);
      const broker = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
      try {
        await waitFor(
          async () =>
            await mqtt
              .connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 })
              .then((c) => c.endAsync().then(() => true))
              .catch(() => false),
          5000,
          'mosquitto',
        );
        await fill(join(dir, 'mqtt'));
        const probe = await openDb(join(dir, 'mqtt', 'storegate.db'));
        const left = async () => ((await probe.get<{ n: number }>('SELECT COUNT(*) AS n FROM outbox_pending'))?.n ?? 1) === 0;
        const url = `mqtt://127.0.0.1:${port}`;
        const mqttRate = await drain(join(dir, 'mqtt'), { name: 'cloud', kind: 'mqtt', url, topic: 'cloud/{storeId}/{type}', timeoutSeconds: 30 }, left);
        await probe.close();
        rows.push({
          name: `drain ${N / 1000}k backlog → mosquitto QoS 1`,
          value: mqttRate,
          unit: 'ev/s',
          reference: await bareMqtt(url),
          note: `bursts of ${BATCH}, ack on PUBACK; reference: same publishes without the outbox`,
        });
      } finally {
        await stopProcess(broker);
      }
    } else {
      rows.push({ name: 'drain → mosquitto', value: Number.NaN, unit: 'ev/s', note: 'SKIPPED: mosquitto not installed' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run();
  printTable(rows.map((r) => ({ ...r, area: 'outbox' })));
}
