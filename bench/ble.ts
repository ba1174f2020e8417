/**
 * BLE: advertisements decoded per second by the pure decoders, and advertisements per second through
 * MQTT → ingest → presence in a real gateway process with 200 beacons × 10 scanners, with the gateway's
 * CPU% and RSS from /proc. Run alone with `npx tsx bench/ble.ts`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { decodeAdvertisement } from '../devices/ble/decode.ts';
import { type ScannerAdv, toAdvertisement } from '../devices/ble/scanner-messages.ts';
import { systemClock } from '../gateway/clock.ts';
import { createRegistry } from '../gateway/registry/registry.ts';
import { coreMigrations } from '../gateway/store/core-migrations.ts';
import { openDb } from '../gateway/store/db.ts';
import { migrate } from '../gateway/store/migrate.ts';
import { type BenchRow, cpuSeconds, printTable, rssMb, spawnStoregate, stopProcess } from './lib.ts';

const BEACONS = Number(process.env.BENCH_BLE_BEACONS ?? 200);
const SCANNERS = Number(process.env.BENCH_BLE_SCANNERS ?? 10);
const SECONDS = Number(process.env.BENCH_BLE_SECONDS ?? 8);
const WINDOW = 32;
const APP_UUID = 'e2c56db5dffb48d2b060d0f5a71096e0';

const hex4 = (n: number) => n.toString(16).padStart(4, '0');
const appBeacon = (i: number) => `4c000215${APP_UUID}${hex4(1)}${hex4(i)}c5`;

/** Pure decoding of a realistic mix: app iBeacons, shelf Eddystone UID + TLM, an AltBeacon, a non-beacon. */
function benchDecode(): BenchRow[] {
  const mix: ScannerAdv[] = [
    { rssi: -70, manufacturerData: appBeacon(1) },
    { rssi: -70, manufacturerData: appBeacon(2) },
    { rssi: -70, serviceData: [{ uuid: 'feaa', data: '00e5b2b98de4c81c47c2b14e7500000000000000' }] },
    { rssi: -70, serviceData: [{ uuid: 'feaa', data: '20000b701549023532d802384f46' }] },
    { rssi: -70, manufacturerData: '1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c509' },
    { rssi: -70, manufacturerData: '4c0010050b1c0f3f4f' },
  ];
  const bytes = mix.map((m) => {
    const r = toAdvertisement(m);
    if (!r.ok) throw new Error(r.reason);
    return r.value;
  });
  const measure = (fn: (i: number) => void) => {
    for (let i = 0; i < 20_000; i++) fn(i); // warm up
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 1000) for (let k = 0; k < 1000; k++) fn(n++);
    return n / ((performance.now() - t0) / 1000);
  };
  const pure = measure((i) => decodeAdvertisement(bytes[i % bytes.length] as (typeof bytes)[number]));
  const withHex = measure((i) => {
    const r = toAdvertisement(mix[i % mix.length] as ScannerAdv);
    if (r.ok) decodeAdvertisement(r.value);
  });
  return [
    {
      name: 'decoded advertisements/s (pure, bytes in)',
      value: pure,
      unit: 'adv/s',
      note: 'mix of iBeacon, Eddystone UID/TLM, AltBeacon, non-beacon; one core',
    },
    { name: 'decoded advertisements/s (hex JSON fields in)', value: withHex, unit: 'adv/s', note: 'hex parse + RSSI check + decode' },
  ];
}

function connect(port: number, username: string, password: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { username, password, clientId: `${username}-${Date.now()}`, reconnectPeriod: 0 });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

/** Deterministic RSSI for beacon b at scanner s: each beacon stands near one zone, with some noise. */
function rssiFor(b: number, s: number, n: number) {
  const home = b % SCANNERS;
  const d = 1 + Math.abs(home - s) * 4;
  return Math.round(-59 - 22 * Math.log10(d) + (((b * 31 + s * 17 + n * 7) % 9) - 4));
}

async function startGateway(dir: string) {
  const db = await openDb(join(dir, 'storegate.db'));
  await migrate(db, coreMigrations);
  const registry = createRegistry({ db, clock: systemClock });
  const secrets: string[] = [];
  for (let s = 0; s < SCANNERS; s++) secrets.push((await registry.add({ id: `sc-${s}`, kind: 'ble-scanner' })).secret);
  await db.close();
  const zones = Array.from({ length: Math.ceil(SCANNERS / 2) }, (_, z) => ({
    name: `zone-${z}`,
    scanners: [`sc-${2 * z}`, `sc-${2 * z + 1}`].filter((_, k) => 2 * z + k < SCANNERS),
  }));
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ presence: { zones, shopperApp: { ibeaconUuids: [APP_UUID] } } }));
  const sg = await spawnStoregate({ dataDir: dir, args: ['-c', configFile] });
  const { proc } = sg;
  const { http, mqtt: port } = sg.ports;
  const clients = await Promise.all(secrets.map((secret, s) => connect(port, `sc-${s}`, secret)));
  const metric = async (name: string) => {
    const text = await (await fetch(`http://127.0.0.1:${http}/metrics`)).text();
    return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
  };
  return { proc, pid: proc.pid as number, clients, metric, http };
}

const topic = (s: number) => `storegate/store-1/ble-scanner/sc-${s}/adv`;

/** As fast as the gateway acknowledges: QoS 1, WINDOW in flight per scanner, one advertisement per message. */
async function saturate(clients: MqttClient[], batch: number, seconds: number) {
  let sent = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    clients.map(
      (c, s) =>
        new Promise<void>((resolve) => {
          let inflight = 0;
          let n = 0;
          const pump = () => {
            while (inflight < WINDOW && performance.now() < end) {
              const advs = Array.from({ length: batch }, () => {
                const b = n++ % BEACONS;
                return { rssi: rssiFor(b, s, n), address: 'ff:ff:ff:ff:ff:ff', manufacturerData: appBeacon(b) };
              });
              inflight++;
              c.publish(topic(s), JSON.stringify(batch === 1 ? advs[0] : { advs }), { qos: 1 }, () => {
                inflight--;
                sent += batch;
                if (performance.now() < end) pump();
                else if (inflight === 0) resolve();
              });
            }
          };
          pump();
        }),
    ),
  );
  return sent;
}

/** 200 beacons × 10 scanners heard once a second each: the offered load of a busy store, paced. */
async function paced(clients: MqttClient[], seconds: number) {
  const perTick = BEACONS / 10;
  let n = 0;
  await new Promise<void>((resolve) => {
    let ticks = 0;
    const t = setInterval(() => {
      for (let s = 0; s < clients.length; s++)
        for (let k = 0; k < perTick; k++) {
          const b = (ticks * perTick + k) % BEACONS;
          (clients[s] as MqttClient).publish(topic(s), JSON.stringify({ rssi: rssiFor(b, s, ticks), manufacturerData: appBeacon(b) }), { qos: 0 });
          n++;
        }
      if (++ticks >= seconds * 10) {
        clearInterval(t);
        resolve();
      }
    }, 100);
  });
  return n;
}

async function benchGateway(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'storegate-bench-ble-'));
  try {
    const gw = await startGateway(dir);
    const idleRss = rssMb(gw.pid);
    const rows: BenchRow[] = [];
    const load = `${BEACONS} beacons × ${SCANNERS} scanners`;
    for (const batch of [1, 50]) {
      const before = await gw.metric('storegate_presence_advertisements_total');
      const cpu0 = cpuSeconds(gw.pid);
      const t0 = performance.now();
      await saturate(gw.clients, batch, SECONDS);
      const wall = (performance.now() - t0) / 1000;
      const done = (await gw.metric('storegate_presence_advertisements_total')) - before;
      const cpu = ((cpuSeconds(gw.pid) - cpu0) / wall) * 100;
      rows.push({
        name: `MQTT → presence advertisements/s (${batch === 1 ? 'one per message' : `batches of ${batch}`})`,
        value: done / wall,
        unit: 'adv/s',
        note: `${load}, QoS 1, window ${WINDOW}; gateway CPU ${cpu.toFixed(0)}%`,
      });
    }
    const offeredSeconds = Math.max(4, Math.floor(SECONDS / 2));
    const cpu0 = cpuSeconds(gw.pid);
    const t0 = performance.now();
    const offered = await paced(gw.clients, offeredSeconds);
    const wall = (performance.now() - t0) / 1000;
    rows.push({
      name: `gateway CPU at ${Math.round(offered / wall)} adv/s offered`,
      value: ((cpuSeconds(gw.pid) - cpu0) / wall) * 100,
      unit: '%',
      note: `${load} at 1 Hz each, QoS 0, one per message; 100% = one core`,
    });
    const shoppers = await gw.metric('storegate_presence_shoppers_present');
    rows.push(
      { name: 'shoppers present after the run', value: shoppers, unit: '', note: `expect ${BEACONS}` },
      { name: 'gateway RSS idle', value: idleRss, unit: 'MB' },
      { name: 'gateway RSS after load', value: rssMb(gw.pid), unit: 'MB' },
    );
    for (const c of gw.clients) c.end(true);
    await stopProcess(gw.proc);
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchRow[]> {
  return [...benchDecode(), ...(await benchGateway())];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run();
  printTable(rows.map((r) => ({ ...r, area: 'ble' })));
}
