/**
 * Domain events in CloudEvents 1.0 terms. `id` is created once when the event is made and is stable across
 * retries: it is the key the cloud de-duplicates on.
 */
export interface DomainEvent<T extends string = string, D = unknown> {
  specversion: '1.0';
  id: string;
  /** `storegate/<storeId>/<deviceKind>/<deviceId>` or `storegate/<storeId>/gateway/<service>` */
  source: string;
  type: T;
  /** RFC 3339 */
  time: string;
  subject?: string;
  data: D;
}

/**
 * The typed map of event type → data. Each capability adds its own events by declaration merging:
 *
 *   declare module '../../bus/events.ts' { interface EventMap { 'presence.zone.entered': ZoneEntered } }
 */
export interface EventMap {
  /** A device reported its status (heartbeat, firmware, battery), or its MQTT last will said it went offline. */
  'device.status': DeviceStatus;
  'device.connected': { deviceId: string; kind: string; clientId: string };
  'device.disconnected': { deviceId: string; kind: string; clientId: string; reason?: string };
  /** A message a channel refused (local event, for the capability that owns the channel to count). */
  'device.rejected': { deviceId: string; kind: string; channel: string; reason: string; items: string[] };
  /** A device message that was accepted but that no capability has a richer type for. */
  'device.message': { deviceId: string; kind: string; channel: string; body: unknown };
  /**
   * Alerts: one shape for every capability. The health service persists every one it sees, whoever emitted
   * it; the outbox forwards them to the cloud.
   */
  'alert.raised': AlertData;
  'alert.resolved': AlertData;
}

export interface AlertData {
  /** stable per cause (`device:lk-01:offline`, `store:network`, `locker:A3:jam`): at most one open alert per key */
  key: string;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  /** the device the alert is about, or `gateway` for store-wide and gateway-level causes */
  deviceId: string;
  /** set by the health service on its own `alert.raised` when a mute covered it: recorded, not to be paged */
  muted?: boolean;
}

export interface DeviceStatus {
  deviceId: string;
  kind: string;
  online: boolean;
  firmware?: string;
  batteryPct?: number;
  rssi?: number;
  uptimeSeconds?: number;
  config?: Record<string, unknown>;
}

export type EventType = keyof EventMap & string;
export type EventOf<T extends EventType> = DomainEvent<T, EventMap[T]>;
export type AnyEvent = { [T in EventType]: EventOf<T> }[EventType];
