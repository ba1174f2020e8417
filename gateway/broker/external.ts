import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { deviceTopic, parseDeviceTopic } from '../../devices/topics.ts';
import type { Bus } from '../bus/bus.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { Logger } from '../log.ts';
import { gauge, type Registry as Metrics } from '../metrics.ts';
import type { Registry } from '../registry/registry.ts';
import { createConnectivity } from './connectivity.ts';
import { createDynsec, type Dynsec } from './dynsec.ts';
import type { Broker } from './link.ts';
import { MOSQUITTO_LOG_TOPIC, parseMosquittoLog } from './mosquitto-events.ts';
import { dynsecProvisioner, type ExtraDeviceTopics, GATEWAY_ROLE, gatewayAcls, manualProvisioner, type Provisioner } from './provisioning.ts';

type External = NonNullable<Config['mqtt']['external']>;

/** mqtt.js options for the gateway's own connections to the external broker (the broker link, the CLI's provisioning). */
export function externalConnectOptions(ext: External, service: Config['service'], clientId: string): IClientOptions {
  return {
    clientId,
    username: ext.username ?? service.username,
    ...((ext.password ?? service.password) ? { password: ext.password ?? service.password } : {}),
    protocolVersion: ext.protocolVersion ?? 4,
    ...(ext.caFile ? { ca: readFileSync(ext.caFile) } : {}),
    ...(ext.certFile ? { cert: readFileSync(ext.certFile) } : {}),
    ...(ext.keyFile ? { key: readFileSync(ext.keyFile) } : {}),
  };
}

/** Rejections a device hears about on its cmd topic (as on the embedded broker); not for topics it cannot own. */
const TOLD = (reason: string) => !['bad_topic', 'wrong_store', 'unknown_device', 'revoked_device', 'forbidden_topic'].includes(reason);

/**
 * External broker mode: a broker such as mosquitto authenticates devices and the gateway subscribes as the service
 * account. Ingest is the same code as in embedded mode. mqtt.js sends our PUBACK only after handleMessage's
 * callback, i.e. after the event is persisted, so the broker keeps the message until the gateway has stored it.
 * Connectivity comes from what any broker carries (connectivity.ts), plus mosquitto's client notices when
 * `clientEvents: mosquitto-log`; devices are provisioned through mosquitto's dynamic security when enabled.
 */
export function createExternalBroker(deps: {
  config: Pick<Config, 'storeId' | 'mqtt' | 'service' | 'homeAssistant'>;
  ingest: Ingest;
  registry: Registry;
  bus: Bus;
  clock: Clock;
  /** topics outside the storegate tree that capabilities map to devices (read at start) */
  extraSubscriptions?: () => string[];
  extraDeviceTopics?: ExtraDeviceTopics;
  log: Logger;
  metrics: Metrics;
}): Broker & { client: MqttClient; provisioner: Provisioner } {
  const { config, ingest, registry, bus, clock } = deps;
  const { storeId } = config;
  const ext = config.mqtt.external;
  if (!ext) throw new Error('mqtt.external is required in external mode');
  const log = deps.log.child({ module: 'broker-external' });
  const up = gauge(deps.metrics, 'storegate_broker_external_connected', '1 when connected to the external broker');
  const connectivity = createConnectivity({ storeId, bus, clock, offlineAfterMs: (ext.offlineAfterSeconds ?? 120) * 1000 });

  const client = mqtt.connect(ext.url, {
    ...externalConnectOptions(ext, config.service, ext.clientId ?? `storegate-${storeId}`),
    // a persistent session: while the gateway restarts, the broker queues QoS 1 device events for it
    clean: false,
    ...(ext.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 0xffffffff } } : {}),
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    // connects at start(), once every capability is wired
    manualConnect: true,
  });
  const dynsec: Dynsec | undefined = ext.dynamicSecurity ? createDynsec(client) : undefined;
  const provisioner: Provisioner = dynsec
    ? dynsecProvisioner({ storeId, dynsec: async () => dynsec, ...(deps.extraDeviceTopics ? { extraTopics: deps.extraDeviceTopics } : {}) })
    : manualProvisioner({ storeId, broker: `the external broker (${ext.url})`, ...(deps.extraDeviceTopics ? { extraTopics: deps.extraDeviceTopics } : {}) });

  const lookup = async (id: string) => {
    const d = await registry.get(id);
    return d?.enabled ? d : undefined;
  };

  /** mosquitto's client notices: a device's connect names its username; a disconnect only the client id */
  async function onNotice(line: string) {
    const ev = parseMosquittoLog(line);
    if (!ev) return;
    if (ev.connected) {
      const d = ev.username ? await lookup(ev.username) : undefined;
      if (!d) return;
      registry.touch(d.id);
      connectivity.client(d, ev.clientId, true);
      return;
    }
    const id = connectivity.deviceOfClient(ev.clientId);
    const d = id ? await registry.get(id) : undefined;
    if (d) connectivity.client(d, ev.clientId, false);
  }

  /** A retained `status` replayed on subscribe is the device's state, not a new event: it feeds connectivity only. */
  async function onRetained(topic: string, payload: Buffer) {
    const t = parseDeviceTopic(topic);
    if (!t || t.storeId !== storeId || t.channel !== 'status') return;
    const d = await lookup(t.deviceId);
    if (!d || d.kind !== t.kind) return;
    try {
      const online = (JSON.parse(payload.toString('utf8')) as { online?: unknown }).online;
      if (typeof online === 'boolean') connectivity.heard(d, online);
    } catch {
      // not JSON: nothing to learn
    }
  }

  client.handleMessage = (packet, callback) => {
    const { topic } = packet;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    if (topic === MOSQUITTO_LOG_TOPIC) {
      void onNotice(payload.toString('utf8')).catch((err) => log.warn({ err }, 'broker notice failed'));
      return callback();
    }
    if (topic.startsWith('$')) return callback();
    if (parseDeviceTopic(topic)?.channel === 'cmd') return callback();
    if (packet.retain) {
      void onRetained(topic, payload).catch((err) => log.warn({ err }, 'retained status failed'));
      return callback();
    }
    ingest
      .handle({ topic, payload }, (r) => {
        callback();
        if (r.ok) {
          const status = r.events.find((e) => e.type === 'device.status')?.data as { online?: boolean } | undefined;
          connectivity.heard(r.device, status?.online);
          return;
        }
        const t = parseDeviceTopic(topic);
        // MQTT 3.1.1 has no negative PUBACK: tell the device on its cmd topic why, as the embedded broker does
        if (t && TOLD(r.reason)) link.send(t.kind, t.deviceId, { type: 'rejected', reason: r.reason, topic });
      })
      .catch((err) => {
        // not acknowledged: the broker redelivers after we reconnect
        log.error({ err }, 'ingest failed; dropping the connection so the broker redelivers');
        client.end(true, () => client.reconnect());
      });
  };

  const topics = () => [
    deviceTopic({ storeId, kind: '+', deviceId: '+', channel: '+' }),
    ...(deps.extraSubscriptions?.() ?? []),
    ...(ext.clientEvents === 'mosquitto-log' ? [MOSQUITTO_LOG_TOPIC] : []),
  ];

  /**
   * With dynamic security the gateway gives its own account the rights it needs (it is the dynsec admin, which
   * may not publish to normal topics). mosquitto disconnects a client whose roles change, so this changes
   * nothing once the role is in place: true when it changed something (and we are about to be disconnected).
   */
  async function ensureGatewayRole(ds: Dynsec): Promise<boolean> {
    const username = ext?.username ?? config.service.username;
    const [role, self] = await ds.run([
      { command: 'getRole', rolename: GATEWAY_ROLE },
      { command: 'getClient', username },
    ]);
    const commands = [];
    if (role?.error) {
      const acls = gatewayAcls(storeId, { subscriptions: deps.extraSubscriptions?.() ?? [], retainedPrefixes: [config.homeAssistant.discoveryPrefix] });
      commands.push({ command: 'createRole', rolename: GATEWAY_ROLE, textdescription: 'storegate gateway: its store tree, discovery, client notices', acls });
    }
    const roles = (self?.data as { client?: { roles?: { rolename: string }[] } } | undefined)?.client?.roles ?? [];
    if (!roles.some((r) => r.rolename === GATEWAY_ROLE)) commands.push({ command: 'addClientRole', username, rolename: GATEWAY_ROLE });
    if (!commands.length) return false;
    log.info({ role: GATEWAY_ROLE, username }, 'dynamic security: giving the gateway account its role (mosquitto reconnects it once)');
    // not awaited: mosquitto disconnects us while it applies them, and mqtt.js resends the unacknowledged
    // message on reconnect (a second addClientRole then answers "Internal error": already done)
    void ds.run(commands).catch(() => {});
    return true;
  }

  let markReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    markReady = r;
  });
  const subscribe = () =>
    client.subscribeAsync(topics(), { qos: 1 }).then(
      () => markReady(),
      (err: Error) => log.error({ err: err.message }, 'subscribe failed'),
    );
  client.on('connect', (ack) => {
    up.set(1);
    log.info({ url: ext.url, sessionPresent: ack.sessionPresent }, 'connected to external broker');
    if (!dynsec) return void subscribe();
    ensureGatewayRole(dynsec).then(
      (changed) => {
        if (!changed) void subscribe();
      },
      (err: Error) => {
        log.error({ err: err.message }, 'dynamic security: cannot set up the gateway role');
        void subscribe();
      },
    );
  });
  client.on('close', () => up.set(0));
  client.on('error', (err) => log.warn({ err: err.message }, 'external broker error'));
  const sweeper = clock.setInterval(() => connectivity.sweep(), 5000);

  const link = {
    client,
    provisioner,
    async start() {
      client.connect();
      // connected, set up (dynamic security) and subscribed
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`cannot connect to external broker ${ext.url}`)), 15_000);
        void ready.then(() => {
          clearTimeout(t);
          resolve();
        });
      });
      return { mqtt: 0, ws: 0 };
    },
    send(kind: string, deviceId: string, payload: unknown, channel = 'cmd') {
      client.publish(deviceTopic({ storeId, kind, deviceId, channel }), JSON.stringify(payload), { qos: 1 });
    },
    publishRetained(topic: string, payload: string) {
      client.publish(topic, payload, { qos: 1, retain: true });
    },
    /** offline at once; with dynamic security the broker's client goes too, which disconnects the device */
    async disconnectDevice(deviceId: string) {
      connectivity.drop(deviceId);
      const d = await registry.get(deviceId);
      if (d && dynsec) await provisioner.remove(d);
    },
    connectedDeviceIds: () => connectivity.ids(),
    isReady: () => client.connected,
    close: () => {
      sweeper.cancel();
      dynsec?.close();
      // a graceful end waits for the broker; when it is gone (or going), do not wait for it
      return new Promise<void>((r) => client.end(!client.connected, {}, () => r()));
    },
  };
  return link;
}
