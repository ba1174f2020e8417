import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { StockChange } from '../../../../devices/downlink.ts';
import { createCloudSimulator, newSigningKey } from '../../../../simulators/cloud.ts';
import { CLI, cleanEnv } from '../../../helpers/cli.ts';
import { ADMIN_TOKEN, STAFF_TOKEN, tempDir, until } from '../../../helpers/gateway.ts';
import { freePort, hasMosquitto, startMosquitto } from '../../../helpers/mosquitto.ts';

const N = 650;
/**
 * Every message: +1 on SG-0002 M (its end level counts the applications: seed 5 + N only if each applied once), and on
 * SG-0002 L a recount to the sequence every 100th, else +1 (a recount applied out of order would show in the level).
 */
const changes = (seq: number): StockChange[] => [
  { sku: 'SG-0002', size: 'M', reason: 'transfer', quantity: 1 },
  seq % 100 === 0 ? { sku: 'SG-0002', size: 'L', reason: 'recount', quantity: seq } : { sku: 'SG-0002', size: 'L', reason: 'transfer', quantity: 1 },
];

describe.skipIf(!hasMosquitto)('downlink across a gateway crash (real mosquitto as the cloud broker)', () => {
  it('applies every message exactly once and in order when `storegate start` is SIGKILLed mid-stream and restarted', async () => {
    const dataDir = tempDir();
    const broker = await startMosquitto(tempDir('storegate-cloud-broker-'));
    const key = newSigningKey();
    const [http, mqttPort, ws] = [await freePort(), await freePort(), await freePort()];
    const file = join(dataDir, 'storegate.json');
    writeFileSync(
      file,
      JSON.stringify({
        dataDir,
        log: { level: 'warn' },
        http: { host: '127.0.0.1', port: http, adminToken: ADMIN_TOKEN, staffToken: STAFF_TOKEN },
        mqtt: { host: '127.0.0.1', port: mqttPort, wsPort: ws },
        recognition: { enabled: false },
        downlink: { keys: [{ id: 'hq-1', publicKey: key.publicKeyPem }], mqtt: { url: broker.url, clientId: 'store-1-downlink-test' } },
      }),
    );
    const start = () => {
      const child: ChildProcess = spawn(process.execPath, [CLI, 'start', '--config', file], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
      onTestFinished(() => void child.kill('SIGKILL'));
      return child;
    };
    const get = async <T>(url: string, token = ADMIN_TOKEN): Promise<T | null> => {
      const r = await fetch(`http://127.0.0.1:${http}${url}`, { headers: { authorization: `Bearer ${token}` } }).catch(() => null);
      return r?.ok ? ((await r.json()) as T) : null;
    };
    type Status = { streams: Array<{ stream: string; position: number }>; mqtt: { subscribed: boolean } };
    const position = async () => (await get<Status>('/api/v1/downlink'))?.streams.find((s) => s.stream === 'stock')?.position ?? -1;

    let child = start();
    // the persistent session exists on the broker: from now on it queues for the gateway
    await until(async () => (await get<Status>('/api/v1/downlink'))?.mqtt.subscribed, 60_000, 'downlink subscribed');
    const cloud = await createCloudSimulator({ storeId: 'store-1', keyId: 'hq-1', privateKey: key.privateKey, mqttUrl: broker.url });
    onTestFinished(() => cloud.close());
    // numbered in order here; mqtt.js sends them in order on one connection
    await Promise.all(Array.from({ length: N }, (_, i) => cloud.stock(changes(i + 1))));

    // killed while it applies the stream
    await until(async () => (await position()) >= 200, 30_000, 'part of the stream applied');
    const before = await position();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const atKill = await position();
    expect(atKill).toBe(-1);

    child = start();
    await until(async () => (await position()) === N, 60_000, 'the whole stream applied after the restart');
    expect(before).toBeLessThan(N);
    const product = await get<{ sizes: Array<{ size: string; stock: number }> }>('/api/v1/catalog/products/SG-0002', STAFF_TOKEN);
    const level = (size: string) => product?.sizes.find((s) => s.size === size)?.stock;
    expect(level('M')).toBe(5 + N);
    expect(level('L')).toBe(600 + 50);
  }, 240_000);
});
