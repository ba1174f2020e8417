import mqtt, { type MqttClient } from 'mqtt';
import { cmdTopic, deviceTopic } from '../devices/topics.ts';
import { type DevicePresence, devicePresence } from './device-presence.ts';

export interface LoadOptions {
  /** MQTT URL of the gateway, e.g. mqtt://localhost:1883 */
  url: string;
  /** gateway HTTP URL and admin token: devices are registered (and revoked afterwards) through the API */
  httpUrl: string;
  adminToken: string;
  storeId: string;
  devices: number;
  /** messages per second across all devices */
  rate: number;
  durationSeconds: number;
  qos?: 0 | 1;
  /** kinds to spread the devices over; each sends `telemetry`, the channel every kind has */
  kinds?: string[];
  keepDevices?: boolean;
  onProgress?: (p: LoadReport) => void;
}

export interface LoadReport {
  devices: number;
  connected: number;
  sent: number;
  acked: number;
  rejected: number;
  errors: number;
  seconds: number;
}

async function api(o: LoadOptions, method: string, path: string, body?: unknown) {
  const res = await fetch(`${o.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${o.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

/**
 * Many devices of mixed kinds, each a real MQTT client with its own credentials, sending telemetry at an
 * aggregate rate: for soak tests and benchmarks. Counts what was sent, acknowledged (PUBACK) and rejected (the
 * gateway's `rejected` notices on the devices' cmd topics).
 */
export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const kinds = o.kinds ?? ['ble-scanner', 'mirror', 'locker', 'sensor'];
  const tag = Date.now().toString(36);
  const report: LoadReport = { devices: o.devices, connected: 0, sent: 0, acked: 0, rejected: 0, errors: 0, seconds: 0 };
  const created: Array<{ id: string; kind: string; secret: string }> = [];
  for (let i = 0; i < o.devices; i++) {
    const kind = kinds[i % kinds.length] as string;
    const id = `load-${tag}-${i}`;
    const r = await api(o, 'POST', '/api/v1/devices', { id, kind, zone: 'load-test' });
    if (r.status !== 201) throw new Error(`registering ${id} failed: ${r.status} ${JSON.stringify(r.body)}`);
    created.push({ id, kind, secret: r.body.secret as string });
  }
  const clients: MqttClient[] = [];
  const presences: DevicePresence[] = [];
  try {
    for (const d of created) {
      // retained status and last will like every device; no extra heartbeat: the telemetry stream is one
      const presence = devicePresence({ storeId: o.storeId, kind: d.kind, id: d.id, secret: d.secret }, { firmware: 'load-sim 1.0', heartbeatSeconds: 0 });
      const c = mqtt.connect(o.url, presence.connectOptions({ clientId: d.id, reconnectPeriod: 1000 }));
      await new Promise<void>((resolve, reject) => {
        c.once('connect', () => resolve());
        c.once('error', reject);
      });
      c.on('message', (_t, p) => {
        if (/"rejected"/.test(p.toString())) report.rejected++;
      });
      await c.subscribeAsync(cmdTopic(o.storeId, d.kind, d.id), { qos: 1 });
      await presence.online(c);
      clients.push(c);
      presences.push(presence);
      report.connected++;
    }
    const start = Date.now();
    const end = start + o.durationSeconds * 1000;
    const tickMs = 50;
    const perTick = (o.rate * tickMs) / 1000;
    let owed = 0;
    let n = 0;
    let lastProgress = start;
    const pending = new Set<Promise<void>>();
    while (Date.now() < end) {
      owed += perTick;
      while (owed >= 1) {
        owed -= 1;
        const i = n++ % clients.length;
        const d = created[i] as (typeof created)[number];
        const c = clients[i] as MqttClient;
        const body = JSON.stringify({ msgId: `${tag}-${n}`, type: 'load', values: { n, at: Date.now() } });
        report.sent++;
        const p = c.publishAsync(deviceTopic({ storeId: o.storeId, kind: d.kind, deviceId: d.id, channel: 'telemetry' }), body, { qos: o.qos ?? 1 }).then(
          () => void report.acked++,
          () => void report.errors++,
        );
        pending.add(p);
        void p.finally(() => pending.delete(p));
      }
      if (Date.now() - lastProgress > 2000) {
        lastProgress = Date.now();
        o.onProgress?.({ ...report, seconds: (Date.now() - start) / 1000 });
      }
      await new Promise((r) => setTimeout(r, tickMs));
    }
    await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 10_000))]);
    report.seconds = (Date.now() - start) / 1000;
    return report;
  } finally {
    await Promise.all(clients.map((c, i) => (presences[i] as DevicePresence).offline(c).then(() => c.endAsync().catch(() => {}))));
    if (!o.keepDevices) for (const d of created) await api(o, 'DELETE', `/api/v1/devices/${encodeURIComponent(d.id)}`).catch(() => {});
  }
}
