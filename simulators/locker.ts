import mqtt, { type MqttClient } from 'mqtt';
import type { DoorState, KeypadMessage, LockerCommand, LockerEventMessage, StateReportMessage } from '../devices/locker/messages.ts';
import { LOCKER_KIND, lockerTopic } from '../devices/locker/topics.ts';
import { devicePresence } from './device-presence.ts';

export interface SimCompartment {
  id: string;
  door: DoorState;
  occupied: boolean;
}

export interface LockerSimOptions {
  /** e.g. mqtt://127.0.0.1:1883 */
  url: string;
  storeId: string;
  deviceId: string;
  secret: string;
  compartments: Array<string | SimCompartment>;
  /** auto mode (demo): a door the gateway opens closes again after this many ms with its occupancy flipped */
  autoCloseMs?: number;
  /** with autoCloseMs: these compartments' doors stay open this much longer (a shopper walked off) */
  leaveOpen?: { compartments: string[]; extraMs: number };
  /** seconds between `status` heartbeats (default 30); 0 = none */
  heartbeatSeconds?: number;
}

/**
 * A locker controller on MQTT with its own device credentials, like the real one: it reports door and
 * occupancy changes on `…/event`, keypad entries on `…/keypad`, its whole state on `…/state` at every connect
 * and on a `report` command, and obeys `open` commands on `…/cmd`. Doors can be told to jam; power loss is a
 * disconnect followed by a reconnect whose report carries `powerLoss: true`.
 */
export function createLockerSim(opts: LockerSimOptions) {
  const comps = new Map<string, SimCompartment>(
    opts.compartments.map((c) => (typeof c === 'string' ? [c, { id: c, door: 'closed' as DoorState, occupied: false }] : [c.id, { ...c }])),
  );
  const jamNext = new Set<string>();
  /** compartment → how many more `open` commands to ignore */
  const ignoreNext = new Map<string, number>();
  const ignoring = (id: string) => {
    const n = ignoreNext.get(id) ?? 0;
    if (n <= 0) return false;
    ignoreNext.set(id, n - 1);
    return true;
  };
  const inbox: LockerCommand[] = [];
  const waiters: Array<{ match: (c: LockerCommand) => boolean; resolve: (c: LockerCommand) => void }> = [];
  let client: MqttClient | undefined;
  let msgSeq = 0;
  let powerLoss = false;
  const topic = (ch: 'event' | 'keypad' | 'state' | 'status' | 'cmd') => lockerTopic(opts.storeId, opts.deviceId, ch);
  // retained status, retained last will and heartbeats, as every simulated device has them
  const presence = devicePresence(
    { storeId: opts.storeId, kind: LOCKER_KIND, id: opts.deviceId, secret: opts.secret },
    { firmware: 'locker-sim 1.0', heartbeatSeconds: opts.heartbeatSeconds ?? 30 },
  );

  const pub = (ch: 'event' | 'keypad' | 'state' | 'status', body: object) =>
    new Promise<void>((resolve, reject) => {
      if (!client) return reject(new Error('locker sim is not connected'));
      client.publish(topic(ch), JSON.stringify(body), { qos: 1 }, (err) => (err ? reject(err) : resolve()));
    });
  const msgId = () => `${opts.deviceId}-${Date.now().toString(36)}-${++msgSeq}`;
  const report = (): StateReportMessage => ({
    msgId: msgId(),
    ...(powerLoss ? { powerLoss: true } : {}),
    compartments: [...comps.values()].map((c) => ({ ...c })),
  });
  const door = (c: SimCompartment) =>
    pub('event', { msgId: msgId(), type: 'door', compartment: c.id, door: c.door, occupied: c.occupied } satisfies LockerEventMessage);

  async function onCommand(cmd: LockerCommand) {
    if (cmd.type === 'open') {
      const c = comps.get(cmd.compartment);
      if (c && !ignoring(c.id)) {
        if (jamNext.delete(c.id)) c.door = 'jammed';
        else c.door = 'open';
        await door(c);
        const extra = opts.leaveOpen?.compartments.includes(c.id) ? opts.leaveOpen.extraMs : 0;
        if (opts.autoCloseMs && c.door === 'open') setTimeout(() => void sim.close(c.id, !c.occupied).catch(() => {}), opts.autoCloseMs + extra);
      }
    } else if (cmd.type === 'report') await pub('state', report());
    const i = waiters.findIndex((w) => w.match(cmd));
    if (i >= 0) waiters.splice(i, 1)[0]?.resolve(cmd);
    else inbox.push(cmd);
  }

  const sim = {
    compartments: comps,
    /** connect (or reconnect, optionally to another broker URL): subscribe to cmd, say online, and send the full state */
    connect(url = opts.url): Promise<void> {
      return new Promise((resolve, reject) => {
        const c = mqtt.connect(url, presence.connectOptions({ reconnectPeriod: 0, connectTimeout: 5000 }));
        c.on('message', (_t, payload) => {
          let cmd: LockerCommand;
          try {
            cmd = JSON.parse(payload.toString('utf8')) as LockerCommand;
          } catch {
            return;
          }
          void onCommand(cmd).catch(() => {});
        });
        c.once('error', reject);
        c.once('connect', () => {
          client = c;
          // small request/response messages: do not let Nagle hold them back for a delayed ACK
          (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
          c.subscribe(topic('cmd'), { qos: 1 }, async (err) => {
            if (err) return reject(err);
            try {
              await presence.online(c, { msgId: msgId() });
              await pub('state', report());
              powerLoss = false;
              resolve();
            } catch (e) {
              reject(e);
            }
          });
        });
      });
    },
    /** the next command from the gateway that matches (including ones that already arrived) */
    nextCommand(match: (c: LockerCommand) => boolean = () => true, timeoutMs = 5000): Promise<LockerCommand> {
      const i = inbox.findIndex(match);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0] as LockerCommand);
      return new Promise((resolve, reject) => {
        const w = {
          match,
          resolve: (c: LockerCommand) => {
            clearTimeout(t);
            resolve(c);
          },
        };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`locker sim ${opts.deviceId}: no matching command within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
    /** every command received and not yet taken by nextCommand */
    pending: () => [...inbox],
    /** someone closes the door, with (or without) something inside */
    async close(id: string, occupied: boolean) {
      const c = comps.get(id);
      if (!c) throw new Error(`no compartment ${id}`);
      Object.assign(c, { door: 'closed', occupied });
      await door(c);
    },
    /** the door is pulled open without a command, or opened and left */
    async forceOpen(id: string) {
      const c = comps.get(id);
      if (!c) throw new Error(`no compartment ${id}`);
      c.door = 'open';
      await door(c);
    },
    async setOccupied(id: string, occupied: boolean) {
      const c = comps.get(id);
      if (!c) throw new Error(`no compartment ${id}`);
      c.occupied = occupied;
      await pub('event', { msgId: msgId(), type: 'occupancy', compartment: id, occupied } satisfies LockerEventMessage);
    },
    /** the next `open` for this compartment will not move the door */
    jam: (id: string) => void jamNext.add(id),
    /** the next `times` `open` commands for this compartment are lost: no movement, no answer (a silent door) */
    ignoreNextOpen: (id: string, times = 1) => void ignoreNext.set(id, (ignoreNext.get(id) ?? 0) + times),
    /** change the physical state silently (while disconnected, or with the power off) */
    setPhysical(id: string, state: Partial<Omit<SimCompartment, 'id'>>) {
      const c = comps.get(id);
      if (c) Object.assign(c, state);
    },
    /** a fault the controller detects by itself */
    fault: (fault: 'power_loss' | 'tamper', compartment?: string) =>
      pub('event', { msgId: msgId(), type: 'fault', fault, ...(compartment ? { compartment } : {}) } satisfies LockerEventMessage),
    /** `session`: the keypad session (one per person at the keypad); `via: 'app'` for a phone unlock */
    enterCode: (code: string, who: { session?: string; via?: 'keypad' | 'app' } = {}) =>
      pub('keypad', { msgId: msgId(), code, ...who } satisfies KeypadMessage),
    scanQr: (qr: string, who: { session?: string; via?: 'keypad' | 'app' } = {}) => pub('keypad', { msgId: msgId(), qr, ...who } satisfies KeypadMessage),
    /** a courier types their code and scans the parcel label (order id, and size class when printed on it) */
    courierLoad: (courier: string, orderId: string, size?: string, session?: string) =>
      pub('keypad', { msgId: msgId(), courier, orderId, ...(size ? { size } : {}), ...(session ? { session } : {}) } satisfies KeypadMessage),
    /** the shopper answers the offer on the display */
    answerOffer: (offerId: string, answer: 'accept' | 'decline') => pub('keypad', { msgId: msgId(), offerId, answer } satisfies KeypadMessage),
    reportState: () => pub('state', report()),
    /** the controller loses power: the connection drops without a goodbye; the next connect reports powerLoss */
    powerCut() {
      powerLoss = true;
      presence.vanish();
      client?.stream.destroy();
      client?.end(true);
      client = undefined;
    },
    async disconnect() {
      const c = client;
      client = undefined;
      if (c) await presence.offline(c);
      if (c) await new Promise<void>((r) => c.end(true, {}, () => r()));
    },
    connected: () => client?.connected ?? false,
  };
  return sim;
}
export type LockerSim = ReturnType<typeof createLockerSim>;

// `npx tsx simulators/locker.ts <mqtt-url> <storeId> <deviceId> <secret> A1,A2,A3` runs one in auto mode
if (import.meta.url === `file://${process.argv[1]}`) {
  const [url, storeId, deviceId, secret, list] = process.argv.slice(2);
  if (!url || !storeId || !deviceId || !secret || !list) {
    process.stderr.write('usage: tsx simulators/locker.ts <mqtt-url> <storeId> <deviceId> <secret> <A1,A2,…>\n');
    process.exit(2);
  }
  const sim = createLockerSim({ url, storeId, deviceId, secret, compartments: list.split(','), autoCloseMs: 3000 });
  await sim.connect();
  process.stdout.write(`locker sim ${deviceId} connected; doors close 3 s after opening with occupancy flipped\n`);
}
