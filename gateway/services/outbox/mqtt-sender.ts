import type { IClientPublishOptions, MqttClient } from 'mqtt';
import type { OutboxItem } from './repository.ts';
import type { SendResult, Sender } from './sender.ts';

export interface MqttSenderOptions {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  clientId: string;
  /** {storeId} {type} {source} {id} */
  topic: string;
  storeId: string;
  timeoutMs: number;
  /** 4 = MQTT 3.1.1, 5 = MQTT 5 */
  protocolVersion?: 4 | 5;
  /** CloudEvents MQTT binding content mode; binary needs MQTT 5 (default there), structured is the only one on 3.1.1 */
  contentMode?: 'structured' | 'binary';
}

export function topicFor(template: string, storeId: string, item: Pick<OutboxItem, 'type' | 'source' | 'id'>): string {
  // MQTT forbids wildcards in a topic name (MQTT 3.1.1 §4.7.1)
  const clean = (s: string) => s.replace(/[+#]/g, '_');
  return template
    .replaceAll('{storeId}', clean(storeId))
    .replaceAll('{typePath}', clean(item.type).replaceAll('.', '/'))
    .replaceAll('{type}', clean(item.type))
    .replaceAll('{source}', clean(item.source))
    .replaceAll('{id}', clean(item.id));
}

/**
 * The MQTT bridge: each event is published as a CloudEvent (bindCloudEvent) at QoS 1 and acknowledged by its
 * PUBACK. The connection is ours to manage (no library auto-reconnect): when it fails, the burst in flight is
 * failed, and the forwarder's backoff decides when to connect again. Events published but not PUBACKed
 * are sent again later with the same id.
 */
/**
 * The CloudEvents MQTT protocol binding (cloudevents/spec mqtt-protocol-binding.md). Structured mode: the event
 * as JSON, the only mode on MQTT 3.1.1 (MQTT 5 adds the content type `application/cloudevents+json`). Binary
 * mode (MQTT 5): `data` is the payload with its content type, every other attribute an MQTT user property, so a
 * fleet's brokers and stream processors route on `type`/`source` without parsing bodies.
 */
export function bindCloudEvent(
  body: string,
  mode: 'structured' | 'binary',
  v5: boolean,
): { payload: string; properties?: IClientPublishOptions['properties'] } {
  if (mode === 'structured') return { payload: body, ...(v5 ? { properties: { contentType: 'application/cloudevents+json' } } : {}) };
  const { data, datacontenttype, ...attributes } = JSON.parse(body) as Record<string, unknown>;
  const userProperties = Object.fromEntries(
    Object.entries(attributes).flatMap(([k, v]) => (v === undefined || v === null ? [] : [[k, typeof v === 'string' ? v : JSON.stringify(v)]])),
  );
  return {
    payload: typeof data === 'string' && datacontenttype && datacontenttype !== 'application/json' ? data : JSON.stringify(data ?? null),
    properties: { contentType: typeof datacontenttype === 'string' ? datacontenttype : 'application/json', userProperties },
  };
}

export function createMqttSender(o: MqttSenderOptions): Sender {
  const v5 = o.protocolVersion === 5;
  const mode = o.contentMode ?? (v5 ? 'binary' : 'structured');
  if (mode === 'binary' && !v5) throw new Error('CloudEvents binary content mode needs MQTT 5 (protocolVersion: 5)');
  let client: MqttClient | undefined;
  let connecting: Promise<MqttClient> | undefined;
  const onLost = new Set<(reason: string) => void>();

  const drop = (reason: string) => {
    const c = client;
    client = undefined;
    for (const f of [...onLost]) f(reason);
    c?.end(true);
  };

  function connect(): Promise<MqttClient> {
    if (client?.connected) return Promise.resolve(client);
    // mqtt.js (≈ 20 MB) is loaded with the first connection: a store without an MQTT forwarder never loads it
    connecting ??= import('mqtt')
      .then(
        ({ default: mqtt }) =>
          new Promise<MqttClient>((resolve, reject) => {
            const c = mqtt.connect(o.url, {
              clientId: o.clientId,
              clean: true,
              protocolVersion: v5 ? 5 : 4,
              reconnectPeriod: 0,
              connectTimeout: o.timeoutMs,
              ...(o.username ? { username: o.username } : {}),
              ...(o.password ? { password: o.password } : {}),
            });
            c.once('connect', () => {
              client = c;
              c.on('close', () => client === c && drop('connection closed'));
              resolve(c);
            });
            // kept for the client's whole life: an 'error' without a listener would crash the process
            c.on('error', (err) => {
              if (client === c) drop(err.message);
              else {
                c.end(true);
                reject(err);
              }
            });
            c.once('close', () => reject(new Error('connection closed before CONNACK')));
          }),
      )
      .finally(() => {
        connecting = undefined;
      });
    return connecting;
  }

  async function send(items: OutboxItem[]): Promise<SendResult> {
    let c: MqttClient;
    try {
      c = await connect();
    } catch (err) {
      const e = err as Error & { code?: string };
      return { acked: [], poison: [], retry: { reason: e.code ?? e.message } };
    }
    const outcomes = await Promise.all(
      items.map(
        (item) =>
          new Promise<string | null>((resolve) => {
            let settled = false;
            const done = (r: string | null) => {
              if (settled) return;
              settled = true;
              clearTimeout(timer);
              onLost.delete(lost);
              resolve(r);
            };
            const lost = (reason: string) => done(reason);
            const timer = setTimeout(() => done(`no PUBACK within ${o.timeoutMs} ms`), o.timeoutMs);
            onLost.add(lost);
            const { payload, properties } = bindCloudEvent(item.body, mode, v5);
            c.publish(topicFor(o.topic, o.storeId, item), payload, { qos: 1, ...(properties ? { properties } : {}) }, (err) => done(err ? err.message : null));
          }),
      ),
    );
    const acked = items.filter((_, i) => outcomes[i] === null);
    const failure = outcomes.find((r) => r !== null);
    if (failure) drop(failure);
    return { acked, poison: [], ...(failure ? { retry: { reason: failure } } : {}) };
  }

  return {
    send,
    async close() {
      const c = client;
      drop('outbox stopping');
      await new Promise<void>((r) => (c ? c.end(true, {}, () => r()) : r()));
    },
  };
}
