import mqtt, { type MqttClient } from 'mqtt';
import { cmdTopic, deviceTopic } from '../devices/topics.ts';

export interface DeviceIdentity {
  storeId: string;
  kind: string;
  id: string;
  secret: string;
}

export interface DeviceClientOptions {
  url: string;
  firmware?: string;
  /** seconds between `status` heartbeats; 0 = none */
  heartbeatSeconds?: number;
  onCommand?: (cmd: Record<string, unknown>) => void;
}

/**
 * A device as the gateway sees it: an MQTT client with its own credentials, a last will that says it went
 * offline, heartbeats on `status`, and commands on `cmd`. Every simulator is built on this, never on gateway
 * internals.
 */
export async function connectDevice(dev: DeviceIdentity, opts: DeviceClientOptions) {
  const topic = (channel: string) => deviceTopic({ storeId: dev.storeId, kind: dev.kind, deviceId: dev.id, channel });
  const client: MqttClient = mqtt.connect(opts.url, {
    clientId: `${dev.id}-${Math.random().toString(36).slice(2, 8)}`,
    username: dev.id,
    password: dev.secret,
    reconnectPeriod: 1000,
    will: { topic: topic('status'), payload: Buffer.from(JSON.stringify({ online: false })), qos: 1, retain: false },
  });
  const startedAt = Date.now();
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    // a refused CONNECT (bad credentials) ends the client instead of retrying forever
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
  client.on('message', (_t, payload) => {
    let cmd: Record<string, unknown>;
    try {
      cmd = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    } catch {
      return; // a simulator ignores commands it cannot read, as a device would
    }
    if (cmd.type === 'selftest') {
      // the self-test store IT runs from the dashboard: answer with what a real device would check
      const values = { reqId: String(cmd.reqId), ok: true, firmware: opts.firmware ?? 'sim-1.0.0', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) };
      void client.publishAsync(topic('telemetry'), JSON.stringify({ type: 'selftest', values }), { qos: 1 }).catch(() => {});
      return;
    }
    opts.onCommand?.(cmd);
  });
  await client.subscribeAsync(cmdTopic(dev.storeId, dev.kind, dev.id), { qos: 1 });
  const sendStatus = (extra: Record<string, unknown> = {}) =>
    client.publishAsync(
      topic('status'),
      JSON.stringify({ online: true, firmware: opts.firmware ?? 'sim-1.0.0', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000), ...extra }),
      { qos: 1 },
    );
  await sendStatus();
  const hb = opts.heartbeatSeconds ? setInterval(() => void sendStatus().catch(() => {}), opts.heartbeatSeconds * 1000) : null;
  hb?.unref();

  return {
    client,
    identity: dev,
    topic,
    sendStatus,
    publish: (channel: string, body: unknown, qos: 0 | 1 = 1) =>
      client.publishAsync(topic(channel), Buffer.isBuffer(body) ? body : JSON.stringify(body), { qos }),
    async close() {
      if (hb) clearInterval(hb);
      await client.endAsync();
    },
  };
}

export type DeviceClient = Awaited<ReturnType<typeof connectDevice>>;
