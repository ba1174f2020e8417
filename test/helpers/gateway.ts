import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { onTestFinished } from 'vitest';
import type { EventType } from '../../gateway/bus/events.ts';
import type { Clock } from '../../gateway/clock.ts';
import { loadConfig } from '../../gateway/config/load.ts';
import { createLogger } from '../../gateway/log.ts';
import { createGateway, type Gateway } from '../../gateway/main.ts';
import { startMosquittoDynsec } from './mosquitto.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const STAFF_TOKEN = 'test-staff-token-0123456789';

export function tempDir(prefix = 'storegate-test-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }));
  return dir;
}

/** Captures pino's JSON lines so tests can assert on what was (and was not) logged. */
export function logSink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  return { stream, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/**
 * Which broker the capability suites run on: `embedded` (aedes) or `mosquitto` (external mode against a real
 * mosquitto with dynamic security and client notices). vitest.config.ts runs the capability suites once per broker.
 */
export type TestBroker = 'embedded' | 'mosquitto';
export const TEST_BROKER: TestBroker = process.env.STOREGATE_TEST_BROKER === 'mosquitto' ? 'mosquitto' : 'embedded';

/** One mosquitto per data dir: a gateway restarted on the same data dir finds the broker (and its devices) it left. */
const mosquittos = new Map<string, { url: string; port: number; service: { username: string; password: string } }>();

async function externalOverrides(dataDir: string, clientId: string) {
  let m = mosquittos.get(dataDir);
  if (!m) {
    const service = { username: 'storegate-service', password: `svc-${Math.random().toString(36).slice(2)}` };
    const dir = tempDir('storegate-mosquitto-');
    const mosq = await startMosquittoDynsec(dir, service);
    m = { url: mosq.url, port: mosq.port, service };
    mosquittos.set(dataDir, m);
    onTestFinished(() => void mosquittos.delete(dataDir));
  }
  const overrides = {
    'mqtt.mode': 'external',
    'mqtt.external': { url: m.url, clientId, dynamicSecurity: true, clientEvents: 'mosquitto-log' },
    'service.username': m.service.username,
    'service.password': m.service.password,
  };
  return { overrides, port: m.port };
}

/** A real gateway on port 0 everywhere, a temp data dir, stopped when the test ends. */
export async function startGateway(opts: { dataDir?: string; overrides?: Record<string, unknown>; clock?: Clock; keep?: boolean; broker?: TestBroker } = {}) {
  const dataDir = opts.dataDir ?? tempDir();
  const broker = opts.broker ?? TEST_BROKER;
  const external = broker === 'mosquitto' ? await externalOverrides(dataDir, `storegate-test-${Math.random().toString(36).slice(2, 8)}`) : undefined;
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      'http.port': 0,
      'http.host': '127.0.0.1',
      'http.adminToken': ADMIN_TOKEN,
      'http.staffToken': STAFF_TOKEN,
      'mqtt.port': 0,
      'mqtt.wsPort': 0,
      'mqtt.host': '127.0.0.1',
      'log.level': 'debug',
      ...opts.overrides,
      ...external?.overrides,
    },
  });
  const sink = logSink();
  const gw = await createGateway(config, { log: createLogger({ level: 'debug', destination: sink.stream }), ...(opts.clock ? { clock: opts.clock } : {}) });
  await gw.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await gw.stop();
  };
  if (!opts.keep) onTestFinished(stop);
  if (external) {
    // the port devices connect to: the external broker's
    const own = Object.getOwnPropertyDescriptor(gw, 'ports')?.get?.bind(gw);
    Object.defineProperty(gw, 'ports', { get: () => ({ ...own?.(), mqtt: external.port }) });
    watchIngest(gw, external.port);
  }
  return Object.assign(gw, { logs: sink, dataDir, stopGateway: stop, broker });
}
export type TestGateway = Awaited<ReturnType<typeof startGateway>>;

/** Registers a device the way the CLI and the API do: in the registry and, in external mode, on the broker. */
export async function addDevice(gw: Gateway, id: string, kind: string, zone?: string) {
  const { secret } = await gw.devices.add({ id, kind, zone: zone ?? null });
  return secret;
}

/** Connects and resolves on CONNACK, rejects on refusal. Closed when the test ends. */
export function connectMqtt(port: number, opts: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    onTestFinished(() => new Promise<void>((r) => client.end(true, {}, () => r())));
    client.once('connect', () => resolve(client));
    client.once('error', (err) => reject(err));
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

/**
 * External mode: the device's PUBACK comes from the broker, before the gateway has the message. Tests written
 * for "PUBACK = stored" (the embedded contract) then wait for the gateway to have handled it: ingest's answers
 * are counted per topic for each gateway on a broker port.
 */
const handledByPort = new Map<number, { count: Map<string, number>; waiters: Set<() => void> }>();

function watchIngest(gw: Gateway, port: number) {
  const seen = { count: new Map<string, number>(), waiters: new Set<() => void>() };
  handledByPort.set(port, seen);
  onTestFinished(() => void handledByPort.delete(port));
  const handle = gw.ingest.handle;
  gw.ingest.handle = (msg, ack) =>
    handle(msg, (r) => {
      ack?.(r);
      seen.count.set(msg.topic, (seen.count.get(msg.topic) ?? 0) + 1);
      for (const w of [...seen.waiters]) w();
    });
}

export async function publish(client: MqttClient, topic: string, payload: string | Buffer, qos: 0 | 1 = 1): Promise<void> {
  const seen = handledByPort.get(Number(client.options.port));
  const before = seen?.count.get(topic) ?? 0;
  await new Promise<void>((resolve, reject) => client.publish(topic, payload, { qos }, (err) => (err ? reject(err) : resolve())));
  if (!seen || (seen.count.get(topic) ?? 0) > before) return;
  // a message the broker refuses (its ACL) never arrives: give up after a while rather than fail here
  await new Promise<void>((resolve) => {
    const done = () => {
      if ((seen.count.get(topic) ?? 0) <= before) return;
      clearTimeout(t);
      seen.waiters.delete(done);
      resolve();
    };
    const t = setTimeout(() => {
      seen.waiters.delete(done);
      resolve();
    }, 3000);
    seen.waiters.add(done);
  });
}

/** Resolves with the next bus event of a type that matches, or rejects after a timeout. */
export function nextEvent<T extends EventType>(gw: Gateway, type: T, match: (e: { data: unknown }) => boolean = () => true, timeoutMs = 5000) {
  return new Promise<{ id: string; type: string; source: string; data: unknown }>((resolve, reject) => {
    const owner = `test-wait-${Math.random()}`;
    const t = setTimeout(() => {
      gw.bus.off(owner);
      reject(new Error(`timed out waiting for ${type}`));
    }, timeoutMs);
    gw.bus.on(owner, type, (e) => {
      if (!match(e)) return;
      clearTimeout(t);
      gw.bus.off(owner);
      resolve(e);
    });
  });
}

/** Resolves when `check` returns a truthy value, polling the gateway (not sleeping a fixed time). */
export async function until<T>(check: () => Promise<T> | T, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function metricValue(gw: Gateway, name: string, labels: Record<string, string> = {}) {
  const m = gw.metrics.getSingleMetric(name);
  if (!m) return 0;
  const { values } = await m.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val))
    .reduce((sum, v) => sum + v.value, 0);
}

export const deviceTopic = (gw: Gateway, kind: string, id: string, channel: string) => `storegate/${gw.config.storeId}/${kind}/${id}/${channel}`;
