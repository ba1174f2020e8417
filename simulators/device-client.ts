import mqtt, { type MqttClient } from 'mqtt';
import { cmdTopic, deviceTopic } from '../devices/topics.ts';
import { type DeviceIdentity, devicePresence } from './device-presence.ts';

export type { DeviceIdentity };

export interface DeviceClientOptions {
  url: string;
  firmware?: string;
  /** seconds between `status` heartbeats (default 30); 0 = none */
  heartbeatSeconds?: number;
  onCommand?: (cmd: Record<string, unknown>) => void;
}

/**
 * A device as the gateway sees it: an MQTT client with its own credentials, commands on `cmd`, and its presence
 * (retained status, retained last will, heartbeats: device-presence.ts). Every simulator is built on this or on
 * devicePresence, never on gateway internals.
 */
export async function connectDevice(dev: DeviceIdentity, opts: DeviceClientOptions) {
  const topic = (channel: string) => deviceTopic({ storeId: dev.storeId, kind: dev.kind, deviceId: dev.id, channel });
  const presence = devicePresence(dev, { firmware: opts.firmware ?? 'sim-1.0.0', heartbeatSeconds: opts.heartbeatSeconds ?? 30 });
  const client: MqttClient = mqtt.connect(opts.url, presence.connectOptions({ reconnectPeriod: 1000 }));
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
  // after an automatic reconnect the next heartbeat says it is online again (the broker's client notices say it at once)
  await presence.online(client);

  return {
    client,
    identity: dev,
    topic,
    sendStatus: (extra: Record<string, unknown> = {}) => presence.status(client, extra),
    publish: (channel: string, body: unknown, qos: 0 | 1 = 1) =>
      client.publishAsync(topic(channel), Buffer.isBuffer(body) ? body : JSON.stringify(body), { qos }),
    async close() {
      await presence.offline(client);
      await client.endAsync();
    },
  };
}

export type DeviceClient = Awaited<ReturnType<typeof connectDevice>>;
