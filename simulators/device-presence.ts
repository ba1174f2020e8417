import type { IClientOptions, MqttClient } from 'mqtt';
import { deviceTopic } from '../devices/topics.ts';

export interface DeviceIdentity {
  storeId: string;
  kind: string;
  id: string;
  secret: string;
}

export interface PresenceOptions {
  firmware?: string;
  /** seconds between `status` heartbeats; 0 = none */
  heartbeatSeconds?: number;
}

/** What a heartbeat or the first status carries besides `online` (battery, msgId, …). */
type StatusExtra = Record<string, unknown>;

/**
 * How every simulated device tells the gateway it is there, the way a real device does and any broker carries it:
 * a retained `status` `{"online":true}` at every connect (a gateway that (re)subscribes later learns it from the
 * broker), a retained last will `{"online":false}` for when it vanishes, heartbeats on `status`, and a retained
 * offline status before a clean disconnect (which sends no will). External-broker mode sees devices come and go from
 * this alone, without the broker's internals (gateway/broker/connectivity.ts).
 */
export function devicePresence(dev: DeviceIdentity, opts: PresenceOptions = {}) {
  const statusTopic = deviceTopic({ storeId: dev.storeId, kind: dev.kind, deviceId: dev.id, channel: 'status' });
  const offline = JSON.stringify({ online: false });
  let startedAt = Date.now();
  let timer: ReturnType<typeof setInterval> | null = null;

  const stopHeartbeat = () => {
    if (timer) clearInterval(timer);
    timer = null;
  };
  const status = (client: MqttClient, extra: StatusExtra = {}) =>
    client.publishAsync(
      statusTopic,
      JSON.stringify({ online: true, firmware: opts.firmware ?? 'sim-1.0.0', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000), ...extra }),
      { qos: 1, retain: true },
    );

  return {
    statusTopic,
    /** MQTT options: the device's own credentials and its retained last will */
    connectOptions(extra: IClientOptions = {}): IClientOptions {
      return {
        clientId: `${dev.id}-${Math.random().toString(36).slice(2, 8)}`,
        ...extra,
        username: dev.id,
        password: dev.secret,
        will: { topic: statusTopic, payload: Buffer.from(offline), qos: 1, retain: true },
      };
    },
    /** after CONNACK: the retained online status, then heartbeats on the same topic */
    async online(client: MqttClient, extra: StatusExtra = {}) {
      startedAt = Date.now();
      stopHeartbeat();
      await status(client, extra);
      if (opts.heartbeatSeconds) {
        timer = setInterval(() => {
          if (client.connected) void status(client).catch(() => {});
        }, opts.heartbeatSeconds * 1000);
        timer.unref();
      }
    },
    /** one status now (a heartbeat with extra fields, e.g. a battery reading) */
    status,
    /** a clean goodbye: the retained status says offline (a clean DISCONNECT does not send the will) */
    async offline(client: MqttClient) {
      stopHeartbeat();
      if (client.connected) await client.publishAsync(statusTopic, offline, { qos: 1, retain: true }).catch(() => {});
    },
    /** the device vanishes (power cut): no goodbye, the broker sends the will */
    vanish: stopHeartbeat,
  };
}

export type DevicePresence = ReturnType<typeof devicePresence>;
