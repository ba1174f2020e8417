import { deviceSource } from '../../devices/topics.ts';
import type { Bus } from '../bus/bus.ts';
import type { Clock } from '../clock.ts';

interface Seen {
  kind: string;
  /** the broker's own client events (mosquitto's connect/disconnect notices): client ids connected now */
  clients: Set<string>;
  /** the device's last `status.online` (retained, live, or its last will); null until it sent one */
  status: boolean | null;
  lastSeen: number;
  online: boolean;
}

/**
 * Which devices are connected when the broker is not ours (external mode), from what every broker carries: the
 * device's retained `status` and its last will (`{"online":false}`), every message it sends (a heartbeat), and
 * the broker's own client events where it offers them. A device the broker reports connected is online; else
 * one whose last status said online, or that sent anything, is online until `offlineAfterMs` of silence.
 * Transitions go on the bus as `device.connected` / `device.disconnected`, exactly as the embedded broker emits them.
 */
export function createConnectivity(deps: { storeId: string; bus: Bus; clock: Clock; offlineAfterMs: number }) {
  const { bus, clock } = deps;
  const devices = new Map<string, Seen>();

  const isOnline = (d: Seen, now: number) => d.clients.size > 0 || (d.status !== false && now - d.lastSeen < deps.offlineAfterMs);

  function settle(id: string, d: Seen, reason: string, clientId = '') {
    const online = isOnline(d, clock.now());
    if (online === d.online) return;
    d.online = online;
    const source = deviceSource(deps.storeId, d.kind, id);
    if (online) bus.emit(bus.make('device.connected', source, { deviceId: id, kind: d.kind, clientId }));
    else bus.emit(bus.make('device.disconnected', source, { deviceId: id, kind: d.kind, clientId, reason }));
  }

  function entry(id: string, kind: string): Seen {
    let d = devices.get(id);
    if (!d) {
      d = { kind, clients: new Set(), status: null, lastSeen: clock.now(), online: false };
      devices.set(id, d);
    }
    d.kind = kind;
    return d;
  }

  return {
    /** an accepted message from the device; `online` when it was a `status` (the last will says false) */
    heard(device: { id: string; kind: string }, online?: boolean) {
      const d = entry(device.id, device.kind);
      d.lastSeen = clock.now();
      if (online !== undefined) d.status = online;
      else if (d.status === false) d.status = null;
      settle(device.id, d, online === false ? 'last_will' : 'status');
    },
    /** the broker says a client of this device connected (`clientId`) or went away */
    client(device: { id: string; kind: string }, clientId: string, connected: boolean) {
      const d = entry(device.id, device.kind);
      if (connected) {
        d.clients.add(clientId);
        d.lastSeen = clock.now();
      } else {
        d.clients.delete(clientId);
        // a clean DISCONNECT sends no will: the broker's word replaces a retained "online"
        if (!d.clients.size) d.status = false;
      }
      settle(device.id, d, 'broker', clientId);
    },
    /** which device a client id belongs to, for brokers whose disconnect notice names only the client */
    deviceOfClient(clientId: string): string | undefined {
      for (const [id, d] of devices) if (d.clients.has(clientId)) return id;
      return undefined;
    },
    /** revoked: offline now, whatever the broker says next */
    drop(id: string, reason = 'revoked') {
      const d = devices.get(id);
      if (!d) return;
      d.clients.clear();
      d.status = false;
      settle(id, d, reason);
      devices.delete(id);
    },
    /** heartbeat timeouts: run on a timer */
    sweep() {
      for (const [id, d] of devices) settle(id, d, 'heartbeat_timeout');
    },
    ids(): string[] {
      const now = clock.now();
      return [...devices].flatMap(([id, d]) => (isOnline(d, now) ? [id] : []));
    },
  };
}

export type Connectivity = ReturnType<typeof createConnectivity>;
