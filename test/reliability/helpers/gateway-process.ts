import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { CLI, gatewayProcessEnv } from '../../helpers/cli.ts';

export const ADMIN_TOKEN = 'reliability-admin-token-0123456789';
export const STAFF_TOKEN = 'reliability-staff-token-0123456789';
export const SERVICE_PASSWORD = 'reliability-service-password';
export const STORE_ID = 'store-1';

export interface DeviceSeed {
  id: string;
  kind: string;
  secret: string;
  zone?: string;
}

/** A data dir, fixed ports and a config file for `storegate start`, reused across restarts. */
export async function gatewaySite(opts: { devices: DeviceSeed[]; config?: Record<string, unknown> }) {
  const dir = mkdtempSync(join(tmpdir(), 'storegate-rel-'));
  const configFile = join(dir, 'storegate.json');
  writeFileSync(configFile, JSON.stringify({ devices: opts.devices, ...opts.config }, null, 2));
  const { env, ports } = await gatewayProcessEnv({
    STOREGATE_DATA_DIR: dir,
    STOREGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    STOREGATE_STAFF_TOKEN: STAFF_TOKEN,
    STOREGATE_SERVICE_PASSWORD: SERVICE_PASSWORD,
  });
  const { http, mqtt: mqttPort, ws } = ports;
  return {
    dir,
    dbFile: join(dir, 'storegate.db'),
    ports: { http, mqtt: mqttPort, ws },
    url: `http://127.0.0.1:${http}`,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    start: () => startProcess(configFile, env, `http://127.0.0.1:${http}`),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
export type GatewaySite = Awaited<ReturnType<typeof gatewaySite>>;

/** Keeps only the tail of a child's output: a fuzz run must not grow the test process without bound. */
function tail(max = 256 * 1024) {
  let buf = '';
  return {
    add: (d: Buffer | string) => {
      buf += d;
      if (buf.length > max * 2) buf = buf.slice(-max);
    },
    text: () => buf.slice(-max),
  };
}

export interface GatewayProcess {
  proc: ChildProcess;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  alive(): boolean;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startProcess(configFile: string, env: NodeJS.ProcessEnv, url: string): Promise<GatewayProcess> {
  const proc = spawn(process.execPath, [CLI, 'start', '--config', configFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = tail();
  proc.stdout?.on('data', out.add);
  proc.stderr?.on('data', out.add);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  let gone = false;
  void exited.then(() => (gone = true));
  const end = Date.now() + 60_000;
  for (;;) {
    if (gone) throw new Error(`storegate exited before ready:\n${out.text()}`);
    const ok = await fetch(`${url}/readyz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > end) {
      proc.kill('SIGKILL');
      throw new Error(`storegate not ready within 60 s:\n${out.text()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    proc,
    pid: proc.pid as number,
    exited,
    output: out.text,
    alive: () => !gone && proc.exitCode === null,
    kill(signal = 'SIGTERM') {
      if (!gone) proc.kill(signal);
      return exited;
    },
  };
}

/** Sums a Prometheus counter over the label sets that match. */
export async function scrape(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    const m = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const have = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[2]);
  }
  return sum;
}

/** Connects and resolves on CONNACK; rejects on refusal, error or close. */
export function connectDevice(mqttUrl: string, opts: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(mqttUrl, { reconnectPeriod: 0, connectTimeout: 10_000, clean: true, ...opts });
    const fail = (err: Error) => {
      c.end(true);
      reject(err);
    };
    c.once('connect', () => {
      c.removeListener('error', fail);
      c.on('error', () => {});
      resolve(c);
    });
    c.once('error', fail);
    c.once('close', () => fail(new Error('closed before CONNACK')));
  });
}

export const endClient = (c: MqttClient) => new Promise<void>((r) => c.end(true, {}, () => r()));

export const deviceTopicOf = (d: { kind: string; id: string }, channel: string) => `storegate/${STORE_ID}/${d.kind}/${d.id}/${channel}`;

export async function waitUntil<T>(check: () => Promise<T> | T, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
