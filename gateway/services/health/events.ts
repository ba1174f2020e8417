import { gatewaySource } from '../../../devices/topics.ts';
/**
 * Alerts on the bus: one shape for every capability (lockers emit the same two types with the same data).
 * `key` names the cause (`device:lk-01:offline`, `store:network`, `locker:A3:jam`): at most one alert per key
 * is open at a time. The health service persists every `alert.raised` / `alert.resolved` it sees, whoever
 * emitted it; the outbox forwards them to the cloud as `storegate.alert.raised` / `storegate.alert.resolved`.
 */
export type { AlertData } from '../../bus/events.ts';

export const GATEWAY_DEVICE = 'gateway';
export const healthSource = (storeId: string) => gatewaySource(storeId, 'health');

/** Someone acknowledged an open alert (CloudEvents `storegate.alert.acknowledged`). */
export interface AlertAcknowledged {
  alertId: number;
  key: string;
  severity: 'info' | 'warning' | 'critical';
  deviceId: string;
  /** `staff:<login>` or `token:<name>` (never a secret) */
  by: string;
  /** the person's name, or the token's */
  byName: string;
  note: string | null;
}

/**
 * An alert another capability raised (its own `alert.raised` went to the cloud unmarked) was raised under a mute:
 * the cloud should not page for it. Health's own alerts carry `muted: true` in their `alert.raised` instead.
 */
export interface AlertMuted {
  alertId: number;
  key: string;
  severity: 'info' | 'warning' | 'critical';
  deviceId: string;
  muteId: number;
  /** when the mute ends (ISO) */
  until: string;
}

/** Local only (never routed to the cloud): health's view of one alert after a change, for the live dashboard. */
export interface AlertChanged {
  change: 'raised' | 'updated' | 'acknowledged' | 'resolved';
  alert: {
    id: number;
    key: string;
    severity: 'info' | 'warning' | 'critical';
    message: string;
    deviceId: string;
    source: string;
    kind: string;
    zone: string | null;
    group: string;
    raisedAt: number;
    resolvedAt: number | null;
    ackedAt: number | null;
    ackedBy: string | null;
    ackedName: string | null;
    ackNote: string | null;
    muteId: number | null;
    mutedUntil: number | null;
  };
}

declare module '../../bus/events.ts' {
  interface EventMap {
    'alert.acknowledged': AlertAcknowledged;
    'alert.muted': AlertMuted;
    'health.alert.changed': AlertChanged;
  }
}
