/**
 * Ingest throughput: authenticated devices publishing JSON events to storegate (embedded aedes, auth on,
 * every event persisted to SQLite before PUBACK) against mosquitto with the same load in the same run.
 * Each broker runs as its own process; the load generator is this process; CPU per message comes from /proc.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { systemClock } from '../gateway/clock.ts';
import { createRegistry } from '../gateway/registry/registry.ts';
import { coreMigrations } from '../gateway/store/core-migrations.ts';
import { openDb } from '../gateway/store/db.ts';
import { migrate } from '../gateway/store/migrate.ts';
import { type BenchRow, cpuSeconds, freePort, percentile, printTable, rssMb, spawnLogged, spawnStoregate, stopProcess, waitFor } from './lib.ts';

const PUBLISHERS = Number(process.env.BENCH_PUBLISHERS ?? 20);
const PER_PUBLISHER = Number(process.env.BENCH_MESSAGES ?? 1500);
const WINDOW = 32;
const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));
const SERVICE_PASSWORD = 'bench-service-password';

interface Target {
  port: number;
  pid: number;
  creds: (i: number) => { username?: string; password?: string };
  topic: (i: number) => string;
  subscriber: { username?: string; password?: string };
}

const payload = (i: number, n: number) =>
  JSON.stringify({ msgId: `${i}-${n}`, type: 'door', values: { compartment: `A${n % 24}`, open: n % 2 === 0, temperatureC: 21.5, humidity: 40 } });

function connect(port: number, creds: { username?: string; password?: string }, id: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { ...creds, clientId: id, reconnectPeriod: 0, clean: true });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

/** QoS 1: every publish is timed until its PUBACK, with a window of WINDOW in flight per publisher. */
async function runQos1(t: Target) {
  const clients = await Promise.all(Array.from({ length: PUBLISHERS }, (_, i) => connect(t.port, t.creds(i), `bench-q1-${i}-${Date.now()}`)));
  const latencies: number[] = [];
  const cpu0 = cpuSeconds(t.pid);
  const start = performance.now();
  await Promise.all(
    clients.map(
      (c, i) =>
        new Promise<void>((resolve) => {
          let sent = 0;
          let acked = 0;
          let inflight = 0;
          const pump = () => {
            while (inflight < WINDOW && sent < PER_PUBLISHER) {
              const t0 = performance.now();
              const n = sent++;
              inflight++;
              c.publish(t.topic(i), payload(i, n), { qos: 1 }, () => {
                latencies.push(performance.now() - t0);
                inflight--;
                if (++acked === PER_PUBLISHER) resolve();
                else pump();
              });
            }
          };
          pump();
        }),
    ),
  );
  const seconds = (performance.now() - start) / 1000;
  const cpu = cpuSeconds(t.pid) - cpu0;
  for (const c of clients) c.end(true);
  latencies.sort((a, b) => a - b);
  const total = PUBLISHERS * PER_PUBLISHER;
  return { rate: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpuUsPerMsg: (cpu / total) * 1e6 };
}

/** QoS 0: publishers fire, one subscriber on `#` counts arrivals; done when all have arrived. */
async function runQos0(t: Target) {
  const sub = await connect(t.port, t.subscriber, `bench-sub-${Date.now()}`);
  await new Promise((r) => sub.subscribe('storegate/#', { qos: 0 }, r));
  const clients = await Promise.all(Array.from({ length: PUBLISHERS }, (_, i) => connect(t.port, t.creds(i), `bench-q0-${i}-${Date.now()}`)));
  const total = PUBLISHERS * PER_PUBLISHER;
  let received = 0;
  const done = new Promise<void>((resolve) =>
    sub.on('message', () => {
      if (++received === total) resolve();
    }),
  );
  const cpu0 = cpuSeconds(t.pid);
  const start = performance.now();
  for (let n = 0; n < PER_PUBLISHER; n++) {
    clients.forEach((c, i) => {
      c.publish(t.topic(i), payload(i, n), { qos: 0 });
    });
    // yield now and then so the sockets drain instead of everything buffering in this process
    if (n % 50 === 49) await new Promise((r) => setImmediate(r));
  }
  await Promise.race([done, new Promise((_, rej) => setTimeout(() => rej(new Error(`qos0: only ${received}/${total} arrived`)), 120_000))]);
  const seconds = (performance.now() - start) / 1000;
  const cpu = cpuSeconds(t.pid) - cpu0;
  for (const c of [...clients, sub]) c.end(true);
  return { rate: total / seconds, cpuUsPerMsg: (cpu / total) * 1e6 };
}

async function startStoregate(dir: string) {
  const db = await openDb(join(dir, 'storegate.db'));
  await migrate(db, coreMigrations);
  const registry = createRegistry({ db, clock: systemClock });
  const secrets: string[] = [];
  for (let i = 0; i < PUBLISHERS; i++) secrets.push((await registry.add({ id: `bench-${i}`, kind: 'locker' })).secret);
  await db.close();
  const sg = await spawnStoregate({
    dataDir: dir,
    env: { STOREGATE_SERVICE_PASSWORD: SERVICE_PASSWORD },
    nodeArgs: process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [],
  });
  const { proc, coldStartMs } = sg;
  const { http, mqtt: port } = sg.ports;
  const target: Target = {
    port,
    pid: proc.pid as number,
    creds: (i) => ({ username: `bench-${i}`, password: secrets[i] as string }),
    topic: (i) => `storegate/store-1/locker/bench-${i}/telemetry`,
    subscriber: { username: 'storegate-service', password: SERVICE_PASSWORD },
  };
  return { proc, target, coldStartMs, http };
}

async function startMosquitto(dir: string) {
  if (!MOSQUITTO) return null;
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'max_queued_messages 1000000', 'max_inflight_messages 0'].join('\n'),
  );
  const proc = spawnLogged(MOSQUITTO, ['-c', conf]);
  await waitFor(
    () =>
      connect(port, {}, `probe-${Date.now()}`).then(
        (c) => {
          c.end(true);
          return true;
        },
        () => false,
      ),
    10_000,
    'mosquitto',
  );
  const target: Target = { port, pid: proc.pid as number, creds: () => ({}), topic: (i) => `storegate/store-1/locker/bench-${i}/telemetry`, subscriber: {} };
  return { proc, target };
}

/** Bare aedes in its own process: the floor storegate's broker cost sits on. */
async function startBareAedes() {
  const port = await freePort();
  const proc = spawnLogged(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'aedes-bare.ts'), String(port)]);
  await waitFor(() => proc.output().includes('listening'), 20_000, 'bare aedes');
  const target: Target = { port, pid: proc.pid as number, creds: () => ({}), topic: (i) => `storegate/store-1/locker/bench-${i}/telemetry`, subscriber: {} };
  return { proc, target };
}

export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'storegate-bench-'));
  const rows: BenchRow[] = [];
  try {
    const sg = await startStoregate(dir);
    await new Promise((r) => setTimeout(r, 1500));
    const idleRss = rssMb(sg.target.pid);
    const mq = await startMosquitto(dir);
    const note = `${PUBLISHERS} publishers × ${PER_PUBLISHER}, 150 B JSON`;
    const q1 = await runQos1(sg.target);
    const q1ref = mq ? await runQos1(mq.target) : undefined;
    const q0 = await runQos0(sg.target);
    const q0ref = mq ? await runQos0(mq.target) : undefined;
    const bare = await startBareAedes();
    const q1bare = await runQos1(bare.target);
    const q0bare = await runQos0(bare.target);
    await stopProcess(bare.proc);
    const persisted = Number(/storegate_store_events_persisted_total (\d+)/.exec(await (await fetch(`http://127.0.0.1:${sg.http}/metrics`)).text())?.[1] ?? 0);
    const loadedRss = rssMb(sg.target.pid);
    const refNote = mq ? '' : ' (mosquitto absent: no reference)';
    rows.push(
      {
        name: 'QoS 1 events/s (auth, persisted before PUBACK)',
        value: q1.rate,
        unit: 'ev/s',
        ...(q1ref ? { reference: q1ref.rate } : {}),
        note: note + refNote,
      },
      { name: 'QoS 1 publish→PUBACK p50', value: q1.p50, unit: 'ms', ...(q1ref ? { reference: q1ref.p50 } : {}), note: `window ${WINDOW}/publisher` },
      { name: 'QoS 1 publish→PUBACK p99', value: q1.p99, unit: 'ms', ...(q1ref ? { reference: q1ref.p99 } : {}) },
      { name: 'QoS 1 broker CPU per event', value: q1.cpuUsPerMsg, unit: 'µs', ...(q1ref ? { reference: q1ref.cpuUsPerMsg } : {}) },
      { name: 'QoS 0 events/s to a # subscriber', value: q0.rate, unit: 'ev/s', ...(q0ref ? { reference: q0ref.rate } : {}) },
      { name: 'QoS 0 broker CPU per event', value: q0.cpuUsPerMsg, unit: 'µs', ...(q0ref ? { reference: q0ref.cpuUsPerMsg } : {}) },
      {
        name: 'bare aedes QoS 1 events/s (no auth, no persistence)',
        value: q1bare.rate,
        unit: 'ev/s',
        ...(q1ref ? { reference: q1ref.rate } : {}),
        note: 'where the time goes: the broker floor',
      },
      { name: 'bare aedes QoS 1 CPU per event', value: q1bare.cpuUsPerMsg, unit: 'µs', ...(q1ref ? { reference: q1ref.cpuUsPerMsg } : {}) },
      { name: 'bare aedes QoS 0 events/s to a # subscriber', value: q0bare.rate, unit: 'ev/s', ...(q0ref ? { reference: q0ref.rate } : {}) },
      { name: 'events persisted (all runs)', value: persisted, unit: 'ev', note: `sent ${PUBLISHERS * PER_PUBLISHER * 2}` },
      { name: 'cold start to /readyz OK', value: sg.coldStartMs, unit: 'ms', note: 'spawn → 200, tsx loader included' },
      { name: 'idle RSS', value: idleRss, unit: 'MB' },
      { name: 'RSS after load', value: loadedRss, unit: 'MB' },
    );
    await stopProcess(sg.proc);
    if (mq) await stopProcess(mq.proc);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run();
  printTable(rows.map((r) => ({ ...r, area: 'ingest' })));
}
