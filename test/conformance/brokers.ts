import { chmodSync, writeFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type IConnackPacket, type IPublishPacket, type MqttClient } from 'mqtt';
import type { IConnectPacket } from 'mqtt-packet';
import { onTestFinished } from 'vitest';
import { addDevice, startGateway, tempDir } from '../helpers/gateway.ts';
import { hasMosquitto, startMosquitto } from '../helpers/mosquitto.ts';
import { type RawClient, rawConnect } from './raw.ts';

export type BrokerName = 'aedes' | 'mosquitto';
export const BROKERS: BrokerName[] = ['aedes', 'mosquitto'];
export const SERVICE_USER = 'storegate-service';
export const SERVICE_PASSWORD = 'conformance-service-secret-0123456789';

export type Msg = { topic: string; payload: Buffer; qos: number; retain: boolean; dup: boolean; packet: IPublishPacket };

/** An mqtt.js client with every message it received, recorded from before CONNACK. */
export type Conn = {
  client: MqttClient;
  connack: IConnackPacket;
  messages: Msg[];
  /** resolves with the first recorded message (past or future) matching `match` */
  waitFor(match: (m: Msg) => boolean, what: string, timeoutMs?: number): Promise<Msg>;
  /** resolves when `count` recorded messages match */
  waitCount(match: (m: Msg) => boolean, count: number, what: string, timeoutMs?: number): Promise<Msg[]>;
  subscribe(filter: string | string[], qos?: 0 | 1 | 2): Promise<{ topic: string; qos: number }[]>;
  publish(topic: string, payload: string | Buffer, opts?: { qos?: 0 | 1 | 2; retain?: boolean }): Promise<void>;
  /** clean DISCONNECT, resolves when the connection is closed */
  end(): Promise<void>;
  /** abnormal disconnect: the socket is destroyed, no DISCONNECT */
  drop(): void;
  closed: Promise<void>;
};

export type Broker = {
  name: BrokerName;
  port: number;
  /** who the cases run as: storegate's service account on aedes, anonymous on mosquitto */
  account: string;
  connect(opts?: IClientOptions): Promise<Conn>;
  raw(connect: Partial<IConnectPacket> & { clientId: string }): Promise<RawClient>;
  /** credentials whose subscription to `refused` the broker's access control refuses, and a topic they may read */
  refusedSubscriber(): Promise<{ credentials: { username?: string; password?: Buffer }; refused: string; allowed: string; who: string }>;
};

export type BrokerOptions = { refusedSubscribe?: boolean };

const REFUSED_TOPIC_MOSQUITTO = 'nosubscribe/topic';

let seq = 0;
export const uniqueId = (prefix: string) => `${prefix}-${process.pid}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

function connectConn(port: number, opts: IClientOptions): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 5000, clientId: uniqueId('cf'), ...opts });
    const messages: Msg[] = [];
    const listeners = new Set<() => void>();
    let onClose: () => void = () => {};
    const closed = new Promise<void>((r) => (onClose = r));
    client.on('close', () => onClose());
    client.on('message', (topic, payload, packet) => {
      messages.push({ topic, payload, qos: packet.qos, retain: packet.retain, dup: packet.dup, packet });
      for (const l of [...listeners]) l();
    });
    onTestFinished(() => new Promise<void>((r) => client.end(true, {}, () => r())));
    const waitCount = (match: (m: Msg) => boolean, count: number, what: string, timeoutMs = 5000) =>
      new Promise<Msg[]>((res, rej) => {
        const check = () => {
          const got = messages.filter(match);
          if (got.length < count) return false;
          listeners.delete(check);
          clearTimeout(t);
          res(got);
          return true;
        };
        const t = setTimeout(() => {
          listeners.delete(check);
          rej(new Error(`timed out waiting for ${what} (${messages.filter(match).length}/${count})`));
        }, timeoutMs);
        if (!check()) listeners.add(check);
      });
    const conn: Conn = {
      client,
      connack: undefined as unknown as IConnackPacket,
      messages,
      waitFor: async (match, what, timeoutMs) => (await waitCount(match, 1, what, timeoutMs))[0]!,
      waitCount,
      subscribe: (filter, qos = 2) =>
        new Promise((res, rej) =>
          client.subscribe(filter, { qos }, (err, granted) => (err ? rej(err) : res((granted ?? []).map((g) => ({ topic: g.topic, qos: g.qos }))))),
        ),
      publish: (topic, payload, o = {}) =>
        new Promise((res, rej) => client.publish(topic, payload, { qos: o.qos ?? 1, retain: o.retain ?? false }, (err) => (err ? rej(err) : res()))),
      end: () => new Promise<void>((res) => client.end(false, {}, () => res())).then(() => closed),
      drop: () => client.stream.destroy(),
      closed,
    };
    client.once('connect', (connack) => {
      conn.connack = connack;
      resolve(conn);
    });
    client.once('error', (err) => reject(err));
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

/** A fresh broker for one case, stopped when the test ends. */
export async function startBroker(name: BrokerName, opts: BrokerOptions = {}): Promise<Broker> {
  if (name === 'aedes') {
    const gw = await startGateway({ overrides: { 'service.password': SERVICE_PASSWORD, 'log.level': 'warn' } });
    const port = gw.ports.mqtt;
    const auth = { username: SERVICE_USER, password: Buffer.from(SERVICE_PASSWORD) };
    return {
      name,
      port,
      account: `service account (${SERVICE_USER})`,
      connect: (o = {}) => connectConn(port, { ...auth, ...o }),
      raw: (c) => rawConnect(port, { ...auth, ...c }),
      async refusedSubscriber() {
        // the service account may subscribe anywhere: only a device account can be refused
        const secret = await addDevice(gw, 'cf-locker-1', 'locker');
        const store = gw.config.storeId;
        return {
          credentials: { username: 'cf-locker-1', password: Buffer.from(secret) },
          refused: `storegate/${store}/locker/cf-locker-2/cmd`,
          allowed: `storegate/${store}/locker/cf-locker-1/cmd`,
          who: 'device account (the service account may subscribe anywhere)',
        };
      },
    };
  }
  if (!hasMosquitto) throw new Error('mosquitto not installed');
  const dir = tempDir('storegate-conformance-');
  let extra = '';
  if (opts.refusedSubscribe) {
    // mosquitto started as root reads the acl_file after dropping to the mosquitto user
    chmodSync(dir, 0o755);
    writeFileSync(`${dir}/acl`, ['topic readwrite #', `topic deny ${REFUSED_TOPIC_MOSQUITTO}`, ''].join('\n'), { mode: 0o644 });
    extra = `acl_file ${dir}/acl`;
  }
  const m = await startMosquitto(dir, extra);
  return {
    name,
    port: m.port,
    account: 'anonymous (mosquitto reference)',
    connect: (o = {}) => connectConn(m.port, o),
    raw: (c) => rawConnect(m.port, c),
    async refusedSubscriber() {
      if (!opts.refusedSubscribe) throw new Error('start mosquitto with { refusedSubscribe: true }');
      return { credentials: {}, refused: REFUSED_TOPIC_MOSQUITTO, allowed: 'TopicA', who: 'anonymous with an acl_file deny' };
    },
  };
}
