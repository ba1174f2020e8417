import { type ChildProcess, spawn } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { StockChange } from '../../../../devices/downlink.ts';
import { createCloudSimulator, newSigningKey } from '../../../../simulators/cloud.ts';
import { CLI, cleanEnv, writeGatewayConfig } from '../../../helpers/cli.ts';
import { ADMIN_TOKEN, STAFF_TOKEN, tempDir, until } from '../../../helpers/gateway.ts';
import { hasMosquitto, startMosquitto } from '../../../helpers/mosquitto.ts';

const N = 650;
/**
 * Every message: +1 on SG-0002 M (its end level counts the applications: seed 5 + N only if each applied once), and on
 * SG-0002 L a recount to the sequence every 100th, else +1 (a recount applied out of order would show in the level).
 */
const changes = (seq: number): StockChange[] => [
  { sku: 'SG-0002', size: 'M', reason: 'transfer', quantity: 1 },
  seq % 100 === 0 ? { sku: 'SG-0002', size: 'L', reason: 'recount', quantity: seq } : { sku: 'SG-0002', size: 'L', reason: 'transfer', quantity: 1 },
];

/** `storegate start` (the compiled CLI) subscribed to a real mosquitto as the cloud broker, killable with SIGKILL. */
async function crashRig() {
  const dataDir = tempDir();
  const broker = await startMosquitto(tempDir('storegate-cloud-broker-'));
  const key = newSigningKey();
  const { file, http } = await writeGatewayConfig(dataDir, {
    http: { adminToken: ADMIN_TOKEN, staffToken: STAFF_TOKEN },
    recognition: { enabled: false },
    downlink: { keys: [{ id: 'hq-1', publicKey: key.publicKeyPem }], mqtt: { url: broker.url, clientId: 'store-1-downlink-test' } },
  });
  let child: ChildProcess | undefined;
  const get = async <T>(url: string, token = ADMIN_TOKEN): Promise<T | null> => {
    const r = await fetch(`http://127.0.0.1:${http}${url}`, { headers: { authorization: `Bearer ${token}` } }).catch(() => null);
    return r?.ok ? ((await r.json()) as T) : null;
  };
  type Status = { streams: Array<{ stream: string; position: number; held: number }>; mqtt: { subscribed: boolean } };
  const stockStream = async () => (await get<Status>('/api/v1/downlink'))?.streams.find((s) => s.stream === 'stock');
  const rig = {
    key,
    get,
    position: async () => (await stockStream())?.position ?? -1,
    held: async () => (await stockStream())?.held ?? -1,
    /** starts the gateway and waits for its downlink subscription (from then on the broker queues for it) */
    async start() {
      const c: ChildProcess = spawn(process.execPath, [CLI, 'start', '--config', file], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
      onTestFinished(() => void c.kill('SIGKILL'));
      child = c;
      await until(async () => (await get<Status>('/api/v1/downlink'))?.mqtt.subscribed, 60_000, 'downlink subscribed');
    },
    async kill() {
      const c = child;
      if (!c) return;
      c.kill('SIGKILL');
      await new Promise((r) => c.once('exit', r));
    },
    async cloud() {
      const cloud = await createCloudSimulator({ storeId: 'store-1', keyId: 'hq-1', privateKey: key.privateKey, mqttUrl: broker.url });
      onTestFinished(() => cloud.close());
      return cloud;
    },
    async level(sku: string, size: string) {
      const product = await get<{ sizes: Array<{ size: string; stock: number }> }>(`/api/v1/catalog/products/${sku}`, STAFF_TOKEN);
      return product?.sizes.find((s) => s.size === size)?.stock;
    },
  };
  return rig;
}

describe.skipIf(!hasMosquitto)('downlink across a gateway crash (real mosquitto as the cloud broker)', () => {
  it('applies every message exactly once and in order when `storegate start` is SIGKILLed mid-stream and restarted', async () => {
    const rig = await crashRig();
    await rig.start();
    const cloud = await rig.cloud();
    // numbered in order here; mqtt.js sends them in order on one connection
    await Promise.all(Array.from({ length: N }, (_, i) => cloud.stock(changes(i + 1))));

    // killed while it applies the stream
    await until(async () => (await rig.position()) >= 200, 30_000, 'part of the stream applied');
    const before = await rig.position();
    await rig.kill();
    expect(await rig.position()).toBe(-1);

    await rig.start();
    await until(async () => (await rig.position()) === N, 60_000, 'the whole stream applied after the restart');
    expect(before).toBeLessThan(N);
    expect(await rig.level('SG-0002', 'M')).toBe(5 + N);
    expect(await rig.level('SG-0002', 'L')).toBe(600 + 50);
  }, 240_000);

  it('a message held ahead of a gap and acknowledged is applied after a SIGKILL, once the gap is filled', async () => {
    const rig = await crashRig();
    await rig.start();
    const cloud = await rig.cloud();
    // #1 applied; #3 arrives before #2 (the cloud lost #2 on its side) and is held, PUBACKed
    const one = cloud.make('stock', 'stock.changed', { changes: [{ sku: 'SG-0002', size: 'M', reason: 'recount', quantity: 10 }] }).signed;
    const two = cloud.make('stock', 'stock.changed', { changes: [{ sku: 'SG-0002', size: 'M', reason: 'sale', quantity: 4 }] }).signed;
    const three = cloud.make('stock', 'stock.changed', { changes: [{ sku: 'SG-0002', size: 'M', reason: 'return', quantity: 2 }] }).signed;
    await cloud.deliver('stock', one);
    await cloud.deliver('stock', three);
    await until(async () => (await rig.held()) === 1, 30_000, '#3 held');
    expect(await rig.position()).toBe(1);

    await rig.kill();
    await rig.start();
    // the broker does not send #3 again (it was acknowledged): the gateway must have kept it
    expect(await rig.held()).toBe(1);
    await cloud.deliver('stock', two);
    await until(async () => (await rig.position()) === 3, 30_000, '#2 and the held #3 applied');
    // 10 − 4 + 2, each once and in order
    expect(await rig.level('SG-0002', 'M')).toBe(8);
    expect(await rig.held()).toBe(0);
  }, 240_000);
});
