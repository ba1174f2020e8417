import { connect as netConnect, type Socket } from 'node:net';
import mqttPacket, { type IConnackPacket, type IConnectPacket, type Packet } from 'mqtt-packet';

/**
 * A packet-level MQTT 3.1.1 client for the cases a full client library hides: a client that never acknowledges,
 * never pings, resends a QoS 2 PUBLISH before PUBREL, or sends a CONNECT mqtt.js would not.
 */
export type RawClient = {
  socket: Socket;
  connack: IConnackPacket;
  /** every packet received, in order */
  received: Packet[];
  send(packet: Packet): void;
  /** the first received packet (already received or future) matching `match` that no earlier `next` took */
  next<P extends Packet = Packet>(match: (p: Packet) => boolean, timeoutMs?: number, what?: string): Promise<P>;
  /** resolves when the socket is closed (by either side) */
  closed: Promise<void>;
  isClosed(): boolean;
  /** an abnormal disconnect: the socket is destroyed without a DISCONNECT */
  destroy(): void;
};

export function rawConnect(port: number, connect: Partial<IConnectPacket> & { clientId: string }, timeoutMs = 5000): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const parser = mqttPacket.parser({ protocolVersion: connect.protocolVersion ?? 4 });
    const received: Packet[] = [];
    const taken = new Set<Packet>();
    const waiters: { match: (p: Packet) => boolean; resolve: (p: Packet) => void }[] = [];
    let closed = false;
    let onClosed: () => void = () => {};
    const closedP = new Promise<void>((r) => (onClosed = r));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no CONNACK'));
    }, timeoutMs);

    const client: RawClient = {
      socket,
      connack: undefined as unknown as IConnackPacket,
      received,
      send(packet) {
        if (!closed) socket.write(mqttPacket.generate(packet));
      },
      next<P extends Packet>(match: (p: Packet) => boolean, waitMs = 5000, what = 'packet') {
        const have = received.find((p) => !taken.has(p) && match(p));
        if (have) {
          taken.add(have);
          return Promise.resolve(have as P);
        }
        return new Promise<P>((res, rej) => {
          const w = {
            match,
            resolve: (p: Packet) => {
              clearTimeout(t);
              res(p as P);
            },
          };
          const t = setTimeout(() => {
            waiters.splice(waiters.indexOf(w), 1);
            rej(new Error(`timed out waiting for ${what}`));
          }, waitMs);
          waiters.push(w);
        });
      },
      closed: closedP,
      isClosed: () => closed,
      destroy: () => socket.destroy(),
    };

    parser.on('packet', (p: Packet) => {
      received.push(p);
      if (p.cmd === 'connack' && !client.connack) {
        clearTimeout(timer);
        client.connack = p;
        taken.add(p);
        resolve(client);
        return;
      }
      const i = waiters.findIndex((w) => w.match(p));
      if (i >= 0) {
        taken.add(p);
        waiters.splice(i, 1)[0]!.resolve(p);
      }
    });
    socket.on('data', (d) => parser.parse(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      onClosed();
      if (!client.connack) {
        clearTimeout(timer);
        reject(new Error('closed before CONNACK'));
      }
    });
    const packet: IConnectPacket = { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, ...connect };
    socket.once('connect', () => socket.write(packet.clientId === '' ? zeroLengthIdConnect(packet) : mqttPacket.generate(packet)));
  });
}

const str = (s: string | Buffer) => {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
};

/**
 * An MQTT 3.1.1 CONNECT with a zero-length client id, built by hand: mqtt-packet refuses to generate one with
 * clean session 0, which is exactly what the broker must be seen to refuse (no will: not needed by the cases).
 */
function zeroLengthIdConnect(p: IConnectPacket): Buffer {
  const flags = (p.clean ? 0x02 : 0) | (p.username !== undefined ? 0x80 : 0) | (p.password !== undefined ? 0x40 : 0);
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(p.keepalive ?? 60);
  const body = Buffer.concat([
    str('MQTT'),
    Buffer.from([4, flags]),
    keepalive,
    str(''),
    ...(p.username !== undefined ? [str(p.username)] : []),
    ...(p.password !== undefined ? [str(p.password)] : []),
  ]);
  const remaining: number[] = [];
  let n = body.length;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    remaining.push(byte);
  } while (n > 0);
  return Buffer.concat([Buffer.from([0x10, ...remaining]), body]);
}
