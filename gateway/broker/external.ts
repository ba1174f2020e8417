import { deviceTopic } from '../../devices/topics.ts';
import mqtt, { type MqttClient } from 'mqtt';
import type { Config } from '../config/schema.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { Logger } from '../log.ts';
import { gauge, type Registry as Metrics } from '../metrics.ts';
import type { Broker } from './link.ts';

/**
 * External broker mode: a broker such as mosquitto authenticates devices (see README for its ACL) and the
 * gateway subscribes as the service account. Ingest is the same code as in embedded mode. mqtt.js sends our
 * PUBACK only after handleMessage's callback, i.e. after the event is persisted, so the broker keeps the
 * message until the gateway has stored it.
 */
export function createExternalBroker(deps: {
  config: Pick<Config, 'storeId' | 'mqtt' | 'service'>;
  ingest: Ingest;
  /** topics outside the storegate tree that capabilities map to devices (read at start) */
  extraSubscriptions?: () => string[];
  log: Logger;
  metrics: Metrics;
}): Broker & { client: MqttClient } {
  const { config, ingest } = deps;
  const ext = config.mqtt.external;
  if (!ext) throw new Error('mqtt.external is required in external mode');
  const log = deps.log.child({ module: 'broker-external' });
  const up = gauge(deps.metrics, 'storegate_broker_external_connected', '1 when connected to the external broker');

  const client = mqtt.connect(ext.url, {
    clientId: ext.clientId ?? `storegate-${config.storeId}`,
    username: ext.username ?? config.service.username,
    password: ext.password ?? config.service.password,
    // a persistent session: while the gateway restarts, the broker queues QoS 1 device events for it
    clean: false,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    // connects at start(), once every capability is wired
    manualConnect: true,
  });

  client.handleMessage = (packet, callback) => {
    const parts = packet.topic.split('/');
    if (parts[0] === 'storegate' && parts[4] === 'cmd') return callback();
    ingest
      .handle({ topic: packet.topic, payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload) }, () => callback())
      .catch((err) => {
        // not acknowledged: the broker redelivers after we reconnect
        log.error({ err }, 'ingest failed; dropping the connection so the broker redelivers');
        client.end(true, () => client.reconnect());
      });
  };

  const topics = () => [deviceTopic({ storeId: config.storeId, kind: '+', deviceId: '+', channel: '+' }), ...(deps.extraSubscriptions?.() ?? [])];
  client.on('connect', (ack) => {
    up.set(1);
    log.info({ url: ext.url, sessionPresent: ack.sessionPresent }, 'connected to external broker');
    client.subscribe(topics(), { qos: 1 }, (err) => err && log.error({ err: err.message }, 'subscribe failed'));
  });
  client.on('close', () => up.set(0));
  client.on('error', (err) => log.warn({ err: err.message }, 'external broker error'));

  return {
    client,
    async start() {
      client.connect();
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`cannot connect to external broker ${ext.url}`)), 15_000);
        client.once('connect', () => {
          clearTimeout(t);
          resolve();
        });
      });
      return { mqtt: 0, ws: 0 };
    },
    send(kind, deviceId, payload, channel = 'cmd') {
      client.publish(deviceTopic({ storeId: config.storeId, kind, deviceId, channel }), JSON.stringify(payload), { qos: 1 });
    },
    publishRetained(topic, payload) {
      client.publish(topic, payload, { qos: 1, retain: true });
    },
    async disconnectDevice() {
      // the external broker owns device connections
    },
    connectedDeviceIds: () => [],
    isReady: () => client.connected,
    close: () => new Promise<void>((r) => client.end(false, {}, () => r())),
  };
}
