import { createHash, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { type CatalogChanged, type CommandName, type DownlinkEvent, downlinkTopic, type StockChange, signEnvelope } from '../devices/downlink.ts';

/**
 * The cloud side of the downlink, as a network client: it signs messages with an Ed25519 key (the gateway pins the
 * public half in `downlink.keys`), numbers them per stream, and sends them over the cloud broker (QoS 1) and/or
 * serves them as an HTTP feed with an ETag. Used by `storegate simulate cloud`, the store day and the tests.
 */
export interface CloudSimulatorOptions {
  storeId: string;
  keyId: string;
  privateKey: KeyObject;
  /** publish to this cloud broker */
  mqttUrl?: string;
  mqttUsername?: string;
  mqttPassword?: string;
  /** first sequence per stream (default 1); a store that already applied some continues from there */
  start?: Record<string, number>;
  source?: string;
  now?: () => number;
}

export function newSigningKey(): { privateKey: KeyObject; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export async function createCloudSimulator(o: CloudSimulatorOptions) {
  const next = new Map<string, number>(Object.entries(o.start ?? {}));
  const now = o.now ?? Date.now;
  /** every message sent, in order, signed: the HTTP feed serves them */
  const feed: string[] = [];
  let client: MqttClient | undefined;
  if (o.mqttUrl) {
    client = await mqtt.connectAsync(o.mqttUrl, {
      clientId: `storegate-cloud-sim-${randomUUID().slice(0, 8)}`,
      reconnectPeriod: 1000,
      ...(o.mqttUsername ? { username: o.mqttUsername } : {}),
      ...(o.mqttPassword ? { password: o.mqttPassword } : {}),
    });
  }

  /** Builds and signs the next message of a stream (without sending it). */
  function make(stream: string, type: string, data: unknown, extra: Partial<DownlinkEvent> = {}): { event: DownlinkEvent; signed: string } {
    const sequence = extra.sequence ?? next.get(stream) ?? 1;
    if (extra.sequence === undefined) next.set(stream, sequence + 1);
    const event: DownlinkEvent = {
      specversion: '1.0',
      id: randomUUID(),
      source: o.source ?? 'cloud/storegate-sim',
      type: type.startsWith('storegate.') ? type : `storegate.${type}`,
      time: new Date(now()).toISOString(),
      stream,
      sequence,
      storeid: o.storeId,
      datacontenttype: 'application/json',
      ...extra,
      data,
    };
    return { event, signed: signEnvelope(event, o.keyId, o.privateKey) };
  }

  async function deliver(stream: string, signed: string) {
    feed.push(signed);
    if (client) await client.publishAsync(downlinkTopic(o.storeId, stream), signed, { qos: 1 });
    return signed;
  }

  const single = (requestedBy: string, ttlSeconds = 300) => ({
    nonce: randomUUID(),
    expiresat: new Date(now() + ttlSeconds * 1000).toISOString(),
    requestedby: requestedBy,
  });

  return {
    make,
    deliver,
    feed,
    send: (stream: string, type: string, data: unknown, extra?: Partial<DownlinkEvent>) => deliver(stream, make(stream, type, data, extra).signed),
    stock: (changes: StockChange[]) => deliver('stock', make('stock', 'stock.changed', { changes }).signed),
    catalog: (change: CatalogChanged) => deliver('catalog', make('catalog', 'catalog.changed', change).signed),
    configPatch: (set: Record<string, unknown>, requestedBy: string) => deliver('config', make('config', 'config.patch', { set }, single(requestedBy)).signed),
    command: (name: CommandName, data: Record<string, unknown>, requestedBy: string, extra: Partial<DownlinkEvent> = {}) =>
      deliver('commands', make('commands', `command.${name}`, data, { ...single(requestedBy), ...extra }).signed),
    modelAnnounced: (m: { version: string; url: string; sha256: string; signature: string; labels: string[] }) =>
      deliver('models', make('models', 'model.announced', m).signed),
    incentiveRedeemed: (offerId: string) =>
      deliver('incentives', make('incentives', 'incentive.redeemed', { offerId, redeemedAt: new Date(now()).toISOString() }).signed),
    /** where the next message of a stream will be numbered */
    sequence: (stream: string) => next.get(stream) ?? 1,
    async close() {
      await client?.endAsync();
    },
  };
}
export type CloudSimulator = Awaited<ReturnType<typeof createCloudSimulator>>;

/**
 * The HTTP downlink feed for stores without a cloud broker: `GET` answers `{messages: [...]}` with an ETag over the
 * content, and `304` when `If-None-Match` matches. `messages()` is read at every request.
 */
export async function serveFeed(messages: () => readonly string[], opts: { port?: number; token?: string } = {}) {
  const stats = { requests: 0, notModified: 0, unauthorized: 0 };
  const server: Server = createServer((req, res) => {
    stats.requests++;
    if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) {
      stats.unauthorized++;
      res.writeHead(401).end();
      return;
    }
    const list = messages();
    const body = `{"messages":[${list.map((m) => m).join(',')}]}`;
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    if (req.headers['if-none-match'] === etag) {
      stats.notModified++;
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', etag }).end(body);
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/downlink`,
    stats,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
