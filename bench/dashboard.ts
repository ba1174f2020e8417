import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { loadConfig } from '../gateway/config/load.ts';
import { createLogger } from '../gateway/log.ts';
import { createGateway } from '../gateway/main.ts';
import type { BenchRow } from './lib.ts';

const TOKEN = 'bench-admin-token-0123456789';
const EVENTS = 10_000;
const CLIENTS = 100;

/** SSE readers counting `device.message` events (in this process: their parsing CPU is part of the cost). */
function readers(port: number, n: number) {
  const counts = new Array<number>(n).fill(0);
  const reqs = counts.map(
    (_, i) =>
      new Promise<() => void>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/api/v1/dashboard/stream', headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
          res.setEncoding('utf8');
          let buf = '';
          res.on('data', (chunk: string) => {
            // count whole frames only: a chunk may end in the middle of one
            buf += chunk;
            const end = buf.lastIndexOf('\n\n');
            if (end < 0) return;
            counts[i] = (counts[i] ?? 0) + (buf.slice(0, end).match(/"type":"device\.message"/g)?.length ?? 0);
            buf = buf.slice(end + 2);
          });
          resolve(() => req.destroy());
        });
        req.on('error', reject);
        req.end();
      }),
  );
  return { counts, ready: Promise.all(reqs) };
}

async function measure(clients: number) {
  const dir = mkdtempSync(join(tmpdir(), 'storegate-bench-dash-'));
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir: dir,
      'http.port': 0,
      'http.host': '127.0.0.1',
      'http.adminToken': TOKEN,
      'mqtt.port': 0,
      'mqtt.wsPort': 0,
      'mqtt.host': '127.0.0.1',
      'log.level': 'warn',
    },
  });
  const gw = await createGateway(config, { log: createLogger({ level: 'warn' }) });
  await gw.start();
  try {
    const { secret } = await gw.registry.add({ id: 'bench-01', kind: 'sensor' });
    const r = readers(gw.ports.http, clients);
    const closers = await r.ready;
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.ports.mqtt}`, { username: 'bench-01', password: secret, reconnectPeriod: 0 });
    const topic = `storegate/${config.storeId}/sensor/bench-01/telemetry`;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: EVENTS }, (_, n) => client.publishAsync(topic, JSON.stringify({ type: 'count', values: { n } }), { qos: 1 })));
    const seconds = (performance.now() - t0) / 1000;
    const deadline = Date.now() + 60_000;
    while (clients && r.counts.some((c) => c < EVENTS) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    const allDelivered = (performance.now() - t0) / 1000;
    await client.endAsync();
    for (const close of closers) close();
    return { rate: EVENTS / seconds, lost: r.counts.reduce((s, c) => s + (EVENTS - c), 0), allDelivered };
  } finally {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchRow[]> {
  const alone = await measure(0);
  const watched = await measure(CLIENTS);
  return [
    {
      name: `QoS 1 ingest with ${CLIENTS} live dashboard clients`,
      value: Math.round(watched.rate),
      unit: 'ev/s',
      reference: Math.round(alone.rate),
      note: `reference: no dashboard clients; ${EVENTS} events, one publisher, clients in the same process`,
    },
    { name: `events lost across ${CLIENTS} dashboard clients`, value: watched.lost, unit: 'ev', note: `${EVENTS * CLIENTS} deliveries expected` },
    { name: `last event on every dashboard client after`, value: Math.round(watched.allDelivered * 100) / 100, unit: 's', note: 'from the first publish' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await run()) console.log(JSON.stringify(row));
}
