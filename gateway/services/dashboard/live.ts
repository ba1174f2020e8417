import type { Bus } from '../../bus/bus.ts';
import type { DomainEvent } from '../../bus/events.ts';
import { dataJson } from '../../bus/json.ts';
import type { Clock } from '../../clock.ts';
import type { SseHub } from '../../http/sse.ts';
import type { ZoneOccupancy } from '../../zone-occupancy.ts';
import type { createStatusCache } from './state.ts';

const MAX_DATA_CHARS = 1024;
const PANEL_THROTTLE_MS = 1000;

/** `storegate/<store>/<kind>/<id>` → the device, or null for gateway-made events */
export function deviceOf(source: string): { kind: string; id: string } | null {
  const [, , kind, id] = source.split('/');
  return kind && id && kind !== 'gateway' ? { kind, id } : null;
}

/**
 * What the admin feed must not show, per event type. A shopper's contact in an order intent is for the cloud (which
 * sends the order's messages), not for whoever watches the store IT screen: the feed keeps the channel only.
 */
const FEED_MASKS: Record<string, (data: Record<string, unknown>) => Record<string, unknown>> = {
  'order.intent.created': (d) => {
    const c = d.contact as { channel?: unknown } | undefined;
    return c ? { ...d, contact: { channel: c.channel, address: '(hidden)' } } : d;
  },
};

/** the event's data as the store wrote it (serialised once per event), or a stub when it is too big to stream */
const compactJson = (e: DomainEvent) => {
  const mask = FEED_MASKS[e.type];
  const s = mask ? JSON.stringify(mask(e.data as Record<string, unknown>)) : dataJson(e);
  return s.length <= MAX_DATA_CHARS ? s : JSON.stringify({ truncated: true, chars: s.length });
};

/**
 * Bus → dashboard stream. Device messages go out as `event`, status changes as `device`, alerts as `alert`;
 * lockers and presence only say `panel` (at most once a second each) and the page re-reads their API.
 */
export function wireLive(deps: { bus: Bus; clock: Clock; hub: SseHub; status: ReturnType<typeof createStatusCache>; zones: ZoneOccupancy }) {
  const { bus, hub, status, zones } = deps;
  const owner = 'dashboard';
  const throttled = new Set<string>();
  const panel = (name: string) => {
    if (throttled.has(name)) return;
    throttled.add(name);
    deps.clock.setTimeout(() => {
      throttled.delete(name);
      hub.publish('panel', { panel: name });
    }, PANEL_THROTTLE_MS);
  };

  bus.on(owner, '*', (e: DomainEvent) => {
    const dev = deviceOf(e.source);
    if (e.type.startsWith('locker.')) panel('lockers');
    if (e.type.startsWith('presence.') || e.type.startsWith('beacon.')) panel('presence');
    if (e.type.startsWith('recognition.')) panel('model');
    if (e.type.startsWith('fitting.')) panel('fitting');
    if (e.type.startsWith('downlink.')) panel('downlink');
    if (dev) {
      const head = JSON.stringify({ deviceId: dev.id, kind: dev.kind, type: e.type, time: e.time, id: e.id });
      hub.publishJson('event', `${head.slice(0, -1)},"data":${compactJson(e)}}`);
    }
  });
  bus.on(owner, 'device.status', (e) => {
    status.set(e.data, e.time);
    hub.publish('device', { id: e.data.deviceId, kind: e.data.kind, lastSeenAt: e.time, ...status.get(e.data.deviceId) });
  });
  bus.on(owner, 'device.connected', (e) => {
    hub.publish('device', { id: e.data.deviceId, kind: e.data.kind, connected: true, lastSeenAt: e.time });
  });
  bus.on(owner, 'device.disconnected', (e) => {
    hub.publish('device', { id: e.data.deviceId, kind: e.data.kind, connected: false });
  });
  // the health service's view of each alert after every change (raised, acknowledged, muted, resolved): what
  // the page shows is what the alert book holds, including alerts other capabilities raised
  bus.on(owner, 'health.alert.changed', (e) => {
    hub.publish('alert', { state: e.data.change === 'resolved' ? 'resolved' : 'open', change: e.data.change, at: e.time, ...e.data.alert });
  });
  // local events (not on '*'): the stock and catalog the downlink or the store's own events changed
  bus.on(owner, 'stock.changed', () => panel('downlink'));
  bus.on(owner, 'catalog.changed', () => panel('downlink'));
  zones.follow(bus, owner);

  return { stop: () => bus.off(owner) };
}
