/**
 * Durable ingest, measured from outside as a client sees it: 20 devices provisioned with the real CLI publish
 * QoS 1 telemetry to storegate's embedded broker (auth, ACL, every event in SQLite before its PUBACK), 16 in
 * flight each, against mosquitto in the same run with a password file, an ACL and one QoS 1 subscriber on
 * `storegate/#` (what a gateway on mosquitto would be). Each broker is its own process, the load generator is
 * this process; CPU per event is the broker's utime + stime from /proc/<pid>/stat (all threads). Rounds
 * alternate storegate and mosquitto and the table shows the median of BENCH_ROUNDS (3). After the runs
 * storegate is SIGKILLed (no shutdown flush can make up for a missing commit) and the store is opened
 * read-only: the rows must equal the PUBACKs the devices got.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import sqlite3 from 'sqlite3';
import { type BenchRow, cpuSeconds, freePort, median, percentile, printTable, rssMb, spawnLogged, spawnStoregate, stopProcess, waitFor } from './lib.ts';

const DEVICES = Number(process.env.BENCH_PUBLISHERS ?? 20);
const PER_DEVICE = Number(process.env.BENCH_MESSAGES ?? 1500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = 500;
const WINDOW = 16;
/** BENCH_SKIP=qos0,bare: only the QoS 1 rows (for profiling and quick experiments) */
const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(','));
const KIND = 'locker';
const STORE = 'store-1';
const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));
const MOSQUITTO_PASSWD = ['/usr/bin/mosquitto_passwd', '/usr/sbin/mosquitto_passwd'].find((p) => existsSync(p));
const SERVICE_USER = 'storegate-service';
const SERVICE_PASSWORD = 'bench-service-password';
const BIN = new URL('../bin/storegate.js', import.meta.url).pathname;

type Creds = { username?: string; password?: string };
interface Target {
  port: number;
  pid: number;
  creds: (i: number) => Creds;
  /** the login that reads the whole tree */
  reader: Creds;
}
interface Device {
  id: string;
  secret: string;
}

const deviceId = (i: number) => `bench-${i}`;
const topic = (i: number) => `storegate/${STORE}/${KIND}/${deviceId(i)}/telemetry`;
/** ≈150 B, the shape of a telemetry message; `tag` keeps msgIds (so stored ids) unique across runs */
const payload = (tag: string, i: number, n: number) =>
  JSON.stringify({
    msgId: `${tag}-${i}-${n}`,
    type: 'door',
    values: { compartment: `A${n % 24}`, open: n % 2 === 0, temperatureC: 21.5, humidity: 40, batteryMv: 3012, rssi: -61 },
  });

function connect(port: number, creds: Creds, id: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { ...creds, clientId: id, reconnectPeriod: 0, clean: true });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

const VERBOSE = !!process.env.BENCH_VERBOSE;

/** CPU seconds per thread (by thread name: node's main thread, libuv workers where sqlite3 runs, V8 helpers) */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const key = `${tid === String(pid) ? 'main' : name}#${tid}`;
      out.set(`${key}#user`, Number(f[11]) / 100);
      out.set(`${key}#sys`, Number(f[12]) / 100);
    } catch {
      // the thread ended
    }
  }
  return out;
}
function threadSplit(before: Map<string, number>, after: Map<string, number>, events: number) {
  const byName: Record<string, number> = {};
  for (const [k, v] of after) {
    const [thread, , mode] = k.split('#') as [string, string, string];
    const name = `${thread === 'main' ? 'main' : `${thread} (others)`} ${mode}`;
    const us = ((v - (before.get(k) ?? 0)) / events) * 1e6;
    if (us > 0) byName[name] = Number(((byName[name] ?? 0) + us).toFixed(1));
  }
  return byName;
}

const settle = () => new Promise((r) => setTimeout(r, 300));

/**
 * QoS 1: each device keeps WINDOW publishes in flight and times each until its PUBACK. With `consumer` (the
 * mosquitto run) one QoS 1 subscriber on the tree must also have received every message before the run ends.
 */
async function runQos1(t: Target, tag: string, consumer: boolean, perDevice = PER_DEVICE) {
  const total = DEVICES * perDevice;
  let received = 0;
  let sub: MqttClient | undefined;
  let allReceived: Promise<void> = Promise.resolve();
  if (consumer) {
    sub = await connect(t.port, t.reader, `bench-gw-${tag}`);
    await new Promise((r) => sub?.subscribe('storegate/#', { qos: 1 }, r));
    allReceived = new Promise<void>((resolve) =>
      sub?.on('message', (tp) => {
        if (tp.endsWith('/telemetry') && ++received === total) resolve();
      }),
    );
  }
  const clients = await Promise.all(Array.from({ length: DEVICES }, (_, i) => connect(t.port, t.creds(i), `${deviceId(i)}-${tag}`)));
  const latencies: number[] = [];
  let acked = 0;
  const cpu0 = cpuSeconds(t.pid);
  const threads0 = VERBOSE ? threadCpu(t.pid) : undefined;
  const start = performance.now();
  const allAcked = Promise.all(
    clients.map(
      (c, i) =>
        new Promise<void>((resolve, reject) => {
          let sent = 0;
          let mine = 0;
          let inflight = 0;
          const pump = () => {
            while (inflight < WINDOW && sent < perDevice) {
              const t0 = performance.now();
              const n = sent++;
              inflight++;
              c.publish(topic(i), payload(tag, i, n), { qos: 1 }, (err) => {
                if (err) return reject(err);
                latencies.push(performance.now() - t0);
                acked++;
                inflight--;
                if (++mine === perDevice) resolve();
                else pump();
              });
            }
          };
          pump();
        }),
    ),
  );
  await withTimeout(Promise.all([allAcked, allReceived]), 180_000, () => `qos1 ${tag}: ${acked}/${total} acked, ${consumer ? `${received} received` : ''}`);
  const seconds = (performance.now() - start) / 1000;
  await settle(); // work the broker does right after the last PUBACK still counts
  const cpu = cpuSeconds(t.pid) - cpu0;
  if (threads0 && !tag.startsWith('warm')) {
    const split = threadSplit(threads0, threadCpu(t.pid), total);
    process.stderr.write(
      `${tag}: ${(total / seconds).toFixed(0)} ev/s, ${((cpu / total) * 1e6).toFixed(1)} µs/ev; per thread µs/ev ${JSON.stringify(split)}\n`,
    );
  }
  for (const c of clients) c.end(true);
  sub?.end(true);
  latencies.sort((a, b) => a - b);
  return { rate: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpuUs: (cpu / total) * 1e6, acked, received };
}

/** QoS 0: devices fire, one subscriber on the tree counts arrivals; done when all have arrived. */
async function runQos0(t: Target, tag: string) {
  const sub = await connect(t.port, t.reader, `bench-sub0-${tag}`);
  await new Promise((r) => sub.subscribe('storegate/#', { qos: 0 }, r));
  const clients = await Promise.all(Array.from({ length: DEVICES }, (_, i) => connect(t.port, t.creds(i), `${deviceId(i)}-${tag}`)));
  const total = DEVICES * PER_DEVICE;
  let received = 0;
  const done = new Promise<void>((resolve) =>
    sub.on('message', (tp) => {
      if (tp.endsWith('/telemetry') && ++received === total) resolve();
    }),
  );
  const cpu0 = cpuSeconds(t.pid);
  const start = performance.now();
  for (let n = 0; n < PER_DEVICE; n++) {
    clients.forEach((c, i) => {
      c.publish(topic(i), payload(tag, i, n), { qos: 0 });
    });
    // yield now and then so the sockets drain instead of everything buffering in this process
    if (n % 50 === 49) await new Promise((r) => setImmediate(r));
  }
  await withTimeout(done, 120_000, () => `qos0 ${tag}: only ${received}/${total} arrived`);
  const seconds = (performance.now() - start) / 1000;
  await settle();
  const cpu = cpuSeconds(t.pid) - cpu0;
  for (const c of [...clients, sub]) c.end(true);
  return { rate: total / seconds, cpuUs: (cpu / total) * 1e6 };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out: ${what()}`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/** `storegate device add` as an operator would run it, a few at a time; the secret is parsed from its output. */
async function provision(dir: string): Promise<Device[]> {
  const env = { ...process.env, STOREGATE_DATA_DIR: dir, STOREGATE_LOG_LEVEL: 'warn' };
  const add = (i: number) =>
    new Promise<Device>((resolve, reject) => {
      const p = spawnLogged(process.execPath, [BIN, 'device', 'add', '--id', deviceId(i), '--kind', KIND], env);
      p.once('exit', (code) => {
        const secret = /MQTT password: (\S+)/.exec(p.output())?.[1];
        if (code !== 0 || !secret) reject(new Error(`device add ${deviceId(i)} failed (${code}): ${p.output()}`));
        else resolve({ id: deviceId(i), secret });
      });
    });
  const devices: Device[] = [];
  // the first one creates and migrates the database alone
  devices.push(await add(0));
  for (let i = 1; i < DEVICES; i += 4) devices.push(...(await Promise.all([i, i + 1, i + 2, i + 3].filter((k) => k < DEVICES).map(add))));
  return devices;
}

async function startStoregate(dir: string, devices: Device[], bin?: string) {
  const sg = await spawnStoregate({
    ...(bin ? { bin } : {}),
    dataDir: dir,
    env: { STOREGATE_SERVICE_PASSWORD: SERVICE_PASSWORD },
    nodeArgs: [
      ...(process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : []),
      ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
    ],
  });
  started(sg.proc);
  if (VERBOSE) process.stderr.write(`storegate ${bin ?? 'this checkout'}: pid ${sg.proc.pid}\n`);
  const target: Target = {
    port: sg.ports.mqtt,
    pid: sg.proc.pid as number,
    creds: (i) => ({ username: devices[i]?.id, password: devices[i]?.secret }),
    reader: { username: SERVICE_USER, password: SERVICE_PASSWORD },
  };
  return { ...sg, target };
}

/**
 * mosquitto as a store would run it: no anonymous logins, a password file, an ACL that lets each device write
 * only under its own id and the gateway read the tree. Queue and in-flight limits are lifted (the defaults,
 * 1000 queued / 20 in flight, make one busy `#` subscriber drop messages: see MEASURED.md).
 */
async function startMosquitto(dir: string, devices: Device[]) {
  if (!MOSQUITTO || !MOSQUITTO_PASSWD) return null;
  const port = await freePort();
  const pw = join(dir, 'mosquitto.passwd');
  writeFileSync(pw, `${[...devices.map((d) => `${d.id}:${d.secret}`), `${SERVICE_USER}:${SERVICE_PASSWORD}`].join('\n')}\n`);
  execFileSync(MOSQUITTO_PASSWD, ['-U', pw]); // hashes the plain file in place
  const acl = join(dir, 'mosquitto.acl');
  writeFileSync(
    acl,
    `${[...devices.flatMap((d) => [`user ${d.id}`, `topic write storegate/${STORE}/${KIND}/${d.id}/#`, '']), `user ${SERVICE_USER}`, 'topic read storegate/#'].join('\n')}\n`,
  );
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${pw}`,
      `acl_file ${acl}`,
      // run as root, mosquitto switches to the `mosquitto` user, which cannot read files in our private temp dir
      `user ${userInfo().username}`,
      'persistence false',
      'max_queued_messages 1000000',
      'max_queued_bytes 0',
      'max_inflight_messages 0',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
    ].join('\n'),
  );
  const proc = started(spawnLogged(MOSQUITTO, ['-c', conf]));
  const reader = { username: SERVICE_USER, password: SERVICE_PASSWORD };
  await waitFor(
    () =>
      connect(port, reader, `probe-${Date.now()}`).then(
        (c) => {
          c.end(true);
          return true;
        },
        () => false,
      ),
    10_000,
    'mosquitto',
  ).catch((err) => {
    throw new Error(`${(err as Error).message}: ${proc.output()}`);
  });
  const target: Target = { port, pid: proc.pid as number, creds: (i) => ({ username: devices[i]?.id, password: devices[i]?.secret }), reader };
  return { proc, target };
}

/** Bare aedes in its own process (no auth, no ingest, no persistence): the floor storegate's broker cost sits on. */
async function startBareAedes() {
  const port = await freePort();
  const proc = started(spawnLogged(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'aedes-bare.ts'), String(port)]));
  await waitFor(() => proc.output().includes('listening'), 20_000, 'bare aedes');
  const target: Target = { port, pid: proc.pid as number, creds: () => ({}), reader: {} };
  return { proc, target };
}

/** The durable-ingest floor (aedes + sqlite3 doing only parse → group-commit INSERT → PUBACK), its own process. */
async function startDurableFloor() {
  const port = await freePort();
  const proc = started(spawnLogged(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'aedes-durable.ts'), String(port)]));
  await waitFor(() => proc.output().includes('listening'), 20_000, 'durable floor');
  const target: Target = { port, pid: proc.pid as number, creds: () => ({}), reader: {} };
  return { proc, target };
}

/** Rows the killed gateway left in device_events for the QoS 1 runs (their msgIds start with `q1`). */
async function countStored(dbFile: string): Promise<number> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const d = new sqlite3.Database(dbFile, sqlite3.OPEN_READONLY, (err) => (err ? reject(err) : resolve(d)));
  });
  try {
    const row = await new Promise<{ n: number }>((resolve, reject) =>
      db.get("SELECT count(*) AS n FROM device_events WHERE channel = 'telemetry' AND id LIKE 'bench-%/telemetry/q1-%'", (err, r) =>
        err ? reject(err) : resolve(r as { n: number }),
      ),
    );
    return row.n;
  } finally {
    await new Promise((r) => db.close(r));
  }
}

/** every broker this bench starts, so a failed run leaves none behind */
const children: ReturnType<typeof spawnLogged>[] = [];
const started = <P extends ReturnType<typeof spawnLogged>>(p: P): P => {
  children.push(p);
  return p;
};

const med = <T>(runs: T[], pick: (r: T) => number) => median(runs.map(pick));

export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'storegate-bench-'));
  const rows: BenchRow[] = [];
  try {
    const devices = await provision(dir);
    // BENCH_COMPARE=<other checkout>: that build runs too, in the same rounds, on a copy of the same devices
    const cmpRoot = process.env.BENCH_COMPARE;
    const cmpDir = join(dir, 'compare');
    if (cmpRoot) {
      mkdirSync(cmpDir);
      copyFileSync(join(dir, 'storegate.db'), join(cmpDir, 'storegate.db'));
    }
    const sg = await startStoregate(dir, devices);
    const cmp = cmpRoot ? await startStoregate(cmpDir, devices, join(cmpRoot, 'bin/storegate.js')) : undefined;
    await new Promise((r) => setTimeout(r, 1500));
    const idleRss = rssMb(sg.target.pid);
    const mq = await startMosquitto(dir, devices);
    const floor = SKIP.has('floor') ? undefined : await startDurableFloor();

    type Q1 = Awaited<ReturnType<typeof runQos1>>;
    type Q0 = Awaited<ReturnType<typeof runQos0>>;
    const q1: Q1[] = [];
    const q1ref: Q1[] = [];
    const q1cmp: Q1[] = [];
    const q1floor: Q1[] = [];
    const q0: Q0[] = [];
    const q0ref: Q0[] = [];
    // a short unmeasured round on each broker first: a gateway runs for days, so its JIT-cold first seconds
    // are not what a store sees
    for (const t of [sg.target, ...(cmp ? [cmp.target] : []), ...(mq ? [mq.target] : []), ...(floor ? [floor.target] : [])])
      await runQos1(t, `warm-${t.port}`, t === mq?.target, WARMUP);
    // alternate which broker goes first, so a drift in the box's load does not favour one
    for (let r = 0; r < ROUNDS; r++) {
      const sgRun = async () => void q1.push(await runQos1(sg.target, `q1-r${r}`, false));
      const mqRun = async () => void (mq && q1ref.push(await runQos1(mq.target, `mq1-r${r}`, true)));
      const cmpRun = async () => void (cmp && q1cmp.push(await runQos1(cmp.target, `q1-r${r}`, false)));
      const floorRun = async () => void (floor && q1floor.push(await runQos1(floor.target, `f1-r${r}`, false)));
      for (const step of r % 2 === 0 ? [sgRun, mqRun, floorRun, cmpRun] : [cmpRun, floorRun, mqRun, sgRun]) await step();
    }
    for (let r = 0; r < (SKIP.has('qos0') ? 0 : ROUNDS); r++) {
      q0.push(await runQos0(sg.target, `q0-r${r}`));
      if (mq) q0ref.push(await runQos0(mq.target, `mq0-r${r}`));
    }
    const loadedRss = rssMb(sg.target.pid);
    if (VERBOSE) {
      const m = await (await fetch(`http://127.0.0.1:${sg.ports.http}/metrics`)).text();
      const sum = Number(/storegate_store_batch_rows_sum (\S+)/.exec(m)?.[1]);
      const count = Number(/storegate_store_batch_rows_count (\S+)/.exec(m)?.[1]);
      process.stderr.write(`storegate: ${count} device-event writes, ${(sum / count).toFixed(1)} rows each on average\n`);
    }
    const acked = q1.reduce((s, x) => s + x.acked, 0);
    if (process.env.BENCH_PROF)
      await stopProcess(sg.proc); // SIGTERM: the profile is written on a clean exit
    else await killProcess(sg.proc);
    const stored = await countStored(join(dir, 'storegate.db'));
    if (cmp) await killProcess(cmp.proc);
    const cmpStored = cmp ? await countStored(join(cmpDir, 'storegate.db')) : 0;
    const cmpAcked = q1cmp.reduce((s, x) => s + x.acked, 0);

    const bareQ1: Q1[] = [];
    const bareQ0: Q0[] = [];
    if (!SKIP.has('bare')) {
      const bare = await startBareAedes();
      for (let r = 0; r < ROUNDS; r++) {
        bareQ1.push(await runQos1(bare.target, `b1-r${r}`, false));
        bareQ0.push(await runQos0(bare.target, `b0-r${r}`));
      }
      await stopProcess(bare.proc);
    }
    if (floor) await stopProcess(floor.proc);
    const mqDropped = mq ? /dropped/i.test(mq.proc.output()) : false;
    const mqReceived = q1ref.reduce((s, x) => s + x.received, 0);
    const mqAcked = q1ref.reduce((s, x) => s + x.acked, 0);
    if (mq) await stopProcess(mq.proc);

    const ref = <T>(runs: T[], pick: (r: T) => number) => (runs.length ? { reference: med(runs, pick) } : {});
    const refNote = mq ? 'reference: mosquitto, password file + ACL + 1 QoS 1 subscriber on storegate/#' : 'mosquitto absent: no reference';
    const lost = acked - stored;
    if (lost !== 0) process.exitCode = 1;
    rows.push(
      {
        name: 'QoS 1 events/s (auth, persisted before PUBACK)',
        value: med(q1, (x) => x.rate),
        unit: 'ev/s',
        ...ref(q1ref, (x) => x.rate),
        note: `${DEVICES} CLI-provisioned devices × ${PER_DEVICE}, ${WINDOW} in flight each, ~150 B JSON, median of ${ROUNDS}; ${refNote}`,
      },
      {
        name: 'QoS 1 broker CPU per event',
        value: med(q1, (x) => x.cpuUs),
        unit: 'µs',
        ...ref(q1ref, (x) => x.cpuUs),
        note: 'utime+stime of the broker process, all threads',
      },
      ...(q1floor.length
        ? [
            {
              name: 'durable floor: QoS 1 events/s (aedes + sqlite3 only)',
              value: med(q1floor, (x) => x.rate),
              unit: 'ev/s',
              ...ref(q1ref, (x) => x.rate),
              note: 'bench/aedes-durable.ts: JSON.parse → group-commit INSERT into the same table and indexes → PUBACK; no auth, checks, envelope, bus',
            },
            { name: 'durable floor: QoS 1 CPU per event', value: med(q1floor, (x) => x.cpuUs), unit: 'µs', ...ref(q1ref, (x) => x.cpuUs) },
            {
              name: 'storegate vs the durable floor: CPU per event',
              value: med(q1, (x) => x.cpuUs),
              unit: 'µs',
              reference: med(q1floor, (x) => x.cpuUs),
              note: 'what storegate adds on top of its two libraries',
            },
          ]
        : []),
      { name: 'QoS 1 publish→PUBACK p50', value: med(q1, (x) => x.p50), unit: 'ms', ...ref(q1ref, (x) => x.p50) },
      { name: 'QoS 1 publish→PUBACK p99', value: med(q1, (x) => x.p99), unit: 'ms', ...ref(q1ref, (x) => x.p99) },
      ...(cmp
        ? [
            { name: `compare ${cmpRoot}: QoS 1 events/s`, value: med(q1cmp, (x) => x.rate), unit: 'ev/s', ...ref(q1ref, (x) => x.rate) },
            { name: `compare ${cmpRoot}: QoS 1 CPU per event`, value: med(q1cmp, (x) => x.cpuUs), unit: 'µs', ...ref(q1ref, (x) => x.cpuUs) },
            { name: `compare ${cmpRoot}: p50 / p99`, value: med(q1cmp, (x) => x.p50), unit: 'ms', note: `p99 ${med(q1cmp, (x) => x.p99).toFixed(1)} ms` },
            { name: `compare ${cmpRoot}: events stored`, value: cmpStored, unit: 'ev', reference: cmpAcked },
          ]
        : []),
      {
        name: 'events in the store after the run',
        value: stored,
        unit: 'ev',
        reference: acked,
        note: `reference column: PUBACKs the devices got from storegate; gateway SIGKILLed, device_events read-only${lost ? `; ${lost} ACKNOWLEDGED EVENTS MISSING` : ''}`,
      },
      ...(mq
        ? [
            {
              name: 'mosquitto: messages its # subscriber got',
              value: mqReceived,
              unit: 'msg',
              reference: mqAcked,
              note: `reference column: PUBACKs from mosquitto; max_queued_messages 1000000, max_queued_bytes 0, max_inflight_messages 0${mqDropped ? '; MOSQUITTO LOGGED DROPS' : ''}`,
            },
          ]
        : []),
      ...(q0.length
        ? [
            { name: 'QoS 0 events/s to a # subscriber', value: med(q0, (x) => x.rate), unit: 'ev/s', ...ref(q0ref, (x) => x.rate) },
            { name: 'QoS 0 broker CPU per event', value: med(q0, (x) => x.cpuUs), unit: 'µs', ...ref(q0ref, (x) => x.cpuUs) },
          ]
        : []),
      ...(bareQ1.length
        ? [
            {
              name: 'bare aedes QoS 1 events/s (no auth, no persistence)',
              value: med(bareQ1, (x) => x.rate),
              unit: 'ev/s',
              ...ref(q1ref, (x) => x.rate),
              note: 'the broker floor (no subscriber)',
            },
            { name: 'bare aedes QoS 1 CPU per event', value: med(bareQ1, (x) => x.cpuUs), unit: 'µs', ...ref(q1ref, (x) => x.cpuUs) },
            { name: 'bare aedes QoS 0 events/s to a # subscriber', value: med(bareQ0, (x) => x.rate), unit: 'ev/s', ...ref(q0ref, (x) => x.rate) },
          ]
        : []),
      { name: 'cold start to /readyz OK', value: sg.coldStartMs, unit: 'ms', note: 'spawn → 200 (compiled dist/; see bench/startup.ts for the floor)' },
      { name: 'idle RSS', value: idleRss, unit: 'MB' },
      { name: 'RSS after load', value: loadedRss, unit: 'MB' },
    );
  } finally {
    for (const p of children.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

function killProcess(p: ReturnType<typeof spawnLogged>): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run();
  printTable(rows.map((r) => ({ ...r, area: 'ingest' })));
}
