/**
 * Lockers: offline return-QR verification (HMAC and Ed25519), best-fit allocation over a 256-compartment
 * bank, and the keypad round trip over real MQTT (code entry → gateway → SQLite transaction → keypad answer).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signReturnQr, verifyReturnQr } from '../devices/locker/return-qr.ts';
import { loadConfig } from '../gateway/config/load.ts';
import { silentLogger } from '../gateway/log.ts';
import { createGateway } from '../gateway/main.ts';
import { bestFit } from '../gateway/services/lockers/allocate.ts';
import { createLockerSim } from '../simulators/locker.ts';
import { type BenchRow, percentile, printTable } from './lib.ts';

function rate(fn: () => void, ms = 500): number {
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
  }
  return n / (ms / 1000);
}

async function keypadRoundTrip(n: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sg-bench-lockers-'));
  const compartments = Array.from({ length: 24 }, (_, i) => ({ id: `B${i + 1}`, size: ['S', 'M', 'L'][i % 3] as string }));
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir: dir,
      'http.port': 0,
      'http.host': '127.0.0.1',
      'http.adminToken': 'bench-admin-token',
      'mqtt.port': 0,
      'mqtt.wsPort': 0,
      'mqtt.host': '127.0.0.1',
      'log.level': 'silent',
      'lockers.banks': [{ id: 'B', controllerId: 'lk-b', compartments }],
      'lockers.keypad': { maxFailures: 1_000_000_000 },
    },
  });
  const gw = await createGateway(config, { log: silentLogger });
  await gw.start();
  try {
    const { secret } = await gw.registry.add({ id: 'lk-b', kind: 'locker', zone: null });
    const sim = createLockerSim({
      url: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
      storeId: config.storeId,
      deviceId: 'lk-b',
      secret,
      compartments: compartments.map((c) => c.id),
    });
    await sim.connect();
    await sim.nextCommand((c) => c.type === 'synced');
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await sim.enterCode(String(i).padStart(6, '0'));
      await sim.nextCommand((c) => c.type === 'keypad');
      times.push(performance.now() - t0);
    }
    await sim.disconnect();
    return times.sort((a, b) => a - b);
  } finally {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchRow[]> {
  const payload = { rid: 'r', oid: 'o', item: 'sku', reason: 'wrong_size', exp: Date.now() / 1000 + 3600 };
  const hs = signReturnQr(payload, { hmacKey: 'bench-key-0123456789' });
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const ed = signReturnQr(payload, { ed25519PrivateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() });
  const bank = Array.from({ length: 256 }, (_, i) => ({ id: `C${i}`, size: 'x', w: 380, h: [80, 190, 410][i % 3] as number, d: 640 }));
  const times = await keypadRoundTrip(300);
  return [
    { name: 'return QR verify, hs256', value: Math.round(rate(() => verifyReturnQr(hs, { hmacKey: 'bench-key-0123456789' }, Date.now()))), unit: 'ops/s' },
    { name: 'return QR verify, ed25519', value: Math.round(rate(() => verifyReturnQr(ed, { ed25519PublicKey: pub }, Date.now()))), unit: 'ops/s' },
    { name: 'best fit, 256 compartments', value: Math.round(rate(() => bestFit({ w: 300, h: 150, d: 300 }, bank))), unit: 'ops/s' },
    { name: 'keypad entry → answer over MQTT, p50', value: Number((percentile(times, 50) ?? 0).toFixed(2)), unit: 'ms', note: '300 sequential wrong codes' },
    { name: 'keypad entry → answer over MQTT, p95', value: Number((percentile(times, 95) ?? 0).toFixed(2)), unit: 'ms' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run();
  printTable(rows.map((r) => ({ ...r, area: 'lockers' })));
}
