/**
 * Downlink: stock deltas applied per second (signed messages over a real mosquitto cloud broker into `storegate start`,
 * each message in one unit of work with its stream position, PUBACK after COMMIT), and the mirror's suggestion
 * latency (a `pick` interaction over HTTP: catalog read + session SQL) idle, while deltas stream at the target rate
 * and during a flood, as ratios. The target from the issue: 10k deltas/s, latency unchanged.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { downlinkTopic, type StockChange } from '../devices/downlink.ts';
import { createCloudSimulator, newSigningKey, serveFeed } from '../simulators/cloud.ts';
import { type BenchRow, freePort, percentile, spawnStoregate, stopProcess, waitFor } from './lib.ts';

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));
const STAFF = 'bench-staff-token-0123456789';
const PER_MESSAGE = 500;
/** messages of PER_MESSAGE changes flooded while picks are timed */
const DURING_MESSAGES = 600;
/** messages of PER_MESSAGE changes streamed at the target rate (10k deltas/s) while picks are timed: 8 s */
const PACED_MESSAGES = 160;
/** `STOREGATE_BENCH_CPU_PROF=<dir>`: the gateway writes a V8 CPU profile there when it stops (profile before changing) */
const CPU_PROF = process.env.STOREGATE_BENCH_CPU_PROF;
/** `STOREGATE_BENCH_BIN=<checkout>/bin/storegate.js`: another build (A/B rounds on one box, one after the other) */
const BIN = process.env.STOREGATE_BENCH_BIN;

export async function run(): Promise<BenchRow[]> {
  if (!MOSQUITTO) return [{ name: 'downlink deltas applied', value: Number.NaN, unit: 'deltas/s', note: 'SKIPPED: mosquitto not installed' }];
  const dir = mkdtempSync(join(tmpdir(), 'storegate-bench-downlink-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 1000000\nlog_dest none\n`,
  );
  const broker = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  const url = `mqtt://127.0.0.1:${port}`;
  const key = newSigningKey();
  const config = join(dir, 'storegate.json');
  // and an HTTP feed on a stream of its own (for stores without a cloud broker), pulled every half second
  let feedMessages: readonly string[] = [];
  const feed = await serveFeed(() => feedMessages);
  const streams = ['stock', 'catalog', 'config', 'commands', 'models', 'incentives', 'stock-feed'];
  writeFileSync(
    config,
    JSON.stringify({
      recognition: { enabled: false },
      downlink: { keys: [{ id: 'hq-1', publicKey: key.publicKeyPem }], mqtt: { url }, http: { url: feed.url, intervalSeconds: 0.5 }, streams },
    }),
  );
  const gw = await spawnStoregate({
    dataDir: join(dir, 'data'),
    args: ['--config', config],
    env: { STOREGATE_STAFF_TOKEN: STAFF },
    ...(CPU_PROF ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] } : {}),
    ...(BIN ? { bin: BIN } : {}),
  });
  const base = `http://127.0.0.1:${gw.ports.http}`;
  const admin = { authorization: `Bearer ${gw.adminToken}`, 'content-type': 'application/json' };
  try {
    await fetch(`${base}/api/v1/devices`, { method: 'POST', headers: admin, body: JSON.stringify({ id: 'mirror-1', kind: 'mirror', zone: 'fitting-1' }) });
    const position = async () => {
      const s = (await (await fetch(`${base}/api/v1/downlink`, { headers: admin })).json()) as {
        streams: Array<{ stream: string; position: number }>;
        mqtt: { subscribed: boolean };
      };
      return {
        position: s.streams.find((x) => x.stream === 'stock')?.position ?? 0,
        feed: s.streams.find((x) => x.stream === 'stock-feed')?.position ?? 0,
        subscribed: s.mqtt.subscribed,
      };
    };
    await waitFor(async () => (await position()).subscribed, 20_000, 'downlink subscribed');
    const cloud = await createCloudSimulator({ storeId: 'store-1', keyId: 'hq-1', privateKey: key.privateKey, mqttUrl: url });
    const catalog = JSON.parse(readFileSync(new URL('../models/catalog.sample.json', import.meta.url), 'utf8')) as {
      products: Array<{ sku: string; sizes: Array<{ size: string }> }>;
    };
    const items = catalog.products.flatMap((p) => p.sizes.map((s) => ({ sku: p.sku, size: s.size })));
    let k = 0;
    const deltas = (n: number): StockChange[] =>
      Array.from({ length: n }, () => {
        const it = items[k++ % items.length]!;
        return { sku: it.sku, size: it.size, reason: k % 2 ? 'sale' : 'return', quantity: 1 };
      });
    /** publishes `messages` of `per` deltas and resolves with the seconds until the last one is applied */
    const stream = async (messages: number, per: number) => {
      const target = (await position()).position + messages;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: messages }, () => cloud.stock(deltas(per))));
      await waitFor(async () => (await position()).position >= target, 300_000, 'stream applied');
      return (performance.now() - t0) / 1000;
    };
    const pick = async () => {
      const t0 = performance.now();
      const r = await fetch(`${base}/api/v1/fitting/mirrors/mirror-1/interactions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${STAFF}`, 'content-type': 'application/json' },
        body: '{"type":"pick","productId":"SG-0001"}',
      });
      await r.arrayBuffer();
      return performance.now() - t0;
    };
    const picks = async (n: number, until?: () => boolean) => {
      const out: number[] = [];
      for (let i = 0; i < n && !until?.(); i++) out.push(await pick());
      return out.sort((a, b) => a - b);
    };

    /** one pull brings `n` single-change messages; seconds until the last is applied (includes ≤ 0.5 s until the pull) */
    const pulled = async (n: number) => {
      const target = (await position()).feed + n;
      feedMessages = Array.from({ length: n }, () => cloud.make('stock-feed', 'stock.changed', { changes: deltas(1) }).signed);
      const t0 = performance.now();
      await waitFor(async () => (await position()).feed >= target, 300_000, 'feed applied');
      return (performance.now() - t0) / 1000;
    };
    await stream(10, PER_MESSAGE); // warm-up
    const bulk = await stream(100, PER_MESSAGE);
    const hundreds = await stream(300, 100);
    const single = await stream(1000, 1);
    const viaFeed = await pulled(3000);
    // The latency rows: the pick client must measure the gateway, not its own event loop. So the streams' messages
    // are signed before the idle round, a worker thread with its own MQTT connection publishes them, and the
    // same status poller (every 50 ms, the instrument that sees a stream end) runs in every round. Two streams: at
    // the rate (10k deltas/s: a message of 500 every 50 ms) and a flood (all at once, as fast as it applies).
    const make = (n: number) => Array.from({ length: n }, () => cloud.make('stock', 'stock.changed', { changes: deltas(PER_MESSAGE) }).signed);
    const paced = make(PACED_MESSAGES);
    const flood = make(DURING_MESSAGES);
    let polled = (await position()).position;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        polled = (await position()).position;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    /** picks (sorted) while `messages` stream (from the first applied message until the last), and the stream's seconds */
    const during = async (messages: readonly string[], everyMs: number) => {
      const target = polled + messages.length;
      const t0 = performance.now();
      const publisher = publishFrom(url, downlinkTopic('store-1', 'stock'), messages, everyMs);
      await waitFor(() => polled > target - messages.length, 60_000, 'stream started');
      const timed = await picks(5000, () => polled >= target);
      await publisher;
      await waitFor(() => polled >= target, 300_000, 'stream applied');
      return { timed, seconds: (performance.now() - t0) / 1000 };
    };
    await picks(50);
    const idle = await picks(400);
    const atRate = await during(paced, 1000 / (10_000 / PER_MESSAGE));
    const flooded = await during(flood, 0);
    polling = false;
    await poller;
    await cloud.close();
    const rate = (100 * PER_MESSAGE) / bulk;
    return [
      {
        name: `downlink stock deltas applied (${PER_MESSAGE} per signed message, MQTT, exactly once)`,
        value: rate,
        unit: 'deltas/s',
        reference: 10_000,
        note: 'reference = the target',
      },
      {
        name: 'downlink stock deltas applied (100 per signed message)',
        value: (300 * 100) / hundreds,
        unit: 'deltas/s',
        reference: 10_000,
        note: 'reference = the target',
      },
      {
        name: 'downlink messages applied from one HTTP pull (1 delta each)',
        value: 3000 / viaFeed,
        unit: 'msg/s',
        note: '3000 messages; includes up to 0.5 s until the pull',
      },
      { name: 'downlink messages applied (1 delta each)', value: 1000 / single, unit: 'msg/s', note: 'one unit of work and one PUBACK per message' },
      {
        name: `downlink stock deltas applied while a mirror is used (a flood of ${PER_MESSAGE}-change messages)`,
        value: (DURING_MESSAGES * PER_MESSAGE) / flooded.seconds,
        unit: 'deltas/s',
        reference: 10_000,
        note: 'reference = the target; long units pause for the picks (unit-of-work.ts)',
      },
      {
        name: 'mirror suggestion (pick) p50 while 10k deltas/s stream',
        value: percentile(atRate.timed, 50),
        unit: 'ms',
        reference: percentile(idle, 50),
        note: `${atRate.timed.length} picks during ${PACED_MESSAGES} messages of ${PER_MESSAGE}, one every 50 ms; reference = idle`,
      },
      {
        name: 'mirror suggestion (pick) p99 while 10k deltas/s stream',
        value: percentile(atRate.timed, 99),
        unit: 'ms',
        reference: percentile(idle, 99),
        note: 'reference = idle',
      },
      {
        name: 'mirror suggestion (pick) p50 during a flood of deltas',
        value: percentile(flooded.timed, 50),
        unit: 'ms',
        reference: percentile(idle, 50),
        note: `${flooded.timed.length} picks while ${DURING_MESSAGES} messages of ${PER_MESSAGE} were applied as fast as they could be; reference = idle`,
      },
      {
        name: 'mirror suggestion (pick) p99 during a flood of deltas',
        value: percentile(flooded.timed, 99),
        unit: 'ms',
        reference: percentile(idle, 99),
        note: 'reference = idle',
      },
    ];
  } finally {
    await stopProcess(gw.proc);
    await feed.close();
    broker.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Publishes pre-signed messages in order at QoS 1 (all at once, or one every `everyMs`) from a worker thread (its own event loop and MQTT connection), so
 * the bench's pick client is not slowed by the publishing. Resolves when the broker has acknowledged all of them.
 */
function publishFrom(url: string, topic: string, messages: readonly string[], everyMs = 0): Promise<void> {
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const mqtt = require(workerData.mqtt);
    (async () => {
      const c = await mqtt.connectAsync(workerData.url, { clientId: 'bench-downlink-publisher' });
      const t0 = performance.now();
      for (let i = 0; i < workerData.messages.length; i++) {
        // paced: message i goes at t0 + i * everyMs (not everyMs after the last acknowledgement)
        const wait = t0 + i * workerData.everyMs - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const p = c.publishAsync(workerData.topic, workerData.messages[i], { qos: 1 });
        if (!workerData.everyMs) await p;
      }
      await c.endAsync();
      parentPort.postMessage('done');
    })().catch((err) => { throw err; });`;
  const w = new Worker(code, { eval: true, workerData: { url, topic, messages, everyMs, mqtt: fileURLToPath(import.meta.resolve('mqtt')) } });
  return new Promise((resolve, reject) => {
    w.once('message', () => resolve());
    w.once('error', reject);
    w.once('exit', (c) => (c === 0 ? resolve() : reject(new Error(`publisher exited with ${c}`))));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await run());
