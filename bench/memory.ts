/**
 * Memory: the gateway's RSS idle, then with 500 simulated devices connected to the embedded broker and
 * heartbeating (QoS 1 status every HEARTBEAT_MS), like a large store's fleet. The gateway runs as its own
 * process (`storegate start`); the devices are mqtt.js clients in this process.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { type BenchRow, freePort, printTable, rssMb, spawnLogged, stopProcess, waitFor } from './lib.ts';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 500);
const HEARTBEAT_MS = Number(process.env.BENCH_HEARTBEAT_MS ?? 5000);
const LOADED_SECONDS = Number(process.env.BENCH_LOADED_SECONDS ?? 20);
const KINDS = ['ble-scanner', 'locker', 'mirror', 'sensor'];

const peakMb = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

function connect(port: number, id: string, secret: string, kind: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      username: id,
      password: secret,
      clientId: id,
      reconnectPeriod: 0,
      keepalive: 60,
      will: { topic: `storegate/store-1/${kind}/${id}/status`, payload: Buffer.from('{"online":false}'), qos: 1, retain: false },
    });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'storegate-bench-mem-'));
  const devices = Array.from({ length: DEVICES }, (_, i) => ({
    id: `mem-${i}`,
    kind: KINDS[i % KINDS.length] as string,
    secret: `mem-secret-${i}-0123456789abcdef`,
  }));
  writeFileSync(join(dir, 'storegate.json'), JSON.stringify({ devices }));
  const [http, port, ws] = [await freePort(), await freePort(), await freePort()];
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STOREGATE_'))),
    STOREGATE_DATA_DIR: dir,
    STOREGATE_HTTP_PORT: String(http),
    STOREGATE_HTTP_HOST: '127.0.0.1',
    STOREGATE_MQTT_PORT: String(port),
    STOREGATE_MQTT_WS_PORT: String(ws),
    STOREGATE_MQTT_HOST: '127.0.0.1',
    STOREGATE_LOG_LEVEL: 'warn',
    STOREGATE_ADMIN_TOKEN: 'bench-admin-token-0123456789',
  };
  const proc = spawnLogged(process.execPath, [join(import.meta.dirname, '..', 'bin', 'storegate.js'), 'start', '--config', join(dir, 'storegate.json')], env);
  const clients: MqttClient[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${http}/readyz`).catch(() => null))?.ok === true, 60_000, 'storegate /readyz');
    const pid = proc.pid as number;
    // let start-up garbage settle before calling it idle
    await new Promise((r) => setTimeout(r, 2000));
    const idle = rssMb(pid);

    for (let i = 0; i < devices.length; i += 50) {
      clients.push(...(await Promise.all(devices.slice(i, i + 50).map((d) => connect(port, d.id, d.secret, d.kind)))));
    }
    const connected = rssMb(pid);
    let acked = 0;
    let n = 0;
    clients.forEach((c, i) => {
      const d = devices[i] as (typeof devices)[number];
      const beat = () =>
        c.publish(
          `storegate/store-1/${d.kind}/${d.id}/status`,
          JSON.stringify({ msgId: `hb-${n++}`, online: true, batteryPct: 90, uptimeSeconds: n }),
          { qos: 1 },
          (err) => {
            if (!err) acked++;
          },
        );
      // spread the fleet's heartbeats over the period, as real devices drift apart
      timers.push(
        setTimeout(
          () => {
            beat();
            timers.push(setInterval(beat, HEARTBEAT_MS));
          },
          Math.floor((i / clients.length) * HEARTBEAT_MS),
        ),
      );
    });
    await new Promise((r) => setTimeout(r, LOADED_SECONDS * 1000));
    const loaded = rssMb(pid);
    const peak = peakMb(pid);
    const note = `${DEVICES} devices, status every ${HEARTBEAT_MS / 1000} s, ${LOADED_SECONDS} s`;
    return [
      { name: 'idle RSS (no devices connected)', value: idle, unit: 'MB', reference: 120, note: 'reference: MEASURED.md, libraries loaded and started' },
      { name: `RSS with ${DEVICES} devices connected`, value: connected, unit: 'MB' },
      { name: `RSS with ${DEVICES} devices heartbeating`, value: loaded, unit: 'MB', note },
      { name: 'peak RSS (VmHWM)', value: peak, unit: 'MB' },
      { name: 'RSS per connected device', value: ((loaded - idle) * 1024) / DEVICES, unit: 'KB' },
      { name: 'heartbeats acknowledged', value: acked, unit: 'msg', note: `≈ ${Math.round(acked / LOADED_SECONDS)}/s` },
    ];
  } finally {
    for (const t of timers) clearTimeout(t);
    await Promise.all(clients.map((c) => new Promise<void>((r) => c.end(true, {}, () => r()))));
    await stopProcess(proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run();
  printTable(rows.map((r) => ({ ...r, area: 'memory' })));
}
