/**
 * Alerts on the bus: one shape for every capability (lockers emit the same two types with the same data).
 * `key` names the cause (`device:lk-01:offline`, `store:network`, `locker:A3:jam`): at most one alert per key
 * is open at a time. The health service persists every `alert.raised` / `alert.resolved` it sees, whoever
 * emitted it; the outbox forwards them to the cloud as `storegate.alert.raised` / `storegate.alert.resolved`.
 */
export interface AlertData {
  /** stable per cause: raising the same key again is a no-op until it is resolved */
  key: string;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  /** the device the alert is about, or `gateway` for store-wide and gateway-level causes */
  deviceId: string;
}

declare module '../../bus/events.ts' {
  interface EventMap {
    'alert.raised': AlertData;
    'alert.resolved': AlertData;
  }
}

export const GATEWAY_DEVICE = 'gateway';
export const healthSource = (storeId: string) => `storegate/${storeId}/gateway/health`;
